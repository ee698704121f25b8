import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../native/sqlite.js';
import { migrate } from '../../runtime/node/migrations.js';
import { createEventLog } from './eventLog.js';
import { eventLogMigrations } from './migrations.js';

function log() {
  const db = openDatabase(':memory:', { synchronous: 'FULL' });
  migrate(db, eventLogMigrations, 'events.db');
  return { db, log: createEventLog(db) };
}

describe('event log', () => {
  it('appends idempotently by id and reads after an offset, optionally by topic', () => {
    const { log: l } = log();
    const r = l.commit([{ id: 'a', topic: 't.one', payload: { n: 1 }, source: 's' }, { id: 'b', topic: 't.two', payload: { n: 2 }, source: 's' }, { id: 'a', topic: 't.one', payload: { n: 1 }, source: 's' }], []);
    expect(r.map((x) => [x.offset, x.duplicate])).toEqual([[1, false], [2, false], [1, true]]);
    expect(l.readAfter(0, ['t.two'], 10).map((e) => e.id)).toEqual(['b']);
    expect(l.readAfter(1, null, 10).map((e) => e.id)).toEqual(['b']);
  });

  it('keeps consumer acks monotonic', () => {
    const { log: l } = log();
    l.commit([], [['c', 5]]);
    l.commit([], [['c', 3]]);
    expect(l.consumers()).toEqual([{ consumer: 'c', acked: 5 }]);
  });

  it('retention drops the oldest beyond the count and by age, never reusing offsets', () => {
    const { db, log: l } = log();
    l.commit(Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, topic: 't', payload: i, source: 's' })), []);
    expect(l.prune(4, 1e12)).toBe(6);
    expect([l.firstOffset(), l.headOffset(), l.count()]).toEqual([7, 10, 4]);
    db.prepare("UPDATE events SET time = '2000-01-01T00:00:00.000Z' WHERE offset < 10").run();
    expect(l.prune(1_000, 86_400_000)).toBe(3);
    expect(l.commit([{ id: 'new', topic: 't', payload: 0, source: 's' }], [])[0]?.offset).toBe(11);
  });
});
