import type { SqliteDatabase } from '../../../native/sqlite.js';
import type { BusEvent } from '../../contracts/events.js';

export interface AppendItem {
  id: string;
  topic: string;
  payload: unknown;
  source: string;
}

export interface AppendResult {
  id: string;
  offset: number;
  duplicate: boolean;
}

interface Row {
  offset: number;
  id: string;
  topic: string;
  payload: string;
  source: string;
  time: string;
}

/** The durable, append-only log. Appends are idempotent by event id. */
export function createEventLog(db: SqliteDatabase) {
  const insert = db.prepare('INSERT OR IGNORE INTO events (id, topic, payload, source, time) VALUES (?, ?, ?, ?, ?)');
  const offsetOf = db.prepare('SELECT offset FROM events WHERE id = ?').pluck();
  const readAll = db.prepare('SELECT offset, id, topic, payload, source, time FROM events WHERE offset > ? ORDER BY offset LIMIT ?');
  const readTopics = db.prepare(
    'SELECT offset, id, topic, payload, source, time FROM events WHERE offset > ? AND topic IN (SELECT value FROM json_each(?)) ORDER BY offset LIMIT ?',
  );
  const head = db.prepare('SELECT COALESCE(MAX(offset), 0) FROM events').pluck();
  const first = db.prepare('SELECT COALESCE(MIN(offset), 0) FROM events').pluck();
  const count = db.prepare('SELECT COUNT(*) FROM events').pluck();
  const upsertAck = db.prepare(
    'INSERT INTO consumers (consumer, acked, updated_at) VALUES (?, ?, ?) ON CONFLICT(consumer) DO UPDATE SET acked = MAX(acked, excluded.acked), updated_at = excluded.updated_at',
  );
  const consumers = db.prepare('SELECT consumer, acked FROM consumers ORDER BY consumer');
  const pruneBelow = db.prepare('DELETE FROM events WHERE offset < ?');
  const pruneOlder = db.prepare('DELETE FROM events WHERE time < ? AND offset < ?');

  const toEvent = (r: Row): BusEvent => ({ ...r, payload: JSON.parse(r.payload) as unknown });

  /** One transaction for a whole group of publishes and acks: one fsync for all of them. */
  const commit = db.transaction((items: AppendItem[], acks: Array<[string, number]>): AppendResult[] => {
    const time = new Date().toISOString();
    const results = items.map((item) => {
      const r = insert.run(item.id, item.topic, JSON.stringify(item.payload), item.source, time);
      if (r.changes === 1) return { id: item.id, offset: Number(r.lastInsertRowid), duplicate: false };
      return { id: item.id, offset: offsetOf.get(item.id) as number, duplicate: true };
    });
    for (const [consumer, offset] of acks) upsertAck.run(consumer, offset, time);
    return results;
  });

  return {
    commit,
    readAfter(cursor: number, topics: string[] | null, limit: number): BusEvent[] {
      const rows = (topics ? readTopics.all(cursor, JSON.stringify(topics), limit) : readAll.all(cursor, limit)) as Row[];
      return rows.map(toEvent);
    },
    headOffset: () => head.get() as number,
    firstOffset: () => first.get() as number,
    count: () => count.get() as number,
    consumers: () => consumers.all() as Array<{ consumer: string; acked: number }>,
    /** Keeps at most `maxEvents` and drops events older than `maxAgeMs` (the newest event always stays). */
    prune(maxEvents: number, maxAgeMs: number): number {
      const h = head.get() as number;
      let removed = pruneBelow.run(h - maxEvents + 1).changes;
      removed += pruneOlder.run(new Date(Date.now() - maxAgeMs).toISOString(), h).changes;
      return removed;
    },
  };
}

export type EventLog = ReturnType<typeof createEventLog>;
