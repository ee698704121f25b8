import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sqliteVec from 'sqlite-vec';

export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /** FULL for the event log (an acked event must survive power loss); NORMAL elsewhere (WAL keeps it consistent). */
  synchronous?: 'NORMAL' | 'FULL';
  /** Load the sqlite-vec extension. */
  vec?: boolean;
  readonly?: boolean;
}

/** Inside a packaged app, native files live in app.asar.unpacked; the loader cannot read them from the archive. */
export function unpackedPath(path: string): string {
  return path.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
}

function appRoot(): string | null {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return null;
}

/**
 * better-sqlite3 must be built for the ABI of the runtime that loads it: Node's for tests and the
 * headless host, Electron's for the desktop app. In a checkout, the Electron build lives beside the
 * Node one (`build/electronNative.mjs` puts it in native/build/electron-<abi>/); in a packaged app,
 * electron-builder rebuilt the module itself for Electron, so its own binding is the right one.
 */
export function sqliteBindingPath(): string | undefined {
  if (process.env.PAGI_SQLITE_BINDING) return process.env.PAGI_SQLITE_BINDING;
  if (!process.versions.electron) return undefined; // Node: the module's own build
  const root = appRoot();
  const candidate = root ? join(root, 'native', 'build', `electron-${process.versions.modules}`, 'better_sqlite3.node') : null;
  return candidate && existsSync(candidate) ? candidate : undefined;
}

export function sqliteVecPath(): string {
  return unpackedPath(sqliteVec.getLoadablePath());
}

export function openDatabase(file: string, opts: OpenOptions = {}): SqliteDatabase {
  const nativeBinding = sqliteBindingPath();
  const db = new Database(file, { readonly: opts.readonly ?? false, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    // the first statement reads the file: a damaged or foreign file fails here
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // A database file is data, never code: its schema may not call functions with side effects.
    db.pragma('trusted_schema = OFF');
    if (opts.vec) db.loadExtension(sqliteVecPath());
  } catch (err) {
    db.close(); // a failed open leaves no handle on the file
    throw err;
  }
  return db;
}

/**
 * SQLite's own word that a file's content is not a usable database ("database disk image is
 * malformed", "file is not a database"): the file needs restoring, no retry will help.
 */
export function isDamagedDatabaseError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/**
 * A database file opened as it is, for copies and files from elsewhere (twin bundles): no switch to
 * WAL, no extension; its schema may not call functions with side effects.
 */
export function openPlainDatabase(file: string, opts: { readonly?: boolean } = {}): SqliteDatabase {
  const nativeBinding = sqliteBindingPath();
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
  db.pragma('trusted_schema = OFF');
  return db;
}
