import { copyFileSync, existsSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openPlainDatabase } from '../../native/sqlite.js';
import { PagiError } from '../contracts/errors.js';
import { backupsDirOf, listBackups, type BackupDay } from '../runtime/node/databaseBackups.js';
import { twinDirOf } from '../runtime/node/paths.js';
import { databaseFilesIn, forgetDatabases, guardedDatabases, loadTwinManifest, writeTwinManifest } from '../runtime/node/twinManifest.js';
import { activeTwinId } from './activeTwin.js';
import type { CliArgs } from './cliArgs.js';
import { readHostFile } from './hostFile.js';

/**
 * `pagi restore`: the automatic backups of the active twin listed, a day's copies put back, or a
 * database started empty on purpose. It works on the files itself, so the twin's services must be
 * stopped; nothing stored now is ever deleted: the files it replaces are moved into
 * `<twinDir>/replaced-<time>/`.
 */
export async function restoreCommand(args: CliArgs, dataDir: string): Promise<number> {
  if (args.file !== undefined && args.date === undefined) throw new PagiError('INVALID_INPUT', '--file goes with --date: which database of that day to restore');
  const modes = (['list', 'date', 'start-empty'] as const).filter((m) => args[m] !== undefined && args[m] !== false);
  if (modes.length === 0) throw new PagiError('INVALID_INPUT', 'pagi restore needs one of --list, --date YYYY-MM-DD or --start-empty NAME.db');
  if (modes.length > 1) throw new PagiError('INVALID_INPUT', `pagi restore does one thing at a time: give only one of ${modes.map((m) => `--${m}`).join(', ')}`);
  if (args.positionals.length > 0) throw new PagiError('INVALID_INPUT', `pagi restore takes no other arguments (got "${args.positionals.join(' ')}")`);

  if (!existsSync(join(dataDir, 'active-twin.json'))) throw new PagiError('NOT_FOUND', `there is no twin in ${dataDir} (no active-twin.json): nothing to restore`);
  const twinId = activeTwinId(dataDir);
  const twinDir = twinDirOf(dataDir, twinId);
  const backups = listBackups(dataDir, twinId);

  if (args.list) {
    printList(args, twinId, backupsDirOf(dataDir, twinId), backups);
    return 0;
  }
  const host = readHostFile(dataDir);
  if (host) {
    throw new PagiError('CONFLICT', `PAGI Twin is running for ${dataDir} (pid ${host.pid}): stop it first (Ctrl+C where \`pagi serve\` runs, or quit the app), then run pagi restore again; nothing was changed`);
  }
  const result = args.date !== undefined ? restoreDay(dataDir, twinId, twinDir, backups, args.date, args.file) : startEmpty(twinId, twinDir, backups, args['start-empty'] as string);
  if (args.json) process.stdout.write(`${JSON.stringify({ twinId, ...result }, null, 2)}\n`);
  else process.stdout.write(`${result.lines.join('\n')}\n`);
  return 0;
}

function printList(args: CliArgs, twinId: string, dir: string, backups: BackupDay[]): void {
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ twinId, dir, backups }, null, 2)}\n`);
    return;
  }
  if (backups.length === 0) {
    process.stdout.write(`twin ${twinId} has no automatic backups yet (they are made in ${dir} each day the twin runs)\n`);
    return;
  }
  const lines = [`automatic backups of twin ${twinId} (${dir}):`];
  for (const day of backups) {
    lines.push(day.date);
    for (const f of day.files) lines.push(`  ${f.file.padEnd(14)} ${formatBytes(f.bytes).padStart(10)}`);
  }
  lines.push('restore a day with `pagi restore --date YYYY-MM-DD [--file NAME.db]` (with PAGI Twin stopped)');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

interface Outcome { lines: string[]; restored: string[]; keptIn: string | null }

/** A copy that is not a whole PAGI database is refused before anything is moved. */
function checkBackup(path: string, label: string): void {
  let problem: string | null = null;
  try {
    const db = openPlainDatabase(path, { readonly: true });
    try {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') problem = `SQLite's check says: ${String(check)}`;
      else if ((db.pragma('user_version', { simple: true }) as number) < 1) problem = 'it holds no PAGI Twin schema';
    } finally {
      db.close();
    }
  } catch (err) {
    problem = (err as Error).message;
  }
  if (problem) throw new PagiError('FAILED_PRECONDITION', `the backup ${label} cannot be used (${problem}); nothing was changed`);
}

