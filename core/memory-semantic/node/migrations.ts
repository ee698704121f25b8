import type { Migration } from '../../runtime/node/migrations.js';
import { vectorTableDdl } from '../../memory-kit/node/vectorStore.js';
import { CHANGE_LOG_DDL } from '../../memory-kit/common/changeLog.js';

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
  {
    version: 2,
    name: 'bitemporal facts, chunks, documents, extraction jobs, vectors, change history',
    up(db) {
      // vectors move out of vec0 into a plain table with their sign bits (decision 0006); they are re-embedded
      db.exec(`
        DROP TABLE IF EXISTS fact_vectors;
        DELETE FROM meta WHERE key IN ('embedding.model', 'embedding.dims');
        ALTER TABLE facts ADD COLUMN kind TEXT NOT NULL DEFAULT 'fact';
        ALTER TABLE facts ADD COLUMN updated_at TEXT;
        ALTER TABLE facts ADD COLUMN valid_from TEXT;
        ALTER TABLE facts ADD COLUMN valid_to TEXT;
        ALTER TABLE facts ADD COLUMN retired_at TEXT;
        ALTER TABLE facts ADD COLUMN superseded_by TEXT;
        ALTER TABLE facts ADD COLUMN access_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE facts ADD COLUMN last_access TEXT;
        ALTER TABLE facts ADD COLUMN document_id TEXT;
        ALTER TABLE facts ADD COLUMN chunk_index INTEGER;
        UPDATE facts SET updated_at = created_at;
        CREATE INDEX facts_current ON facts(retired_at, kind);
        CREATE INDEX facts_document ON facts(document_id, chunk_index);
        CREATE TRIGGER facts_au AFTER UPDATE OF text ON facts BEGIN
          INSERT INTO facts_fts(facts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
          INSERT INTO facts_fts(rowid, text) VALUES (new.rowid, new.text);
        END;
        ${vectorTableDdl('fact_vectors', 'facts')}
        CREATE TABLE documents (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          media_type TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          sha256 TEXT NOT NULL,
          chunks INTEGER NOT NULL DEFAULT 0,
          total_chunks INTEGER NOT NULL DEFAULT 0,
          status TEXT NOT NULL,
          error TEXT,
          created_at TEXT NOT NULL
        );
        CREATE TABLE extraction_jobs (
          id TEXT PRIMARY KEY,
          session_id TEXT,
          episode_ids TEXT NOT NULL,
          text TEXT NOT NULL,
          status TEXT NOT NULL,
          not_before TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          error TEXT,
          result TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX extraction_jobs_status ON extraction_jobs(status, not_before);
        ${CHANGE_LOG_DDL}
      `);
    },
  },
];
