import type { Migration } from '../../runtime/node/migrations.js';
import { vectorTableDdl } from '../../memory-kit/node/vectorStore.js';
import { CHANGE_LOG_DDL } from '../../memory-kit/common/changeLog.js';

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
  {
    version: 3,
    name: 'neighbour context in the index, pins, vectors (float32, sign bits, int8), change history',
    up(db) {
      db.exec(`
        ALTER TABLE episodes ADD COLUMN context TEXT NOT NULL DEFAULT '';
        ALTER TABLE episodes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
        DROP TRIGGER episodes_ai;
        DROP TRIGGER episodes_ad;
        DROP TRIGGER episodes_au;
        DROP TABLE episodes_fts;
        CREATE VIRTUAL TABLE episodes_fts USING fts5(text, actor, context, content='episodes', content_rowid='rowid', tokenize='porter unicode61');
        INSERT INTO episodes_fts(episodes_fts) VALUES ('rebuild');
        CREATE TRIGGER episodes_ai AFTER INSERT ON episodes BEGIN
          INSERT INTO episodes_fts(rowid, text, actor, context) VALUES (new.rowid, new.text, new.actor, new.context);
        END;
        CREATE TRIGGER episodes_ad AFTER DELETE ON episodes BEGIN
          INSERT INTO episodes_fts(episodes_fts, rowid, text, actor, context) VALUES ('delete', old.rowid, old.text, old.actor, old.context);
        END;
        CREATE TRIGGER episodes_au AFTER UPDATE OF text, actor, context ON episodes BEGIN
          INSERT INTO episodes_fts(episodes_fts, rowid, text, actor, context) VALUES ('delete', old.rowid, old.text, old.actor, old.context);
          INSERT INTO episodes_fts(rowid, text, actor, context) VALUES (new.rowid, new.text, new.actor, new.context);
        END;
        -- float32 vectors (sqlite-vec's layout) and their sign bits; model says which space they are in
        ${vectorTableDdl('episode_vectors', 'episodes')}
        -- document frequencies, to leave out query words that most turns contain
        CREATE VIRTUAL TABLE episodes_vocab USING fts5vocab(episodes_fts, col);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        ${CHANGE_LOG_DDL}
      `);
    },
  },
];
