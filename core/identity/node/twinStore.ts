import type { SqliteDatabase } from '../../../native/sqlite.js';
import { personaSchema, type Persona, type Twin } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';

interface TwinRow {
  id: string; name: string; persona: string; parent_id: string | null; generation: number; lifecycle: 'active' | 'paused'; created_at: string; updated_at: string;
}

const toTwin = (r: TwinRow): Twin => ({
  id: r.id, name: r.name, persona: personaSchema.parse(JSON.parse(r.persona)), parentId: r.parent_id, generation: r.generation,
  lifecycle: r.lifecycle, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** The twin row of `identity.db`: who the twin is (name, persona), where it descends from, whether it is active. */
export function createTwinStore(db: SqliteDatabase, twinId: string, now: () => string = () => new Date().toISOString()) {
  const get = (): Twin => {
    const row = db.prepare('SELECT * FROM twin WHERE id = ?').get(twinId) as TwinRow | undefined;
    if (!row) throw new PagiError('NOT_FOUND', `twin ${twinId} does not exist in identity.db`);
    return toTwin(row);
  };
  return {
    get,
    /** Creates the twin on first start; returns false when it already exists. */
    ensure(defaults: { name: string; persona: Partial<Persona> }): boolean {
      if (db.prepare('SELECT 1 FROM twin WHERE id = ?').get(twinId)) return false;
      const persona = personaSchema.parse(defaults.persona);
      // one timestamp for both: a twin never updated since it was created has not been set up yet (onboarding)
      const at = now();
      db.prepare('INSERT INTO twin (id, name, persona, parent_id, generation, lifecycle, created_at, updated_at) VALUES (?, ?, ?, NULL, 0, ?, ?, ?)')
        .run(twinId, defaults.name, JSON.stringify(persona), 'active', at, at);
      return true;
    },
    /** The persona changes are merged into the current one and checked whole. */
    update(changes: { name?: string | undefined; persona?: Partial<Persona> | undefined }): Twin {
      const twin = get();
      const persona = personaSchema.parse({ ...twin.persona, ...changes.persona });
      db.prepare('UPDATE twin SET name = ?, persona = ?, updated_at = ? WHERE id = ?').run(changes.name ?? twin.name, JSON.stringify(persona), now(), twin.id);
      return get();
    },
    setLifecycle(lifecycle: Twin['lifecycle']): Twin {
      db.prepare('UPDATE twin SET lifecycle = ?, updated_at = ? WHERE id = ?').run(lifecycle, now(), twinId);
      return get();
    },
  };
}

export type TwinStore = ReturnType<typeof createTwinStore>;
