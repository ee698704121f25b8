import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import type { TurnResult } from '../common/contract.js';
import { goalsMigrations } from './migrations.js';
import { createTurnStore, type TurnStore } from './turnStore.js';

const resultOf = (turnId: string, sessionId: string, over: Partial<TurnResult> = {}): TurnResult => ({
  turnId, sessionId, reply: `reply to ${turnId}`, stopReason: 'eos', usage: null, provenance: [],
  mood: { pleasure: 0, arousal: 0, dominance: 0, label: 'neutral' },
  userEpisodeId: `${turnId}-u`, replyEpisodeId: `${turnId}-r`, degraded: [], timings: {}, tools: [], ...over,
});
const thrown = (fn: () => unknown): PagiError => {
  try {
    fn();
  } catch (err) {
    return PagiError.from(err);
  }
  throw new Error('expected a failure');
};

describe('the turn store', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: TurnStore;
  let clock = 0;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-turns-'));
    db = openServiceDatabase(dir, 'goals.db', goalsMigrations);
    clock = 0;
    // a clock that always moves: turn order is start order
    store = createTurnStore(db, () => new Date(Date.UTC(2025, 0, 1) + ++clock * 1000).toISOString());
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Places, begins and completes a turn (its episodes are `<id>-u` and `<id>-r`). */
  const turn = (turnId: string, parentTurnId?: string | null, sessionId = 's1'): string[] => {
    const { parent, offPath } = store.place(sessionId, parentTurnId);
    store.begin({ turnId, sessionId, text: `message ${turnId}`, parent });
    store.complete(turnId, resultOf(turnId, sessionId));
    return offPath;
  };

  describe('placing a turn in the conversation tree', () => {
    it('the first turn starts the tree; without a parent a turn follows the latest; null starts from the top', () => {
      expect(store.place('s1', undefined)).toEqual({ parent: null, offPath: [] });
      turn('t1');
      expect(store.place('s1', undefined)).toEqual({ parent: 't1', offPath: [] });
      turn('t2');
      expect(store.place('s1', undefined).parent).toBe('t2');
      expect(store.place('s1', null)).toEqual({ parent: null, offPath: ['t1-u', 't1-r', 't2-u', 't2-r'] });
      expect(store.history('s1', 10).map((t) => [t.turnId, t.parentTurnId])).toEqual([['t1', null], ['t2', 't1']]);
    });

    it('a branch leaves out the episodes of every turn off its path', () => {
      turn('t1');
      turn('t2', 't1');
      turn('t3', 't1'); // another reply to t1's successor: a second branch
      turn('t4', 't3');
      expect(store.place('s1', 't4').offPath).toEqual(['t2-u', 't2-r']);
      expect(store.place('s1', 't2').offPath).toEqual(['t3-u', 't3-r', 't4-u', 't4-r']);
      expect(store.place('s1', 't1').offPath).toEqual(['t2-u', 't2-r', 't3-u', 't3-r', 't4-u', 't4-r']);
    });

    it('a parent from another session, or none at all, is refused with the field named', () => {
      turn('t1', undefined, 'other');
      expect(thrown(() => store.place('s1', 't1'))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^parentTurnId: no turn t1 in session s1/) });
      expect(thrown(() => store.place('s1', 'nope')).code).toBe('INVALID_INPUT');
    });

    it('a turn that failed before storing its episodes adds nothing to leave out', () => {
      turn('t1');
      store.begin({ turnId: 't2', sessionId: 's1', text: 'lost', parent: 't1' });
      store.fail('t2', new PagiError('UNAVAILABLE', 'the model crashed'));
      expect(store.place('s1', 't1').offPath).toEqual([]);
    });
  });

  describe('outcomes of a known turn id', () => {
    it('a completed turn has its whole result', () => {
      turn('t1');
      expect(store.outcome('t1')).toEqual({ turnId: 't1', sessionId: 's1', status: 'completed', result: resultOf('t1', 's1'), error: null });
    });

    it('a turn stopped by its caller is cancelled and keeps the reply so far', () => {
      store.begin({ turnId: 't1', sessionId: 's1', text: 'hi', parent: null });
      const partial = resultOf('t1', 's1', { reply: 'Once upon', stopReason: 'cancelled' });
      store.complete('t1', partial);
      expect(store.outcome('t1')).toEqual({ turnId: 't1', sessionId: 's1', status: 'cancelled', result: partial, error: null });
      expect(store.history('s1', 1)[0]).toMatchObject({ reply: 'Once upon', status: 'cancelled', error: null, result: partial });
    });

    it('history carries each finished turn\'s whole result, so a reopened reply shows what it showed when new', () => {
      turn('t1');
      store.begin({ turnId: 't2', sessionId: 's1', text: 'and then?', parent: 't1' });
      store.fail('t2', new PagiError('UNAVAILABLE', 'inference went away'));
      const [first, second] = store.history('s1', 10);
      expect(first?.result).toEqual(resultOf('t1', 's1'));
      expect(second).toMatchObject({ status: 'failed', result: null });
      // a row whose stored detail is damaged still lists, without a result
      db.prepare("UPDATE turns SET detail = '{not json' WHERE id = 't1'").run();
      expect(store.history('s1', 10)[0]).toMatchObject({ turnId: 't1', status: 'completed', result: null });
    });

    it('a failed turn has its error whole, code and data; one cancelled before a reply has its CANCELLED', () => {
      store.begin({ turnId: 't1', sessionId: 's1', text: 'hi', parent: null });
      store.fail('t1', new PagiError('DEADLINE_EXCEEDED', 'too slow', { deadlineMs: 5 }));
      expect(store.outcome('t1')).toEqual({ turnId: 't1', sessionId: 's1', status: 'failed', result: null, error: { code: 'DEADLINE_EXCEEDED', message: 'too slow', data: { deadlineMs: 5 } } });
      store.begin({ turnId: 't2', sessionId: 's1', text: 'hi', parent: 't1' });
      store.fail('t2', new PagiError('CANCELLED', 'the reply was cancelled while it waited for the model'));
      expect(store.outcome('t2')).toMatchObject({ status: 'cancelled', result: null, error: { code: 'CANCELLED' } });
    });

    it('rows from before outcomes were kept whole answer with what they have', () => {
      const legacy = db.prepare('INSERT INTO turns (id, session_id, user_text, reply, status, error, detail, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      legacy.run('done', 's1', 'a', 'the reply', 'completed', null, null, '2024-01-01T00:00:00Z');
      legacy.run('broke', 's1', 'b', null, 'failed', 'the model crashed', null, '2024-01-01T00:01:00Z');
      legacy.run('stopped', 's1', 'c', null, 'cancelled', 'stopped', null, '2024-01-01T00:02:00Z');
      legacy.run('garbled', 's1', 'd', null, 'failed', 'lost', '{not json', '2024-01-01T00:03:00Z');
      expect(store.outcome('done')).toEqual({ turnId: 'done', sessionId: 's1', status: 'completed', result: null, error: null });
      expect(store.outcome('broke')?.error).toEqual({ code: 'INTERNAL', message: 'the model crashed' });
      expect(store.outcome('stopped')?.error).toEqual({ code: 'CANCELLED', message: 'stopped' });
      expect(store.outcome('garbled')?.error).toEqual({ code: 'INTERNAL', message: 'lost' });
    });

    it('an unknown id has no outcome; a turn cut off by a restart fails as interrupted', () => {
      expect(store.outcome('nope')).toBeNull();
      store.begin({ turnId: 't1', sessionId: 's1', text: 'hi', parent: null });
      expect(store.outcome('t1')).toMatchObject({ status: 'running', result: null, error: null });
      expect(store.failInterrupted()).toBe(1);
      expect(store.outcome('t1')).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', message: 'interrupted: the executive restarted during this turn' } });
      expect(store.failInterrupted()).toBe(0);
    });
  });

  describe('sessions', () => {
    it('lists sessions newest first, titled by the first message until the user names them', () => {
      turn('a1', undefined, 'a');
      turn('b1', undefined, 'b');
      turn('a2', undefined, 'a');
      expect(store.sessions(10)).toMatchObject([{ sessionId: 'a', turns: 2, title: 'message a1' }, { sessionId: 'b', turns: 1, title: 'message b1' }]);
      store.rename('b', 'Trip plans');
      store.rename('b', 'Summer trip');
      expect(store.sessions(10).find((s) => s.sessionId === 'b')?.title).toBe('Summer trip');
      expect(thrown(() => store.rename('nope', 'x')).code).toBe('NOT_FOUND');
      expect(store.sessionOf('a2')).toBe('a');
      expect(store.sessionOf('nope')).toBeNull();
    });

    it('history is the latest turns, oldest first', () => {
      for (const id of ['t1', 't2', 't3']) turn(id);
      expect(store.history('s1', 2).map((t) => t.turnId)).toEqual(['t2', 't3']);
    });
  });

  describe('deleting a conversation', () => {
    it('names its episodes, deletes its turns and title, and leaves other conversations', () => {
      turn('t1');
      turn('t2');
      turn('o1', undefined, 'other');
      store.rename('s1', 'Mine');
      expect(store.deletable('s1')).toEqual({ episodeIds: ['t1-u', 't1-r', 't2-u', 't2-r'] });
      expect(store.deleteSession('s1')).toBe(2);
      expect(store.history('s1', 10)).toEqual([]);
      expect(store.outcome('t1')).toBeNull();
      expect(db.prepare('SELECT COUNT(*) FROM session_titles').pluck().get()).toBe(0);
      expect(store.sessions(10).map((s) => s.sessionId)).toEqual(['other']);
      expect(thrown(() => store.deletable('s1')).code).toBe('NOT_FOUND');
    });

    it('is refused while a reply is being written in it', () => {
      turn('t1');
      store.begin({ turnId: 't2', sessionId: 's1', text: 'hi', parent: 't1' });
      expect(thrown(() => store.deletable('s1'))).toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/still being written/) });
    });
  });
});
