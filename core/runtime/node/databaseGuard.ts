import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDamagedDatabaseError } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import { newestBackupOf } from './databaseBackups.js';
import { databaseHasData } from './twinManifest.js';

/**
 * What stands between a lost database and a service that would set it up as new: a database the
 * twin is known to have kept data in (its manifest) that is missing, empty or without a schema stops
 * its service (a permanent failure: no restart would bring the data back), and SQLite's "damaged"
 * errors name the file. Every message says how to get out: the newest automatic backup, or
 * starting the database empty on purpose.
 */
export interface DatabaseGuard {
  /** Before the file is opened (opening would create a missing one). */
  beforeOpen(file: string, path: string): void;
  /** Opened, before migrating: a known database with no schema is as lost as an empty one. */
  opened(file: string, path: string, schemaVersion: number): void;
  /** SQLite said the file is damaged (at open, or from a query while the service runs). */
  damaged(files: readonly string[], err: Error): PagiError;
}

export interface GuardOptions {
  dataDir: string;
  twinId: string;
  twinDir: string;
  serviceId: string;
  /** The twin's databases known to have existed (from its manifest). */
  guarded: readonly string[];
}

const quoteArg = (s: string): string => (/^[\w./:@-]+$/.test(s) ? s : `"${s.replaceAll('"', '\\"')}"`);

/** How to get a database back: the newest backup holding it (or all of them), or starting it empty on purpose. */
export function recoveryAdvice(dataDir: string, twinId: string, files: readonly string[]): string {
  const dd = ` --data-dir ${quoteArg(dataDir)}`;
  const dates = files.map((f) => newestBackupOf(dataDir, twinId, f));
  const newest = dates.every((d) => d !== null && d === dates[0]) ? dates[0] : null;
  const fileArg = files.length === 1 ? ` --file ${files[0]}` : '';
  const restore = newest
    ? `restore it from the automatic backup of ${newest} with \`pagi restore --date ${newest}${fileArg}${dd}\``
    : dates.some((d) => d !== null)
      ? `restore it from an automatic backup (see \`pagi restore --list${dd}\`)`
      : 'there is no automatic backup of it';
  const empty = files.map((f) => `\`pagi restore --start-empty ${f}${dd}\``).join(' and ');
  return `Stop PAGI Twin, then ${restore}, or start it empty on purpose with ${empty} (the current file is kept aside, never deleted).`;
}

export function createDatabaseGuard(o: GuardOptions): DatabaseGuard {
  const guarded = new Set(o.guarded);
  const lost = (file: string, path: string, how: string): PagiError =>
    new PagiError(
      'FAILED_PRECONDITION',
      `${file} ${how} (${path}), but this twin has kept data in it: ${o.serviceId} was not started, so nothing was written over it. ${recoveryAdvice(o.dataDir, o.twinId, [file])}`,
      { file, path, reason: 'lost-database' },
    );
  return {
    beforeOpen(file, path) {
      if (!guarded.has(file)) return;
      if (!databaseHasData(o.twinDir, file)) throw lost(file, path, existsSync(path) ? 'is empty (0 bytes)' : 'is missing');
    },
    opened(file, path, schemaVersion) {
      if (guarded.has(file) && schemaVersion === 0) throw lost(file, path, 'holds no PAGI Twin data (no schema)');
    },
    damaged(files, err) {
      const named = files.map((f) => `${f} (${join(o.twinDir, f)})`).join(', ');
      return new PagiError(
        'FAILED_PRECONDITION',
        `${o.serviceId}'s database ${named} is damaged: SQLite says "${err.message}". ${recoveryAdvice(o.dataDir, o.twinId, files)}`,
        { files: [...files], reason: 'damaged-database', sqlite: (err as { code?: unknown }).code },
      );
    },
  };
}

/** A database opened outside a service (tools, benchmarks): no manifest, but a damaged file is still named. */
export function damagedFileError(file: string, path: string, err: Error): PagiError {
  return new PagiError('FAILED_PRECONDITION', `${file} (${path}) is damaged: SQLite says "${err.message}"`, { file, path, reason: 'damaged-database' });
}

/** Maps SQLite's "damaged" errors of a running service's procedure to one naming its database files. */
export function nameDamagedDatabase(err: unknown, guard: DatabaseGuard | null, files: readonly string[]): unknown {
  if (!guard || files.length === 0 || !isDamagedDatabaseError(err)) return err;
  return guard.damaged(files, err);
}
