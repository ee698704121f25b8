import { newId } from '../../contracts/ids.js';
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
  {
    version: 2,
    name: 'model registry with ids, checksums and GGUF metadata',
    up(db) {
      db.exec(`
        CREATE TABLE model_files (
          id TEXT PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          file_name TEXT NOT NULL,
          source TEXT NOT NULL CHECK (source IN ('reference', 'copy', 'download')),
          file_bytes INTEGER NOT NULL,
          sha256 TEXT,
          hash_status TEXT NOT NULL DEFAULT 'pending' CHECK (hash_status IN ('pending', 'hashing', 'done', 'error')),
          hashed_bytes INTEGER NOT NULL DEFAULT 0,
          hash_error TEXT,
          metadata TEXT NOT NULL,
          added_at TEXT NOT NULL,
          last_used_at TEXT
        );
      `);
      const old = db.prepare('SELECT path, name, architecture, file_bytes, added_at, last_used_at FROM models').all() as Array<{ path: string; name: string | null; architecture: string | null; file_bytes: number; added_at: string; last_used_at: string | null }>;
      const insert = db.prepare("INSERT INTO model_files (id, path, file_name, source, file_bytes, metadata, added_at, last_used_at) VALUES (?, ?, ?, 'reference', ?, ?, ?, ?)");
      for (const r of old) {
        insert.run(newId(), r.path, r.path.split(/[\\/]/).pop() ?? r.path, r.file_bytes, JSON.stringify({ name: r.name, architecture: r.architecture }), r.added_at, r.last_used_at);
      }
      db.exec('DROP TABLE models');
    },
  },
  {
    version: 3,
    name: 'downloads',
    up(db) {
      db.exec(`
        CREATE TABLE downloads (
          id TEXT PRIMARY KEY,
          catalog_id TEXT,
          uri TEXT NOT NULL,
          file_name TEXT NOT NULL,
          expected_sha256 TEXT,
          status TEXT NOT NULL CHECK (status IN ('downloading', 'verifying', 'done', 'failed', 'cancelled')),
          total_bytes INTEGER,
          downloaded_bytes INTEGER NOT NULL DEFAULT 0,
          bytes_per_second REAL,
          error TEXT,
          model_id TEXT,
          created_at TEXT NOT NULL,
          finished_at TEXT
        );
      `);
    },
  },
  {
    version: 4,
    name: 'downloads can be paused',
    up(db) {
      // SQLite cannot change a CHECK constraint: the table is rebuilt with every row kept
      db.exec(`
        CREATE TABLE downloads_v4 (
          id TEXT PRIMARY KEY,
          catalog_id TEXT,
          uri TEXT NOT NULL,
          file_name TEXT NOT NULL,
          expected_sha256 TEXT,
          status TEXT NOT NULL CHECK (status IN ('downloading', 'paused', 'verifying', 'done', 'failed', 'cancelled')),
          total_bytes INTEGER,
          downloaded_bytes INTEGER NOT NULL DEFAULT 0,
          bytes_per_second REAL,
          error TEXT,
          model_id TEXT,
          created_at TEXT NOT NULL,
          finished_at TEXT
        );
        INSERT INTO downloads_v4 SELECT id, catalog_id, uri, file_name, expected_sha256, status, total_bytes, downloaded_bytes, bytes_per_second, error, model_id, created_at, finished_at FROM downloads;
        DROP TABLE downloads;
        ALTER TABLE downloads_v4 RENAME TO downloads;
      `);
    },
  },
];
