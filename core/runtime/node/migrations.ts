import { join } from 'node:path';
import { openDatabase, type OpenOptions, type SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';

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

/** A service's own database in the twin's folder, opened and migrated to the newest schema. */
export function openServiceDatabase(twinDir: string, file: string, migrations: readonly Migration[], opts: OpenOptions = {}): SqliteDatabase {
  const db = openDatabase(join(twinDir, file), opts);
  try {
    migrate(db, migrations, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
