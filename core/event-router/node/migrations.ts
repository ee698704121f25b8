import type { Migration } from '../../runtime/node/migrations.js';

export const eventLogMigrations: Migration[] = [
  {
    version: 1,
    name: 'event log and consumer offsets',
    up(db) {
      db.exec(`
        CREATE TABLE events (
          offset INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          topic TEXT NOT NULL,
          payload TEXT NOT NULL,
          source TEXT NOT NULL,
          time TEXT NOT NULL
        );
        CREATE INDEX events_topic ON events(topic, offset);
        CREATE TABLE consumers (
          consumer TEXT PRIMARY KEY,
          acked INTEGER NOT NULL,
          updated_at TEXT NOT NULL
        );
      `);
    },
  },
];
