import type { SqliteDatabase } from '../../../native/sqlite.js';

/**
 * Exactly-once effects on top of at-least-once delivery: the event id is recorded in the same
 * transaction as the consumer's own writes, so a redelivered event changes nothing.
 */
export function createInbox(db: SqliteDatabase) {
  db.exec('CREATE TABLE IF NOT EXISTS processed_events (event_id TEXT PRIMARY KEY, offset INTEGER NOT NULL, at TEXT NOT NULL)');
  const mark = db.prepare('INSERT OR IGNORE INTO processed_events (event_id, offset, at) VALUES (?, ?, ?)');
  const prune = db.prepare('DELETE FROM processed_events WHERE offset < ?');
  return {
    /** Runs `effect` inside a transaction unless this event was already handled; returns whether it ran. */
    once(event: { id: string; offset: number }, effect: () => void): boolean {
      return db.transaction(() => {
        if (mark.run(event.id, event.offset, new Date().toISOString()).changes === 0) return false;
        effect();
        return true;
      })();
    },
    /** Forget ids of events older than this offset (they will never be redelivered). */
    pruneBelow(offset: number): void {
      prune.run(offset);
    },
  };
}
