import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openPlainDatabase, type SqliteDatabase } from '../../../native/sqlite.js';
import { DATABASE_FILE } from './twinManifest.js';

/**
 * Automatic backups: `<data-dir>/backups/<twinId>/<YYYY-MM-DD>/<file>`, one copy of each database a
 * day, made by the service that owns it (online, in small steps, so the service keeps answering),
 * written as `<file>.partial` and renamed when complete, so a killed backup never looks like one.
 */
export const BACKUP_KEEP_DAYS = 7;
const CHECK_EVERY_MS = 60 * 60_000;
const PAGES_PER_STEP = 256;
const PARTIAL = '.partial';
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const backupsDirOf = (dataDir: string, twinId: string): string => join(dataDir, 'backups', twinId);

/** The local calendar day: what a user means by "yesterday's backup". */
export function dayOf(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The last day whose backups are still kept, `keepDays` days counting today. */
export function oldestKeptDay(now: Date, keepDays: number): string {
  const d = new Date(now);
  d.setDate(d.getDate() - (keepDays - 1));
  return dayOf(d);
}

const isFile = (path: string): boolean => {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
};

export interface BackupDay {
  date: string;
  files: Array<{ file: string; bytes: number }>;
}

/** The complete backups of a twin, newest day first (partial copies are never listed). */
export function listBackups(dataDir: string, twinId: string): BackupDay[] {
  const root = backupsDirOf(dataDir, twinId);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && DATE.test(d.name))
    .map((d) => ({
      date: d.name,
      files: readdirSync(join(root, d.name), { withFileTypes: true })
        .filter((f) => f.isFile() && DATABASE_FILE.test(f.name))
        .map((f) => ({ file: f.name, bytes: lstatSync(join(root, d.name, f.name)).size }))
        .sort((a, b) => a.file.localeCompare(b.file)),
    }))
    .filter((d) => d.files.length > 0)
    .sort((a, b) => b.date.localeCompare(a.date));
}

/** The newest day with a complete backup of `file`, or null. */
export function newestBackupOf(dataDir: string, twinId: string, file: string): string | null {
  return listBackups(dataDir, twinId).find((d) => d.files.some((f) => f.file === file))?.date ?? null;
}

/**
 * One consistent copy of a live database at `dest`. SQLite's online backup copies a few hundred
 * pages per step with the event loop free between steps; a write by the service restarts nothing
 * (it is the same connection). The copy is made self-contained (no write-ahead log) before it is
 * renamed into place.
 */
export async function backupDatabase(db: SqliteDatabase, dest: string, shouldStop: () => boolean = () => false): Promise<void> {
  const partial = `${dest}${PARTIAL}`;
  rmSync(partial, { force: true });
  try {
    await db.backup(partial, {
      progress: () => {
        if (shouldStop()) throw new Error('backup stopped: the service is shutting down');
        return PAGES_PER_STEP;
      },
    });
    const copy = openPlainDatabase(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    renameSync(partial, dest);
  } catch (err) {
    for (const f of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
    throw err;
  }
}

/**
 * Removes this owner's copies older than the kept days, and copies a killed backup left. The newest
 * complete copy of each file is always kept, however old: a database whose service has not run for
 * weeks (it was damaged) still has its last good copy.
 */
export function pruneBackups(dataDir: string, twinId: string, files: readonly string[], now: Date, keepDays = BACKUP_KEEP_DAYS): string[] {
  const root = backupsDirOf(dataDir, twinId);
  if (!existsSync(root)) return [];
  const oldest = oldestKeptDay(now, keepDays);
  const days = readdirSync(root).filter((d) => DATE.test(d)).sort().reverse();
  const removed: string[] = [];
  for (const file of files) {
    let newestSeen = false;
    for (const day of days) {
      const path = join(root, day, file);
      rmSync(`${path}${PARTIAL}`, { force: true });
      if (!isFile(path)) continue;
      if (newestSeen && day < oldest) {
        rmSync(path, { force: true });
        removed.push(`${day}/${file}`);
      }
      newestSeen = true;
    }
  }
  for (const day of days) {
    if (day >= oldest) continue;
    try {
      rmdirSync(join(root, day)); // only once every owner's copies there are gone
    } catch {
      // not empty: another service's copies are still kept
    }
  }
  return removed;
}

export interface DailyBackupOptions {
  dataDir: string;
  twinId: string;
  /** The databases the service opened (read at each run: all of them, portable or not). */
  databases: () => ReadonlyArray<{ file: string; db: SqliteDatabase }>;
  onError: (msg: string, data?: unknown) => void;
  /** Tests move the clock; the default is the wall clock. */
  now?: () => Date;
  keepDays?: number;
  /** How often to look whether today's backup is there (a machine asleep at midnight catches up). */
  checkEveryMs?: number;
}

export interface DailyBackups {
  /** Today's copies (if missing) and the pruning, now; resolves when done (a run already going is joined). */
  runNow(): Promise<void>;
  /** Stops the schedule and ends a copy in progress; resolves once nothing touches the databases. */
  stop(): Promise<void>;
}

/** Today's backup at start if it is missing, then a look every hour on an unref'd timer. */
export function startDailyBackups(opts: DailyBackupOptions): DailyBackups {
  const now = opts.now ?? (() => new Date());
  let stopped = false;
  let running: Promise<void> | null = null;

  const runOnce = async (): Promise<void> => {
    const today = now();
    const dir = join(backupsDirOf(opts.dataDir, opts.twinId), dayOf(today));
    const owned = opts.databases();
    for (const { file, db } of owned) {
      const dest = join(dir, file);
      if (stopped || isFile(dest)) continue;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        await backupDatabase(db, dest, () => stopped);
      } catch (err) {
        if (!stopped) opts.onError(`automatic backup of ${file} failed: ${(err as Error).message}`, { file });
      }
    }
    if (stopped) return;
    try {
      pruneBackups(opts.dataDir, opts.twinId, owned.map((d) => d.file), today, opts.keepDays ?? BACKUP_KEEP_DAYS);
    } catch (err) {
      opts.onError(`pruning old backups failed: ${(err as Error).message}`);
    }
  };

  const runNow = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= runOnce().finally(() => {
      running = null;
    });
    return running;
  };

  const timer = setInterval(() => void runNow(), opts.checkEveryMs ?? CHECK_EVERY_MS);
  timer.unref();
  void runNow();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
