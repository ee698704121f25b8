import { join } from 'node:path';
import { openDatabase, type OpenOptions, type SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import type { PortableDatabase, Portability } from './portableData.js';

export interface Migration {
  version: number;
  name: string;
  up(db: SqliteDatabase): void;
}

/** Applies the migrations newer than the file's `user_version`, each in its own transaction. */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[], owner: string): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (current > known) {
    throw new PagiError(
      'FAILED_PRECONDITION',
      `${owner}: the database is at schema version ${current}, newer than this app knows (${known}). Update PAGI Twin to open it.`,
    );
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

/** Where a service's database lives: its start context (which also records it for twin bundles), or a folder (tools, benchmarks). */
export type DatabaseHome = string | { paths: { twinDir: string }; databases?: { add(entry: unknown): void } };

/**
 * A service's own database in the twin's folder, opened and migrated to the newest schema. Opened
 * from a service's context it travels in twin bundles, unless `portable: false` (this machine's data).
 */
export function openServiceDatabase(home: DatabaseHome, file: string, migrations: readonly Migration[], opts: OpenOptions & { portable?: Portability | false } = {}): SqliteDatabase {
  const twinDir = typeof home === 'string' ? home : home.paths.twinDir;
  const db = openDatabase(join(twinDir, file), opts);
  try {
    migrate(db, migrations, file);
  } catch (err) {
    db.close();
    throw err;
  }
  if (typeof home !== 'string' && opts.portable !== false) {
    const entry: PortableDatabase = { file, db, migrations, ...(opts.portable ?? {}) };
    home.databases?.add(entry);
  }
  return db;
}
