import { join } from 'node:path';
import { isDamagedDatabaseError, openDatabase, type OpenOptions, type SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import { damagedFileError, type DatabaseGuard } from './databaseGuard.js';
import type { Portability, RegisteredDatabase } from './portableData.js';

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

/**
 * Where a service's database lives: its start context (which also records it for twin bundles and
 * backups, and guards the files the twin is known to have kept data in), or a folder (tools, benchmarks).
 */
export type DatabaseHome = string | { paths: { twinDir: string }; databases?: { add(entry: unknown): void; guard?: DatabaseGuard | null } };

/**
 * A service's own database in the twin's folder, opened and migrated to the newest schema. Opened
 * from a service's context it travels in twin bundles, unless `portable: false` (this machine's data).
 * A database the twin is known to have kept data in is never set up as new: missing, empty or damaged,
 * the open fails with the file named and the way to get it back.
 */
export function openServiceDatabase(home: DatabaseHome, file: string, migrations: readonly Migration[], opts: OpenOptions & { portable?: Portability | false } = {}): SqliteDatabase {
  const twinDir = typeof home === 'string' ? home : home.paths.twinDir;
  const guard = typeof home === 'string' ? null : home.databases?.guard ?? null;
  const path = join(twinDir, file);
  guard?.beforeOpen(file, path);
  let db: SqliteDatabase | null = null;
  try {
    db = openDatabase(path, opts);
    guard?.opened(file, path, db.pragma('user_version', { simple: true }) as number);
    migrate(db, migrations, file);
  } catch (err) {
    db?.close();
    if (!isDamagedDatabaseError(err)) throw err;
    throw guard ? guard.damaged([file], err) : damagedFileError(file, path, err);
  }
  if (typeof home !== 'string') {
    const entry: RegisteredDatabase = { file, db, migrations, ...(opts.portable || {}), portable: opts.portable !== false };
    home.databases?.add(entry);
  }
  return db;
}
