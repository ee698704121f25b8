import type { Migration } from '../../runtime/node/migrations.js';

export const semanticMigrations: Migration[] = [
  {
    version: 1,
    name: 'facts, full-text index, embedding metadata',
    up(db) {
      db.exec(`
        CREATE TABLE facts (
          rowid INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          text TEXT NOT NULL,
          confidence REAL NOT NULL,
          pinned INTEGER NOT NULL DEFAULT 0,
          source_episode_ids TEXT NOT NULL DEFAULT '[]',
          created_at TEXT NOT NULL,
          embedded INTEGER NOT NULL DEFAULT 0
        );
        CREATE VIRTUAL TABLE facts_fts USING fts5(text, content='facts', content_rowid='rowid', tokenize='porter unicode61');
        CREATE TRIGGER facts_ai AFTER INSERT ON facts BEGIN
          INSERT INTO facts_fts(rowid, text) VALUES (new.rowid, new.text);
        END;
        CREATE TRIGGER facts_ad AFTER DELETE ON facts BEGIN
          INSERT INTO facts_fts(facts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
        END;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `);
      // The vector table (vec0) is created once the embedding dimension is known.
    },
  },
];
