import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import type { TurnResult } from '../common/contract.js';
import { goalsMigrations } from './migrations.js';
import type { TurnInput } from './turnLoop.js';
import { createTurnRunner, type PlacedTurn, type TurnRequest } from './turnRunner.js';
import { createTurnStore, type TurnStore } from './turnStore.js';
import { createConversationStore, type ConversationStore } from './conversationStore.js';
import { promptRecord } from '../common/promptRecord.js';

const request = (turnId: string, over: Partial<TurnRequest> = {}): TurnRequest => ({ turnId, sessionId: 's1', text: 'hello', maxTokens: 16, temperature: 0, contextBudgetTokens: 256, ...over });
const resultFor = (input: Pick<TurnInput, "turnId" | "sessionId">, reply: string, stopReason = 'eos'): TurnResult => ({
  turnId: input.turnId, sessionId: input.sessionId, reply, stopReason, usage: null, provenance: [],
  mood: { pleasure: 0, arousal: 0, dominance: 0, label: 'neutral' }, userEpisodeId: null, replyEpisodeId: null, degraded: [], timings: {}, tools: [],
});

describe('turns are idempotent by id', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: TurnStore;
  let runs: PlacedTurn[];
  let completed: TurnResult[];
  let behaviour: (input: PlacedTurn, signal: AbortSignal, remembered: (id: string) => void) => Promise<TurnResult>;
  let continued: Array<{ text: string; prompt: unknown }>;
  let more: (signal: AbortSignal) => Promise<{ text: string; stopReason: string }>;
  let conversations: ConversationStore;
  let remembered: string[];
  let memoryDown: boolean;
  const never = new AbortController().signal;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-runner-'));
    db = openServiceDatabase(dir, 'goals.db', goalsMigrations);
    let tick = 0;
    // a clock that always moves: turn order is start order
    store = createTurnStore(db, () => new Date(Date.UTC(2025, 0, 1) + ++tick * 1000).toISOString());
    runs = [];
    completed = [];
    continued = [];
    more = async () => ({ text: ' and on', stopReason: 'eos' });
    conversations = createConversationStore(db);
    remembered = [];
    memoryDown = false;
    behaviour = async (input) => resultFor(input, `reply ${runs.length}`);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const runner = () => createTurnRunner({
    store,
    run: (input, _emit, signal, hooks) => {
      runs.push(input);
      hooks.prompted?.(promptRecord('You are Ada.', [], [{ role: 'user', content: input.text }]));
      // the greeting is remembered as the turn goes on: a turn that fails at once has not
      return behaviour(input, signal, (id) => hooks.remembered?.(id)).then((r) => {
        if (input.opening) hooks.opened?.(`${input.turnId}-opening`);
        return r;
      });
    },
    continueReply: async (_request, job, _emit, signal) => {
      const out = await more(signal);
      continued.push({ text: out.text, prompt: job.prompt });
      return { ...job.result, reply: job.result.reply + out.text, stopReason: out.stopReason };
    },
    rememberContinued: async (r) => {
      if (memoryDown) throw new PagiError('UNAVAILABLE', 'memory.episodic is restarting');
      remembered.push(r.reply);
      return r;
    },
    openingFor: (sessionId, offered, empty) => conversations.openingFor(sessionId, offered, empty),
    recordOpeningEpisode: (sessionId, id) => conversations.recordOpeningEpisode(sessionId, id),
    completed: (r) => completed.push(r),
  });

  it('a finished turn id returns its stored result and never runs again, not even after a restart', async () => {
    const first = await runner().turn(request('t1'), () => undefined, never);
    expect(first.reply).toBe('reply 1');
    expect(completed).toEqual([first]);
    expect(await runner().turn(request('t1', { text: 'something else' }), () => undefined, never)).toEqual(first);
    expect(runs).toHaveLength(1);
  });

  it('a running turn id shares the first call\'s promise', async () => {
    let release: (() => void) | null = null;
    behaviour = (input) => new Promise((resolve) => {
      release = () => resolve(resultFor(input, 'slow'));
    });
    const r = runner();
    const a = r.turn(request('t1'), () => undefined, never);
    const b = r.turn(request('t1'), () => undefined, never);
    expect(b).toBe(a);
    expect(store.outcome('t1')?.status).toBe('running');
    (release as (() => void) | null)?.();
    expect((await b).reply).toBe('slow');
    expect(runs).toHaveLength(1);
  });

  it('a failed turn id throws its first error again, code and all', async () => {
    behaviour = () => Promise.reject(new PagiError('UNAVAILABLE', 'the model crashed on this input', { modelCrashed: true }));
    const r = runner();
    await expect(r.turn(request('t1'), () => undefined, never)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(r.turn(request('t1'), () => undefined, never)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the model crashed on this input', data: { modelCrashed: true } });
    expect(runs).toHaveLength(1);
    expect(completed).toEqual([]);
  });

  it('cancel stops a running turn gracefully: its caller gets the reply so far, stored as cancelled', async () => {
    behaviour = (input, signal) => new Promise((resolve) => {
      signal.addEventListener('abort', () => resolve(resultFor(input, 'Once upon', 'cancelled')), { once: true });
    });
    const r = runner();
    const done = r.turn(request('t1'), () => undefined, never);
    expect(r.cancel('t1')).toBe(true);
    expect(await done).toMatchObject({ reply: 'Once upon', stopReason: 'cancelled' });
    expect(store.outcome('t1')).toMatchObject({ status: 'cancelled', result: { reply: 'Once upon' } });
    expect(r.cancel('t1')).toBe(false);
  });

  it('a new turn follows the session\'s latest and is told the episodes of other branches', async () => {
    behaviour = async (input) => ({ ...resultFor(input, 'x'), userEpisodeId: `${input.turnId}-u`, replyEpisodeId: `${input.turnId}-r` });
    const r = runner();
    await r.turn(request('t1'), () => undefined, never);
    await r.turn(request('t2'), () => undefined, never);
    await r.turn(request('t3', { parentTurnId: 't1' }), () => undefined, never);
    expect(runs.map((i) => i.excludeEpisodes)).toEqual([[], [], ['t2-u', 't2-r']]);
    expect(store.history('s1', 10).map((t) => t.parentTurnId)).toEqual([null, 't1', 't1']);
    const made = await r.turn(request('t4', { sessionId: undefined, turnId: undefined }), () => undefined, never);
    expect(made.sessionId).not.toBe('s1');
  });

  it('a turn that failed after remembering the message keeps it out of the other branches too', async () => {
    behaviour = async (input, _signal, remembered) => {
      remembered(`${input.turnId}-u`);
      if (input.turnId === 't2') throw new PagiError('UNAVAILABLE', 'inference has failed');
      return { ...resultFor(input, 'x'), userEpisodeId: `${input.turnId}-u`, replyEpisodeId: `${input.turnId}-r` };
    };
    const r = runner();
    await r.turn(request('t1'), () => undefined, never);
    await expect(r.turn(request('t2'), () => undefined, never)).rejects.toThrow('inference has failed');
    // the first message edited: a branch from the top, which must not recall t1 nor the failed t2
    await r.turn(request('t3', { parentTurnId: null }), () => undefined, never);
    expect(runs.at(-1)?.excludeEpisodes).toEqual(['t1-u', 't1-r', 't2-u']);
  });

  it('a stopped or length-cut reply goes on from its stored prompt, once per continuation id', async () => {
    behaviour = async (input) => resultFor(input, 'Once upon', 'max-tokens');
    const r = runner();
    await r.turn(request('t1'), () => undefined, never);
    const grown = await r.continueTurn({ turnId: 't1', continuationId: 'c1' }, () => undefined, never);
    expect(grown).toMatchObject({ turnId: 't1', reply: 'Once upon and on', stopReason: 'eos' });
    expect(continued).toEqual([{ text: ' and on', prompt: [{ role: 'system', content: 'You are Ada.' }, { role: 'user', content: 'hello' }] }]);
    // the same id again, even from a new runner (a restart): the reply as it stands, nothing written twice
    expect(await runner().continueTurn({ turnId: 't1', continuationId: 'c1' }, () => undefined, never)).toEqual(grown);
    expect(continued).toHaveLength(1);
    expect(remembered).toEqual(['Once upon and on']);
    expect(store.history('s1', 10)[0]).toMatchObject({ reply: 'Once upon and on', status: 'completed', result: { reply: 'Once upon and on' } });
  });

  it('refuses to continue what cannot go on, saying why, and changes nothing', async () => {
    const r = runner();
    await r.turn(request('t1'), () => undefined, never); // ended on its own (eos)
    await expect(r.continueTurn({ turnId: 't1', continuationId: 'c1' }, () => undefined, never)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('ended on its own') });
    await expect(r.continueTurn({ turnId: 'nope', continuationId: 'c2' }, () => undefined, never)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    behaviour = async (input) => resultFor(input, 'cut', 'cancelled');
    await r.turn(request('t2'), () => undefined, never);
    await r.turn(request('t3'), () => undefined, never);
    await expect(r.continueTurn({ turnId: 't2', continuationId: 'c3' }, () => undefined, never)).rejects.toMatchObject({ message: expect.stringContaining('only the last reply') });
    behaviour = () => Promise.reject(new PagiError('UNAVAILABLE', 'inference has failed'));
    await expect(r.turn(request('t4'), () => undefined, never)).rejects.toThrow();
    await expect(r.continueTurn({ turnId: 't4', continuationId: 'c4' }, () => undefined, never)).rejects.toMatchObject({ message: expect.stringContaining('retry it') });
    expect(continued).toEqual([]);
    expect(store.history('s1', 10).find((t) => t.turnId === 't3')?.reply).toBe('cut');
  });

  it('a continuation can be stopped; two at once on one reply are refused; a failed one keeps the reply as it was', async () => {
    behaviour = async (input) => resultFor(input, 'Once', 'cancelled');
    const r = runner();
    await r.turn(request('t1'), () => undefined, never);
    more = (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ text: ' upon', stopReason: 'cancelled' }), { once: true }));
    const going = r.continueTurn({ turnId: 't1', continuationId: 'c1' }, () => undefined, never);
    await expect(r.continueTurn({ turnId: 't1', continuationId: 'c2' }, () => undefined, never)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(r.cancel('c1')).toBe(true);
    expect(await going).toMatchObject({ reply: 'Once upon', stopReason: 'cancelled' });
    more = () => Promise.reject(new PagiError('UNAVAILABLE', 'the model crashed on this input'));
    await expect(r.continueTurn({ turnId: 't1', continuationId: 'c3' }, () => undefined, never)).rejects.toThrow('crashed');
    await expect(runner().continueTurn({ turnId: 't1', continuationId: 'c3' }, () => undefined, never)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the model crashed on this input' });
    expect(store.history('s1', 10)[0]?.reply).toBe('Once upon');
  });

  it('a greeting opens a new conversation once: kept for it, passed to the turn, ignored later', async () => {
    const r = runner();
    await r.turn(request('t1', { opening: 'Hello, traveller.' }), () => undefined, never);
    await r.turn(request('t2', { opening: 'Another greeting' }), () => undefined, never);
    expect(runs.map((i) => i.opening)).toEqual(['Hello, traveller.', undefined]);
    expect(conversations.settings('s1').opening).toBe('Hello, traveller.');
    // a branch from the top of a conversation that has turns does not open it again
    await r.turn(request('t3', { parentTurnId: null, opening: 'Hi again' }), () => undefined, never);
    expect(runs.at(-1)?.opening).toBeUndefined();
  });

  it('a continued reply is stored before memory catches up: memory failing after leaves the grown reply standing', async () => {
    behaviour = async (input) => resultFor(input, 'Once upon', 'max-tokens');
    const r = runner();
    await r.turn(request('t1'), () => undefined, never);
    memoryDown = true;
    expect(await r.continueTurn({ turnId: 't1', continuationId: 'c1' }, () => undefined, never)).toMatchObject({ reply: 'Once upon and on' });
    expect(store.history('s1', 10)[0]?.reply).toBe('Once upon and on');
    expect(store.continuation('c1')?.status).toBe('completed');
  });

  it('a greeting whose first turn failed before remembering it is remembered by the next turn', async () => {
    behaviour = () => Promise.reject(new PagiError('UNAVAILABLE', 'inference has failed'));
    const r = runner();
    await expect(r.turn(request('t1', { opening: 'Hello, traveller.' }), () => undefined, never)).rejects.toThrow();
    behaviour = async (input) => resultFor(input, 'x');
    await r.turn(request('t2'), () => undefined, never);
    expect(runs.map((i) => i.opening)).toEqual(['Hello, traveller.', 'Hello, traveller.']);
    await r.turn(request('t3'), () => undefined, never);
    expect(runs.at(-1)?.opening).toBeUndefined();
  });
});
