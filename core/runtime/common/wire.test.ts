import { describe, expect, it } from 'vitest';
import { describeFrame, type Envelope } from './wire.js';

const NOW = 1_700_000_000_000;

describe('describeFrame: a frame as a person reads it', () => {
  it.each<[string, Envelope, string]>([
    ['a request with a deadline', { c: 'memory.episodic', m: { k: 'req', id: 12, m: 'search', a: { query: 'x' }, dl: NOW + 3_000 } }, 'request #12 memory.episodic.search (deadline in 3.0 s)'],
    ['a request past its deadline', { c: 'memory.episodic', m: { k: 'req', id: 12, m: 'search', a: null, dl: NOW - 300 } }, 'request #12 memory.episodic.search (deadline passed 0.3 s ago)'],
    ['a streaming request without a deadline', { c: 'executive', m: { k: 'req', id: 3, m: 'turn', a: {}, s: true } }, 'request #3 executive.turn (stream)'],
    ['an answer', { c: 'memory.episodic', m: { k: 'res', id: 12, ok: true, v: [] } }, 'answer #12 ok'],
    ['an error', { c: 'memory.episodic', m: { k: 'res', id: 12, ok: false, e: { code: 'NOT_FOUND', message: 'no such episode' } } }, 'error #12 NOT_FOUND'],
    ['a chunk', { c: 'executive', m: { k: 'chk', id: 12, v: 'tok' } }, 'chunk #12'],
    ['a cancel', { c: 'executive', m: { k: 'can', id: 12 } }, 'cancel #12'],
    ['a stop', { c: 'executive', m: { k: 'can', id: 12, stop: true } }, 'stop #12'],
    ['a malformed frame', { c: 'memory.episodic', m: { k: 'req', id: 'twelve' } }, 'malformed frame on memory.episodic (k "req")'],
    ['something that is no frame at all', { c: 'memory.episodic', m: 42 }, 'malformed frame on memory.episodic'],
  ])('%s', (_what, env, text) => {
    expect(describeFrame(env, { now: NOW })).toBe(text);
  });

  it('names the caller of a request it was given as delivered', () => {
    expect(describeFrame({ c: '$host', m: { k: 'req', id: 4, m: '$health', a: {}, dl: NOW + 5_000 } }, { from: true, now: NOW })).toBe('request #4 $health from $host (deadline in 5.0 s)');
  });

  it.each<[unknown, string]>([
    [{ k: 'init', serviceId: 'emotion', modulePath: 'x.js', config: {}, dataDir: '/d', twinId: 't', logLevel: 'info' }, 'control init'],
    [{ k: 'ready', pid: 7 }, 'control ready'],
    [{ k: 'fatal', error: { code: 'INTERNAL', message: 'boom' }, permanent: false }, 'control fatal'],
    [{ k: 'log', level: 'info', msg: 'hi', time: NOW }, 'control log'],
    [{ k: 'peerReset', peer: 'emotion', reason: 'exited with code 1' }, 'control peerReset'],
    [{ k: 'shutdown' }, 'control shutdown'],
    [{ k: 'ready', pid: 'seven' }, 'malformed control ready'],
    [{ k: 'ping', n: 1 }, 'unknown control frame "ping"'],
    [null, 'malformed control frame'],
  ])('control %j', (m, text) => {
    expect(describeFrame({ c: '$ctl', m })).toBe(text);
  });
});
