import { describe, expect, it } from 'vitest';
import { startOrder } from '../node/startOrder.js';
import { Switchboard } from './switchboard.js';
import type { Envelope } from './wire.js';

describe('Switchboard', () => {
  it('holds frames for a restarting service and delivers them, in order, once it is attached', () => {
    const sb = new Switchboard();
    const host: Envelope[] = [];
    sb.attach('$host', (e) => host.push(e));
    sb.hold('svc');
    sb.route('$host', { c: 'svc', m: { k: 'req', id: 1, m: 'a', a: 1 } });
    sb.route('$host', { c: 'svc', m: { k: 'req', id: 2, m: 'b', a: 2 } });
    const got: Envelope[] = [];
    sb.attach('svc', (e) => got.push(e));
    expect(got.map((e) => (e.m as { id: number }).id)).toEqual([1, 2]);
    expect(got[0]?.c).toBe('$host');
  });

  it('answers requests to a failed service with UNAVAILABLE and the reason, and drops other frames', () => {
    const sb = new Switchboard();
    const host: Envelope[] = [];
    sb.attach('$host', (e) => host.push(e));
    sb.down('svc', 'svc has failed: crashed 4 times');
    sb.route('$host', { c: 'svc', m: { k: 'req', id: 7, m: 'x', a: null } });
    sb.route('$host', { c: 'svc', m: { k: 'can', id: 7 } });
    expect(host).toHaveLength(1);
    expect(host[0]).toMatchObject({ c: 'svc', m: { k: 'res', id: 7, ok: false, e: { code: 'UNAVAILABLE', message: 'svc has failed: crashed 4 times' } } });
  });

  it('tells every other endpoint when a process went away', () => {
    const sb = new Switchboard();
    const a: Envelope[] = [];
    sb.attach('a', (e) => a.push(e));
    sb.attach('b', () => undefined);
    sb.announceReset('b', 'exited with signal SIGKILL');
    expect(a).toEqual([{ c: '$ctl', m: { k: 'peerReset', peer: 'b', reason: 'exited with signal SIGKILL' } }]);
  });

  it('refuses requests for services that do not exist', () => {
    const sb = new Switchboard();
    const host: Envelope[] = [];
    sb.attach('$host', (e) => host.push(e));
    sb.route('$host', { c: 'nope', m: { k: 'req', id: 1, m: 'x', a: null } });
    expect(host[0]).toMatchObject({ m: { ok: false, e: { code: 'UNAVAILABLE', message: 'there is no service "nope"' } } });
  });
});

describe('startOrder', () => {
  it('groups services into levels that only depend on earlier levels', () => {
    expect(startOrder([{ id: 'c', dependsOn: ['a', 'b'] }, { id: 'a', dependsOn: [] }, { id: 'b', dependsOn: ['a'] }])).toEqual([['a'], ['b'], ['c']]);
  });
  it('refuses a dependency cycle, naming the services in it', () => {
    expect(() => startOrder([{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }])).toThrow(/cycle among: a, b/);
  });
});
