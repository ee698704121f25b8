import type { ChangeActor, ChangeOp, MemoryChange } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';

/** The slice of a SQLite connection the log needs (better-sqlite3's shape), so both memories share it. */
export interface SqlConnection {
  prepare(sql: string): { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
}

interface ChangeRow { id: string; at: string; actor: string; op: string; target_id: string; before: string | null; after: string | null; undoes: string | null; undone_by: string | null; scrubbed: number }

export type Snapshot = Record<string, unknown>;

/** The `changes` table, the same in every memory database (created by each one's migration). */
export const CHANGE_LOG_DDL = `
  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    op TEXT NOT NULL,
    target_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    undoes TEXT,
    undone_by TEXT,
    scrubbed INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX changes_target ON changes(target_id, seq);`;

/**
 * The history of every change to one memory store (`changes` table, same shape in episodic.db and
 * semantic.db). Writes happen inside the caller's transaction, so a change and its record land together.
 */
export function createChangeLog(db: SqlConnection, tier: 'episodic' | 'semantic') {
  const insert = db.prepare('INSERT INTO changes (id, at, actor, op, target_id, before, after, undoes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const byId = db.prepare('SELECT * FROM changes WHERE id = ?');
  const forTarget = db.prepare('SELECT * FROM changes WHERE target_id = ? ORDER BY seq');
  const recentAll = db.prepare('SELECT * FROM changes ORDER BY seq DESC LIMIT ?');
  const markUndone = db.prepare('UPDATE changes SET undone_by = ? WHERE id = ?');
  const scrub = db.prepare('UPDATE changes SET before = NULL, after = NULL, scrubbed = 1 WHERE target_id = ?');

  const toChange = (r: ChangeRow): MemoryChange => ({
    id: r.id, at: r.at, tier, actor: r.actor as ChangeActor, op: r.op as ChangeOp, targetId: r.target_id,
    before: r.before ? (JSON.parse(r.before) as Snapshot) : null, after: r.after ? (JSON.parse(r.after) as Snapshot) : null,
    undoes: r.undoes, undoneBy: r.undone_by, scrubbed: r.scrubbed === 1,
  });

  return {
    record(c: { actor: ChangeActor; op: ChangeOp; targetId: string; before: Snapshot | null; after: Snapshot | null; undoes?: string }): MemoryChange {
      const id = newId();
      insert.run(id, new Date().toISOString(), c.actor, c.op, c.targetId, c.before ? JSON.stringify(c.before) : null, c.after ? JSON.stringify(c.after) : null, c.undoes ?? null);
      if (c.undoes) markUndone.run(id, c.undoes);
      return toChange(byId.get(id) as ChangeRow);
    },
    get(id: string): MemoryChange {
      const r = byId.get(id) as ChangeRow | undefined;
      if (!r) throw PagiError.hinted('NOT_FOUND', `no change with id ${id} in ${tier} memory`, { cli: '`pagi memory history ID` lists a memory\'s changes', app: 'open the memory again to see its history' });
      return toChange(r);
    },
    history: (targetId: string): MemoryChange[] => (forTarget.all(targetId) as ChangeRow[]).map(toChange),
    recent: (limit: number): MemoryChange[] => (recentAll.all(limit) as ChangeRow[]).map(toChange),
    /** Forgetting means it: the memory's values leave its history too (the record that something was forgotten stays). */
    scrub: (targetId: string): void => void scrub.run(targetId),
    /**
     * Checks that a change can be undone now: not undone already, not forgotten, and no later change
     * that is still in effect touched the same fields (an add or delete touches them all; a change and
     * the undo that reversed it cancel out). The caller then restores `before` and records the undo.
     */
    undoable(change: MemoryChange): void {
      if (change.undoneBy) throw new PagiError('CONFLICT', `change ${change.id} was already undone by ${change.undoneBy}; undo that change to redo it`);
      if (change.scrubbed || change.op === 'forget') throw new PagiError('FAILED_PRECONDITION', 'this memory was forgotten (hard-deleted): its content is gone and cannot be restored');
      const all = (forTarget.all(change.targetId) as ChangeRow[]).map(toChange);
      const byIdMap = new Map(all.map((c) => [c.id, c]));
      const fields = (c: MemoryChange): Set<string> | 'all' => {
        const source = c.undoes ? byIdMap.get(c.undoes) ?? c : c;
        if (!source.before || !source.after) return 'all';
        return new Set([...Object.keys(source.before), ...Object.keys(source.after)]);
      };
      const mine = fields(change);
      const index = all.findIndex((c) => c.id === change.id);
      const blocking = all.slice(index + 1).filter((later) => {
        if (later.undoneBy) return false;
        const undone = later.undoes ? byIdMap.get(later.undoes) : undefined;
        if (undone && all.indexOf(undone) > index) return false;
        const theirs = fields(later);
        return mine === 'all' || theirs === 'all' || [...theirs].some((f) => mine.has(f));
      });
      if (blocking.length > 0) {
        throw new PagiError('CONFLICT', `memory ${change.targetId} changed again after ${change.id} (${blocking.map((c) => `${c.op} ${c.id}`).join(', ')}); undo the later changes first`);
      }
    },
  };
}

export type ChangeLog = ReturnType<typeof createChangeLog>;