/** `replaced-<time>` in the twin's folder: where the files a restore replaces are kept. */
function asideDir(twinDir: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (let n = 0; ; n++) {
    const dir = join(twinDir, `replaced-${stamp}${n ? `-${n}` : ''}`);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return dir;
    }
  }
}

const present = (path: string): boolean => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/** The database and its companions (write-ahead log, shared memory, rollback journal) go together: one without the others is another database. */
const companionsOf = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];

function moveAside(twinDir: string, file: string, aside: () => string): boolean {
  const there = companionsOf(file).filter((f) => present(join(twinDir, f)));
  for (const f of there) renameSync(join(twinDir, f), join(aside(), f));
  return there.length > 0;
}

function lazyAside(twinDir: string): { get: () => string; made: () => string | null } {
  let dir: string | null = null;
  return { get: () => (dir ??= asideDir(twinDir)), made: () => dir };
}

function restoreDay(dataDir: string, twinId: string, twinDir: string, backups: BackupDay[], date: string, only: string | undefined): Outcome {
  const day = backups.find((d) => d.date === date);
  if (!day) {
    const have = backups.length ? `; there are backups of ${backups.map((d) => d.date).join(', ')} (see \`pagi restore --list\`)` : '; there are no backups of it yet';
    throw new PagiError('INVALID_INPUT', `twin ${twinId} has no automatic backup of ${date}${have}`);
  }
  if (only !== undefined && !day.files.some((f) => f.file === only)) {
    throw new PagiError('INVALID_INPUT', `the backup of ${date} has no ${only}; it holds ${day.files.map((f) => f.file).join(', ')}`);
  }
  const files = only !== undefined ? [only] : day.files.map((f) => f.file);
  const source = (f: string): string => join(backupsDirOf(dataDir, twinId), date, f);
  for (const f of files) checkBackup(source(f), `${date}/${f}`);

  mkdirSync(twinDir, { recursive: true, mode: 0o700 });
  // every copy is in the twin's folder before any current file moves: a full disk stops it here, with nothing changed
  const staged = files.map((f) => ({ file: f, tmp: join(twinDir, `${f}.restoring`) }));
  try {
    for (const s of staged) {
      rmSync(s.tmp, { force: true });
      copyFileSync(source(s.file), s.tmp);
    }
  } catch (err) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    throw new PagiError('UNAVAILABLE', `cannot copy the backup into ${twinDir} (${(err as Error).message}); nothing was changed`);
  }
  const aside = lazyAside(twinDir);
  for (const s of staged) {
    moveAside(twinDir, s.file, aside.get);
    renameSync(s.tmp, join(twinDir, s.file));
  }
  // the restored files hold the twin's data: they stay guarded (a twin from before the manifest gets one now)
  const { manifest } = loadTwinManifest(twinDir);
  for (const f of files) manifest.databases[f] ??= { service: null, since: new Date().toISOString() };
  writeTwinManifest(twinDir, manifest);

  const keptIn = aside.made();
  const lines = [
    ...files.map((f) => `restored ${f} from the backup of ${date}`),
    keptIn ? `the files it replaced are kept in ${keptIn}` : 'there were no current files to replace',
    'start PAGI Twin to use them',
  ];
  return { lines, restored: files, keptIn };
}

function startEmpty(twinId: string, twinDir: string, backups: BackupDay[], file: string): Outcome {
  const known = new Set([...guardedDatabases(loadTwinManifest(twinDir).manifest), ...databaseFilesIn(twinDir), ...backups.flatMap((d) => d.files.map((f) => f.file))]);
  if (!known.has(file)) {
    throw new PagiError('INVALID_INPUT', `${file} is not a database of twin ${twinId}${known.size ? `; its databases are ${[...known].sort().join(', ')}` : ''}`);
  }
  const aside = lazyAside(twinDir);
  if (existsSync(twinDir)) moveAside(twinDir, file, aside.get);
  forgetDatabases(twinDir, [file]);
  const keptIn = aside.made();
  const lines = [
    `${file} starts empty at the next start of PAGI Twin`,
    keptIn ? `its previous file is kept in ${keptIn}` : 'there was no file of it to keep',
  ];
  return { lines, restored: [], keptIn };
}
