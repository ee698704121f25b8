import type { Migration } from '../../runtime/node/migrations.js';

export const episodicMigrations: Migration[] = [
  {
    version: 1,
    name: 'episodes with full-text index',
    up(db) {
      db.exec(`
        CREATE TABLE episodes (
          rowid INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          session_id TEXT NOT NULL,
          time TEXT NOT NULL,
          actor TEXT NOT NULL,
          kind TEXT NOT NULL,
          text TEXT NOT NULL,
          mood TEXT,
          importance REAL NOT NULL,
          access_count INTEGER NOT NULL DEFAULT 0,
          last_access TEXT,
          ref TEXT
        );
        CREATE INDEX episodes_time ON episodes(time);
        CREATE INDEX episodes_session_time ON episodes(session_id, time);
        CREATE VIRTUAL TABLE episodes_fts USING fts5(text, actor, content='episodes', content_rowid='rowid', tokenize='porter unicode61');
        CREATE TRIGGER episodes_ai AFTER INSERT ON episodes BEGIN
          INSERT INTO episodes_fts(rowid, text, actor) VALUES (new.rowid, new.text, new.actor);
        END;
        CREATE TRIGGER episodes_ad AFTER DELETE ON episodes BEGIN
          INSERT INTO episodes_fts(episodes_fts, rowid, text, actor) VALUES ('delete', old.rowid, old.text, old.actor);
        END;
        CREATE TRIGGER episodes_au AFTER UPDATE OF text, actor ON episodes BEGIN
          INSERT INTO episodes_fts(episodes_fts, rowid, text, actor) VALUES ('delete', old.rowid, old.text, old.actor);
          INSERT INTO episodes_fts(rowid, text, actor) VALUES (new.rowid, new.text, new.actor);
        END;
      `);
    },
  },
  {
    version: 2,
    name: 'idempotent importance adjustments',
    up(db) {
      db.exec('CREATE TABLE applied_ops (op_id TEXT PRIMARY KEY, episode_id TEXT NOT NULL, delta REAL NOT NULL, at TEXT NOT NULL)');
    },
  },
];
