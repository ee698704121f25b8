import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PagiError } from '../contracts/errors.js';
import { executiveContract } from '../executive/common/contract.js';
import { inferenceContract } from '../inference/common/contract.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { startHeadlessHost } from '../host/headlessHost.js';
import { waitFor } from './helpers.js';
import { testModelPath } from './testModel.js';

const model = testModelPath();

describe.skipIf(!model)('conversation branches', () => {
  it('a turn can follow any earlier turn; turns on other branches stay out of its context', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-branches-'));
    const host = await startHeadlessHost({ dataDir, modelPath: model as string });
    try {
      await waitFor('the model', async () => (await host.supervisor.client(inferenceContract).status({})).state === 'ready');
      const executive = host.supervisor.client(executiveContract);
      const turn = (text: string, extra: { sessionId?: string; parentTurnId?: string | null } = {}) =>
        executive.turn({ text, maxTokens: 8, temperature: 0, ...extra }, { onChunk: () => undefined });
      const a = await turn('The cat is called Momo');
      const b = await turn('Momo sleeps on the red sofa', { sessionId: a.sessionId });
      // regenerate b: another reply to the same message, after a
      const b2 = await turn('Momo sleeps on the red sofa', { sessionId: a.sessionId, parentTurnId: a.turnId });
      // a branch from the very start
      const c = await turn('Tell me about a dog named Rex', { sessionId: a.sessionId, parentTurnId: null });
      const d = await turn('Rex likes the park', { sessionId: a.sessionId });

      const history = await executive.history({ sessionId: a.sessionId });
      expect(history.map((t) => [t.turnId, t.parentTurnId])).toEqual([[a.turnId, null], [b.turnId, a.turnId], [b2.turnId, a.turnId], [c.turnId, null], [d.turnId, c.turnId]]);
      // d continues c only: nothing from the Momo branch is in its context
      const momo = [a, b, b2].flatMap((t) => [t.userEpisodeId, t.replyEpisodeId]);
      expect(d.provenance.map((p) => p.id).filter((id) => momo.includes(id))).toEqual([]);
      expect(d.provenance.map((p) => p.id)).toContain(c.userEpisodeId);
      // b2 saw a (its parent) but not b (its sibling)
      expect(b2.provenance.map((p) => p.id)).toContain(a.userEpisodeId);
      expect(b2.provenance.map((p) => p.id)).not.toContain(b.userEpisodeId);

      const err = (await turn('x', { sessionId: a.sessionId, parentTurnId: 'nope' }).catch((e: unknown) => e)) as PagiError;
      expect(err.message).toMatch(/parentTurnId: no turn nope in session/);

      // a conversation can be renamed, and deleted together with what the twin remembered of it
      await executive.renameSession({ sessionId: a.sessionId, title: 'Momo and Rex' });
      expect((await executive.sessions({})).find((s) => s.sessionId === a.sessionId)?.title).toBe('Momo and Rex');
      const deleted = await executive.deleteSession({ sessionId: a.sessionId, forgetMemories: true });
      expect(deleted).toEqual({ deletedTurns: 5, forgottenEpisodes: 10 });
      expect(await executive.history({ sessionId: a.sessionId })).toEqual([]);
      const episodic = host.supervisor.client(episodicMemoryContract);
      expect((await episodic.get({ id: a.userEpisodeId as string }).catch((e: unknown) => e)) as PagiError).toMatchObject({ code: 'NOT_FOUND' });
      expect(((await executive.renameSession({ sessionId: a.sessionId, title: 'x' }).catch((e: unknown) => e)) as PagiError).message).toMatch(/no conversation/);
    } finally {
      await host.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
