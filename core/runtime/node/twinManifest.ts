import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * `<twinDir>/twin.json`: the databases this twin is known to have kept data in. A database listed
 * here that is missing or empty is a loss to report, never a new twin to set up (see
 * databaseGuard.ts). Its one writer while the twin runs is the supervisor (a single process), which
 * records what each service reports in `ready`; twins made elsewhere (bundle import, character
 * cards) and `pagi restore` write it while no service runs for the twin.
 */
export const TWIN_MANIFEST_FILE = 'twin.json';

/** A database's file name: a plain name in the twin's folder, never a path. */
export const DATABASE_FILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.db$/;

const databaseSchema = z.object({
  /** The service that reported it; null when it was found on disk before any service reported it (twins made before the manifest). */
  service: z.string().nullable(),
  /** When it was first recorded (ISO 8601). */
  since: z.string(),
});
const manifestSchema = z.object({
  format: z.literal(1),
  databases: z.record(z.string().regex(DATABASE_FILE), databaseSchema),
});
export type TwinManifest = z.infer<typeof manifestSchema>;

const emptyManifest = (): TwinManifest => ({ format: 1, databases: {} });

const sizeOf = (path: string): number => {
  try {
    const st = lstatSync(path);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
};

/** The database files lying in a twin's folder (top level; any size). */
export function databaseFilesIn(twinDir: string): string[] {
  if (!existsSync(twinDir)) return [];
  return readdirSync(twinDir, { withFileTypes: true }).filter((d) => d.isFile() && DATABASE_FILE.test(d.name)).map((d) => d.name).sort();
}

/** Whether a database file holds anything: its own bytes, or frames still in its write-ahead log. */
export function databaseHasData(twinDir: string, file: string): boolean {
  return sizeOf(join(twinDir, file)) > 0 || sizeOf(join(twinDir, `${file}-wal`)) > 0;
}

export type ManifestOrigin = 'file' | 'new' | 'before-manifest' | 'unreadable';

/** The manifest as stored, or null when there is none; a file that is not one is an error naming it. */
export function readTwinManifest(twinDir: string): TwinManifest | null {
  const file = join(twinDir, TWIN_MANIFEST_FILE);
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} is not a twin manifest (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')})`);
  return parsed.data;
}

/**
 * The twin's manifest, or the best one that can be made without it. A twin folder without one but
 * with a database holding data was made before the manifest existed: every database file lying
 * there (an empty one included: SQLite never leaves a database it made at 0 bytes) is then known to
 * have existed. A folder without data is a new twin, whose databases are recorded as they start.
 */
export function loadTwinManifest(twinDir: string, now = new Date()): { manifest: TwinManifest; origin: ManifestOrigin; problem?: string } {
  let problem: string | undefined;
  try {
    const stored = readTwinManifest(twinDir);
    if (stored) return { manifest: stored, origin: 'file' };
  } catch (err) {
    problem = (err as Error).message;
  }
  const files = databaseFilesIn(twinDir);
  const existed = files.some((f) => databaseHasData(twinDir, f));
  const manifest = emptyManifest();
  if (existed || problem) for (const f of files) manifest.databases[f] = { service: null, since: now.toISOString() };
  return { manifest, origin: problem ? 'unreadable' : existed ? 'before-manifest' : 'new', ...(problem ? { problem } : {}) };
}

/** Replaced whole (written beside it, then renamed): a crash never leaves half a manifest. */
export function writeTwinManifest(twinDir: string, manifest: TwinManifest): void {
  mkdirSync(twinDir, { recursive: true, mode: 0o700 });
  const file = join(twinDir, TWIN_MANIFEST_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Adds databases a service reported; true when the manifest changed. Entries are never dropped here (a newer app's database stays listed). */
export function recordDatabases(manifest: TwinManifest, service: string, files: readonly string[], now = new Date()): boolean {
  let changed = false;
  for (const file of files) {
    if (!DATABASE_FILE.test(file)) continue;
    const known = manifest.databases[file];
    if (known && known.service === service) continue;
    manifest.databases[file] = { service, since: known?.since ?? now.toISOString() };
    changed = true;
  }
  return changed;
}

/** A manifest for a twin built elsewhere (a bundle's rebuilt databases), with the service of each. */
export function manifestOf(databases: ReadonlyArray<{ file: string; service: string }>, now = new Date()): TwinManifest {
  const manifest = emptyManifest();
  for (const d of databases) recordDatabases(manifest, d.service, [d.file], now);
  return manifest;
}

/** No longer guarded: the files were removed on purpose (a twin made from a card drops this machine's list; `pagi restore --start-empty`). */
export function forgetDatabases(twinDir: string, files: readonly string[]): void {
  const { manifest } = loadTwinManifest(twinDir);
  for (const f of files) delete manifest.databases[f];
  writeTwinManifest(twinDir, manifest);
}

export const guardedDatabases = (manifest: TwinManifest): string[] => Object.keys(manifest.databases).sort();

/**
 * The supervisor's handle on one twin's manifest: loaded (or made) once per run of the twin, written
 * when a service reports a database not yet listed. Failures to write are reported, never thrown:
 * a full disk must not stop the twin, it only leaves the manifest as it was.
 */
export function openTwinManifest(twinDir: string, warn: (msg: string) => void): { guarded(): string[]; record(service: string, files: readonly string[]): void } {
  const { manifest, origin, problem } = loadTwinManifest(twinDir);
  const save = (): void => {
    try {
      writeTwinManifest(twinDir, manifest);
    } catch (err) {
      warn(`cannot write ${join(twinDir, TWIN_MANIFEST_FILE)}: ${(err as Error).message}`);
    }
  };
  if (problem) warn(`${problem}; it is made again from the databases in the folder, each of them guarded`);
  if (origin !== 'file') save();
  return {
    guarded: () => guardedDatabases(manifest),
    record(service, files) {
      if (recordDatabases(manifest, service, files)) save();
    },
  };
}
