import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import type { Provenance } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import type { BusEvent } from '../../contracts/events.js';
import { createInbox } from '../../runtime/node/inbox.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { createLearner, type Learner } from './learner.js';
import { createLearningStore, type LearningStore } from './learningStore.js';
import { learningMigrations } from './migrations.js';

const used = (tier: Provenance['tier'], id: string): Provenance => ({ tier, id, score: 0.5, scores: null, tokens: 10 });
let offset = 0;
const event = (topic: string, payload: unknown, id = `e${++offset}`): BusEvent => ({ offset: ++offset, id, topic, payload, source: 'test', time: `2025-01-01T00:00:${String(offset).padStart(2, '0')}Z` });
const completed = (turnId: string, provenance: Provenance[], id?: string): BusEvent =>
  event('turn.completed', { turnId, sessionId: 's1', userEpisodeId: null, replyEpisodeId: null, provenance, usage: null, mood: { pleasure: 0.1, arousal: 0, dominance: 0 } }, id);

describe('learning from turns and feedback', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: LearningStore;
  let learner: Learner;
  let sent: Array<{ id: string; delta: number; opId: string }>;
  let episodic: (input: { id: string; delta: number; opId: string }) => Promise<unknown>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-learning-'));
    db = openServiceDatabase(dir, 'learning.db', learningMigrations);
    const inbox = createInbox(db);
    store = createLearningStore(db);
    sent = [];
    episodic = async (input) => void sent.push(input);
    learner = createLearner({ store, inbox, adjustImportance: (input) => episodic(input), useReward: 0.02, feedbackReward: 0.1, log: { info: () => undefined } });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a completed turn raises the episodes it used, once, however often the event arrives', async () => {
    const e = completed('t1', [used('episodic', 'm1'), used('semantic', 'f1'), used('episodic', 'm2')]);
    await learner.handle(e);
    await learner.handle(e);
    expect(sent).toEqual([{ id: 'm1', delta: 0.02, opId: `${e.id}:m1` }, { id: 'm2', delta: 0.02, opId: `${e.id}:m2` }]);
    expect(store.stats()).toMatchObject({ turnsSeen: 1, adjustments: 2, lastEventAt: expect.any(String) });
  });

  it('feedback moves the episodes of the reply up or down; on a turn never seen it only records the feedback', async () => {
    await learner.handle(completed('t1', [used('episodic', 'm1')]));
    sent.length = 0;
    const up = event('feedback.given', { turnId: 't1', rating: 'up' });
    const wrong = event('feedback.given', { turnId: 't1', rating: 'wrong', note: 'not what I said' });
    await learner.handle(up);
    await learner.handle(wrong);
    await learner.handle(event('feedback.given', { turnId: 'unknown', rating: 'down' }));
    expect(sent).toEqual([{ id: 'm1', delta: 0.1, opId: `${up.id}:m1` }, { id: 'm1', delta: -0.1, opId: `${wrong.id}:m1` }]);
    expect(store.stats().feedback).toEqual({ up: 1, wrong: 1, down: 1 });
  });

  it('an adjustment episodic memory cannot take now stays planned and goes with the next event; a forgotten memory is dropped', async () => {
    episodic = async () => {
      throw new PagiError('UNAVAILABLE', 'episodic memory is restarting');
    };
    await expect(learner.handle(completed('t1', [used('episodic', 'm1')]))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(store.pending().map((a) => a.memoryId)).toEqual(['m1']);
    episodic = async (input) => {
      if (input.id === 'gone') throw new PagiError('NOT_FOUND', 'no episode gone');
      sent.push(input);
    };
    await learner.handle(completed('t2', [used('episodic', 'gone')]));
    expect(sent.map((a) => a.id)).toEqual(['m1']);
    expect(store.pending()).toEqual([]);
    expect(store.stats().adjustments).toBe(2);
  });

  it('events of other topics change nothing', async () => {
    await learner.handle(event('twin.updated', { twinId: 'x', name: 'y' }));
    expect(store.stats()).toEqual({ turnsSeen: 0, feedback: {}, adjustments: 0, lastEventAt: null });
  });

  it('the store keeps a turn\'s first decision and reads back the memories it used', () => {
    store.recordDecision({ turnId: 't1', sessionId: 's1', provenance: [used('episodic', 'm1')], mood: { pleasure: 0, arousal: 0, dominance: 0 }, at: '2025-01-01T00:00:00Z' });
    store.recordDecision({ turnId: 't1', sessionId: 's1', provenance: [used('episodic', 'm2')], mood: { pleasure: 0, arousal: 0, dominance: 0 }, at: '2025-01-01T00:00:01Z' });
    expect(store.usedBy('t1').map((m) => m.id)).toEqual(['m1']);
    expect(store.usedBy('nope')).toEqual([]);
    store.plan({ opId: 'op1', memoryId: 'm1', tier: 'episodic', delta: 0.5, reason: 'test' });
    store.plan({ opId: 'op1', memoryId: 'm1', tier: 'episodic', delta: 0.9, reason: 'again' });
    expect(store.pending()).toEqual([{ opId: 'op1', memoryId: 'm1', delta: 0.5 }]);
    store.markApplied('op1');
    expect(store.pending()).toEqual([]);
  });
});
