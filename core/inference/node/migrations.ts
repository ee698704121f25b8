import type { Migration } from '../../runtime/node/migrations.js';

export const inferenceMigrations: Migration[] = [
  {
    version: 1,
    name: 'model registry',
    up(db) {
      db.exec(`
        CREATE TABLE models (
          path TEXT PRIMARY KEY,
          name TEXT,
          architecture TEXT,
          file_bytes INTEGER NOT NULL,
          added_at TEXT NOT NULL,
          last_used_at TEXT
        );
      `);
    },
  },
];
