import type { ChangeActor, MemoryChange } from '../../contracts/domain.js';
import type { ChangeLog } from '../common/changeLog.js';
import type { TierWiring } from './tierWiring.js';

/** What a tier's store offers for the shared procedures (the episode store, the fact store). */
export interface TierStore<M> {
  log: ChangeLog;
  get(id: string): M;
  setPinned(id: string, pinned: boolean, by: ChangeActor): { memory: M; change: MemoryChange | null };
  delete(id: string, by: ChangeActor): MemoryChange;
  forget(id: string, by: ChangeActor): MemoryChange;
  undo(changeId: string, by: ChangeActor): MemoryChange;
}

/**
 * The shared procedures of `memoryTierProcedures` over a tier's store, every change announced by
 * the wiring; `search` is the tier's own (its ranking differs).
 */
export function tierProcedures<M>(store: TierStore<M>, wiring: Pick<TierWiring, 'changed' | 'changedIn' | 'embedder'>) {
  return {
    get: ({ id }: { id: string }): M => store.get(id),
    pin: ({ id, pinned, by }: { id: string; pinned: boolean; by: ChangeActor }) => wiring.changedIn(store.setPinned(id, pinned, by)),
    delete: ({ id, by }: { id: string; by: ChangeActor }) => wiring.changed(store.delete(id, by)),
    forget: ({ id, by }: { id: string; by: ChangeActor }) => wiring.changed(store.forget(id, by)),
    history: ({ id }: { id: string }) => store.log.history(id),
    change: ({ id }: { id: string }) => store.log.get(id),
    changes: ({ limit }: { limit: number }) => store.log.recent(limit),
    undo: ({ changeId, by }: { changeId: string; by: ChangeActor }) => wiring.changed(store.undo(changeId, by)),
    embeddingStatus: () => wiring.embedder.status(),
  };
}
