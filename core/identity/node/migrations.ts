import type { Migration } from '../../runtime/node/migrations.js';

export const identityMigrations: Migration[] = [
  {
    version: 1,
    name: 'twin, config, api keys, hardware',
    up(db) {
      db.exec(`
        CREATE TABLE twin (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          persona TEXT NOT NULL,
          parent_id TEXT,
          generation INTEGER NOT NULL DEFAULT 0,
          lifecycle TEXT NOT NULL DEFAULT 'active',
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE TABLE api_keys (
          id TEXT PRIMARY KEY,
          label TEXT NOT NULL,
          hash TEXT NOT NULL UNIQUE,
          created_at TEXT NOT NULL,
          last_used_at TEXT,
          revoked_at TEXT
        );
        CREATE TABLE hardware (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          inventory TEXT NOT NULL,
          backend TEXT,
          read_at TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'the twin\'s picture',
    up(db) {
      db.exec('CREATE TABLE avatar (id INTEGER PRIMARY KEY CHECK (id = 1), mime TEXT NOT NULL, data BLOB NOT NULL, updated_at TEXT NOT NULL)');
    },
  },
];
