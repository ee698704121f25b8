import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { emotionContract } from '../emotion/common/contract.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createApiContext } from '../host/apiContext.js';
import { identityContract } from '../identity/common/contract.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { semanticMemoryContract } from '../memory-semantic/common/contract.js';

/** A twin with something in every tier: persona, episodes with edits and pins, facts with a supersede, mood history. */
export async function populateTwin(host: HeadlessHost, episodes = 40): Promise<void> {
  const c = host.supervisor;
  await c.client(identityContract).update({ name: 'Ada', persona: { description: 'A patient tutor who loves lighthouses.', traits: ['patient', 'funny'] } });
  const batch = Array.from({ length: episodes }, (_, i) => ({
    sessionId: `s${i % 3}`, actor: i % 2 ? 'Ada' : 'user', kind: 'message' as const,
    text: `turn ${i}: the lighthouse keeper painted door number ${i} blue`,
    time: new Date(Date.UTC(2026, 0, 1, 10, i)).toISOString(), mood: { pleasure: 0.1 * (i % 5), arousal: 0.2, dominance: 0 }, importance: 0.5, ref: null,
  }));
  const { ids } = await c.client(episodicMemoryContract).storeMany({ episodes: batch, by: 'import' });
  await c.client(episodicMemoryContract).edit({ id: ids[0] as string, text: 'turn 0: the keeper painted the door green', by: 'user' });
  await c.client(episodicMemoryContract).pin({ id: ids[1] as string, pinned: true, by: 'user' });
  const fact = await c.client(semanticMemoryContract).addFact({ text: 'Ada lives in a lighthouse.', sourceEpisodeIds: [ids[2] as string, ids[3] as string], by: 'user' });
  await c.client(semanticMemoryContract).supersede({ id: fact.id, text: 'Ada moved to a harbour house.', sourceEpisodeIds: [ids[4] as string], by: 'user' });
  await c.client(semanticMemoryContract).addFact({ text: 'Ada likes tea with honey.', by: 'user' });
  for (let i = 0; i < 5; i++) await c.client(emotionContract).apply({ appraisal: { pleasure: 0.8, arousal: 0.4, dominance: 0.1 }, cause: `turn ${i}`, turnId: ids[i] as string });
}

export const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `pagi-${name}-`));

export function access(host: HeadlessHost, dataDir: string) {
  return createApiContext(host.supervisor, dataDir);
}

/** Starts a host on a data folder with the given twin active. */
export function startOn(dataDir: string, twinId: string): Promise<HeadlessHost> {
  writeFileSync(join(dataDir, 'active-twin.json'), JSON.stringify({ twinId }));
  return startHeadlessHost({ dataDir });
}

export type Rows = Record<string, Array<Record<string, unknown>>>;

/** Every row of every table a bundle carries (not FTS internals), in rowid order. */
export function dumpTwin(twinDir: string): Record<string, Rows> {
  const out: Record<string, Rows> = {};
  for (const file of readdirSync(twinDir).filter((f) => f.endsWith('.db') && f !== 'models.db' && f !== 'events.db')) {
    const db = new Database(join(twinDir, file), { readonly: true });
    const tables = (db.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]);
    out[file] = {};
    for (const t of tables) out[file][t] = db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all() as Array<Record<string, unknown>>;
    db.close();
  }
  return out;
}

export function listTwinFolders(dataDir: string): string[] {
  const twins = join(dataDir, 'twins');
  return existsSync(twins) ? readdirSync(twins).sort() : [];
}
