import type { Migration } from '../../runtime/node/migrations.js';

export const learningMigrations: Migration[] = [
  {
    version: 1,
    name: 'decisions, feedback, adjustments',
    up(db) {
      db.exec(`
        CREATE TABLE decisions (turn_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, provenance TEXT NOT NULL, mood TEXT NOT NULL, at TEXT NOT NULL);
        CREATE TABLE feedback (event_id TEXT PRIMARY KEY, turn_id TEXT NOT NULL, rating TEXT NOT NULL, note TEXT, at TEXT NOT NULL);
        CREATE TABLE adjustments (
          op_id TEXT PRIMARY KEY,
          memory_id TEXT NOT NULL,
          tier TEXT NOT NULL,
          delta REAL NOT NULL,
          reason TEXT NOT NULL,
          applied_at TEXT
        );
      `);
    },
  },
];
