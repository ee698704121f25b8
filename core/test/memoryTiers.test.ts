import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagiError } from '../contracts/errors.js';
import { eventRouterContract } from '../event-router/common/contract.js';
import { serviceSpecs } from '../host/installation.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import type { MemoryTierClient, MemoryTierName } from '../memory-kit/common/tierContract.js';
import { semanticMemoryContract } from '../memory-semantic/common/contract.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { waitFor } from './helpers.js';
import { loadServiceFromSource, TEST_TWIN_ID } from './serviceModules.js';

const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (err: unknown) => PagiError.from(err).code);

let sup: Supervisor;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pagi-tiers-'));
  // no model: both tiers rank without vectors and say so
  const specs = serviceSpecs({ 'memory.semantic': { extraction: { auto: false, idleMs: 0, timeoutMs: 1_000, similarityFloor: 0.35 } } })
    .filter((s) => ['event-router', 'inference', 'memory.episodic', 'memory.semantic'].includes(s.id));
  sup = new Supervisor({ launcher: createInProcessLauncher(loadServiceFromSource), specs, dataDir, twinId: TEST_TWIN_ID, logSink: () => undefined });
  await sup.start();
});
afterAll(async () => {
  await sup?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Each tier: its client seen through the shared procedures, and how a memory is added to it. */
const TIERS: Array<[MemoryTierName, string, () => MemoryTierClient, (text: string) => Promise<string>]> = [
  ['episodic', 'episode', () => sup.client(episodicMemoryContract), async (text) => (await sup.client(episodicMemoryContract).store({ sessionId: 'tiers', actor: 'user', text })).id],
  ['semantic', 'fact', () => sup.client(semanticMemoryContract), async (text) => (await sup.client(semanticMemoryContract).addFact({ text })).id],
];

/** The procedures of `memoryTierProcedures` answer alike whichever tier serves them. */
describe.each(TIERS)('shared memory procedures: %s', (tier, noun, client, add) => {
  it('get, pin, history, change, changes and undo', async () => {
    const c = client();
    const id = await add('Ada keeps bees behind the greenhouse');
    expect(await c.get({ id })).toMatchObject({ id, text: 'Ada keeps bees behind the greenhouse', pinned: false });
    const pinned = await c.pin({ id });
    expect(pinned).toMatchObject({ memory: { id, pinned: true }, change: { tier, op: 'pin', actor: 'user', targetId: id } });
    expect((await c.pin({ id, pinned: true })).change, 'nothing differs: no change').toBeNull();
    const pin = pinned.change as { id: string };
    expect((await c.history({ id })).map((h) => h.op)).toEqual(['add', 'pin']);
    expect(await c.change({ id: pin.id })).toMatchObject({ id: pin.id, op: 'pin' });
    expect((await c.changes({ limit: 1 })).map((h) => h.id)).toEqual([pin.id]);
    expect(await c.undo({ changeId: pin.id })).toMatchObject({ op: 'undo', undoes: pin.id });
    expect(await c.get({ id })).toMatchObject({ pinned: false });
    expect(await codeOf(c.undo({ changeId: pin.id }))).toBe('CONFLICT');
  });

  it('search with query, limit and touch', async () => {
    const c = client();
    const id = await add('The lighthouse keeper paints the door green');
    await add('Nothing about it at all');
    const found = await c.search({ query: 'lighthouse door', limit: 1, touch: true });
    expect(found).toMatchObject({ mode: 'lexical', tookMs: expect.any(Number) });
    expect(found.hits).toHaveLength(1);
    expect(JSON.stringify(found.hits[0])).toContain(id);
    expect(found.notes.join('\n')).toMatch(new RegExp(`no ${noun} has an embedding yet`));
    expect(await c.get({ id })).toMatchObject({ accessCount: 1 });
    expect(await c.search({ query: '   ', limit: 5 })).toMatchObject({ hits: [], notes: ['empty query'] });
  });

  it('delete (undoable), forget (not), and what an unknown id gets', async () => {
    const c = client();
    const id = await add('A secret the twin should not keep');
    const del = await c.delete({ id });
    expect(del).toMatchObject({ tier, op: 'delete', targetId: id });
    expect(await codeOf(c.get({ id }))).toBe('NOT_FOUND');
    await c.undo({ changeId: del.id });
    expect(await c.get({ id })).toMatchObject({ id });
    const forgot = await c.forget({ id });
    expect(forgot).toMatchObject({ op: 'forget', scrubbed: true });
    expect(await codeOf(c.get({ id }))).toBe('NOT_FOUND');
    expect(await codeOf(c.undo({ changeId: forgot.id }))).toBe('FAILED_PRECONDITION');
    expect((await c.history({ id })).every((h) => h.before === null && h.after === null)).toBe(true);
    for (const call of [c.get({ id: 'missing' }), c.change({ id: 'missing' }), c.undo({ changeId: 'missing' }), c.delete({ id: 'missing' }), c.forget({ id: 'missing' })]) {
      expect(await codeOf(call)).toBe('NOT_FOUND');
    }
  });

  it('embedding status and memory.changed events', async () => {
    const c = client();
    const status = await waitFor('the embedder to report', async () => {
      const s = await c.embeddingStatus({});
      return s.state === 'waiting-for-model' ? s : null;
    });
    expect(status).toMatchObject({ model: null, embedded: 0, total: expect.any(Number) });
    expect(status.total).toBeGreaterThanOrEqual(3);
    const id = await add('Bo plays chess on Sundays');
    const pin = (await c.pin({ id })).change as { id: string };
    const events = await waitFor('memory.changed', async () => {
      const r = await sup.client(eventRouterContract).read({ topics: ['memory.changed'], limit: 1_000 });
      return r.events.find((e) => (e.payload as { changeId: string }).changeId === pin.id) ?? null;
    });
    expect(events.payload).toEqual({ tier, changeId: pin.id, op: 'pin', targetId: id, actor: 'user' });
  });
});
