import type { Migration } from '../../runtime/node/migrations.js';

export const goalsMigrations: Migration[] = [
  {
    version: 1,
    name: 'turns',
    up(db) {
      db.exec(`
        CREATE TABLE turns (
          id TEXT PRIMARY KEY,
          session_id TEXT NOT NULL,
          user_text TEXT NOT NULL,
          reply TEXT,
          status TEXT NOT NULL,
          error TEXT,
          detail TEXT,
          started_at TEXT NOT NULL,
          finished_at TEXT
        );
        CREATE INDEX turns_session ON turns(session_id, started_at);
      `);
    },
  },
];
