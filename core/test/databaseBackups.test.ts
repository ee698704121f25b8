import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, openPlainDatabase, type SqliteDatabase } from '../../native/sqlite.js';
import { backupDatabase, backupsDirOf, dayOf, listBackups, pruneBackups, startDailyBackups } from '../runtime/node/databaseBackups.js';
import { forgetDatabases, loadTwinManifest, readTwinManifest, recordDatabases, writeTwinManifest } from '../runtime/node/twinManifest.js';

const TWIN = '0190a000-0000-7000-8000-0000000000b1';

function makeDb(path: string, rows: number): SqliteDatabase {
  const db = openDatabase(path);
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`row ${i} ${'x'.repeat(500)}`);
  })();
  db.pragma('user_version = 1');
  return db;
}

const rowsIn = (path: string): number => {
  const db = openPlainDatabase(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM t').pluck().get() as number;
  } finally {
    db.close();
  }
};

/** Noon of a local day: the same calendar day whatever the time zone. */
const noon = (day: string): Date => new Date(`${day}T12:00:00`);

describe('automatic backups', () => {
  let dataDir: string;
  let db: SqliteDatabase;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-backup-'));
    mkdirSync(join(dataDir, 'twins', TWIN), { recursive: true });
    db = makeDb(join(dataDir, 'twins', TWIN, 'x.db'), 300);
  });
  afterEach(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("makes the day's copy when it is missing: a complete SQLite file with the same rows, never left as .partial", async () => {
    const errors: string[] = [];
    const b = startDailyBackups({ dataDir, twinId: TWIN, databases: () => [{ file: 'x.db', db }], onError: (m) => errors.push(m), now: () => noon('2026-03-10') });
    await b.runNow();
    await b.stop();
    const copy = join(backupsDirOf(dataDir, TWIN), '2026-03-10', 'x.db');
    expect(rowsIn(copy)).toBe(300);
    expect(readdirSync(join(backupsDirOf(dataDir, TWIN), '2026-03-10'))).toEqual(['x.db']); // no -wal, no .partial
    expect(listBackups(dataDir, TWIN)).toEqual([{ date: '2026-03-10', files: [{ file: 'x.db', bytes: statSync(copy).size }] }]);
    expect(errors).toEqual([]);
  });

  it('copies once a day: the same day again changes nothing, the next day gets its own copy', async () => {
    let now = noon('2026-03-10');
    const b = startDailyBackups({ dataDir, twinId: TWIN, databases: () => [{ file: 'x.db', db }], onError: () => undefined, now: () => now });
    await b.runNow();
    const first = join(backupsDirOf(dataDir, TWIN), '2026-03-10', 'x.db');
    utimesSync(first, new Date(0), new Date(0));
    db.prepare('INSERT INTO t (v) VALUES (?)').run('later');
    await b.runNow();
    expect(statSync(first).mtimeMs).toBe(0);
    now = noon('2026-03-11');
    await b.runNow();
    await b.stop();
    expect(rowsIn(join(backupsDirOf(dataDir, TWIN), '2026-03-11', 'x.db'))).toBe(301);
    expect(listBackups(dataDir, TWIN).map((d) => d.date)).toEqual(['2026-03-11', '2026-03-10']);
  });

  it("prunes its own copies past the kept days, but never a file's newest copy nor another owner's", () => {
    const root = backupsDirOf(dataDir, TWIN);
    const put = (day: string, file: string): void => {
      mkdirSync(join(root, day), { recursive: true });
      writeFileSync(join(root, day, file), 'copy');
    };
    put('2026-03-11', 'x.db');
    put('2026-03-05', 'x.db');
    put('2026-03-04', 'x.db');
    put('2026-02-01', 'x.db');
    put('2026-02-01', 'other.db'); // another service's: not this owner's to prune
    put('2026-01-01', 'only.db'); // the only copy there is: kept however old
    writeFileSync(join(root, '2026-03-11', 'x.db.partial'), 'killed mid-copy');
    const removed = pruneBackups(dataDir, TWIN, ['x.db', 'only.db'], noon('2026-03-11'), 7);
    expect(removed.sort()).toEqual(['2026-02-01/x.db', '2026-03-04/x.db']);
    expect(listBackups(dataDir, TWIN).map((d) => [d.date, d.files.map((f) => f.file)])).toEqual([
      ['2026-03-11', ['x.db']], ['2026-03-05', ['x.db']], ['2026-02-01', ['other.db']], ['2026-01-01', ['only.db']],
    ]);
    expect(existsSync(join(root, '2026-03-04'))).toBe(false);
    expect(existsSync(join(root, '2026-03-11', 'x.db.partial'))).toBe(false);
  });

  it('a backup stopped midway leaves nothing that looks complete, and the event loop runs between its steps', async () => {
    const dest = join(dataDir, 'copy.db');
    await expect(backupDatabase(db, dest, () => true)).rejects.toThrow(/stopped/);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('copy.db'))).toEqual([]);
    // 300 rows of 500 bytes are ~40 pages; make enough pages for several steps
    const big = makeDb(join(dataDir, 'big.db'), 6_000);
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      if (ticks < 1_000) setImmediate(tick);
    };
    setImmediate(tick);
    await backupDatabase(big, join(dataDir, 'big-copy.db'));
    big.close();
    expect(ticks).toBeGreaterThan(2);
    expect(rowsIn(join(dataDir, 'big-copy.db'))).toBe(6_000);
  });

  it('dayOf is the local calendar day', () => {
    expect(dayOf(noon('2026-12-31'))).toBe('2026-12-31');
  });
});

describe('the twin manifest', () => {
  let twinDir: string;
  beforeEach(() => {
    twinDir = mkdtempSync(join(tmpdir(), 'pagi-manifest-'));
  });
  afterEach(() => rmSync(twinDir, { recursive: true, force: true }));

  it('a new twin guards nothing until its services report their databases; entries are never dropped by a report', () => {
    const { manifest, origin } = loadTwinManifest(twinDir);
    expect(origin).toBe('new');
    expect(manifest.databases).toEqual({});
    expect(recordDatabases(manifest, 'memory.episodic', ['episodic.db'])).toBe(true);
    expect(recordDatabases(manifest, 'memory.episodic', ['episodic.db'])).toBe(false);
    manifest.databases['future.db'] = { service: 'a.newer.service', since: new Date().toISOString() };
    writeTwinManifest(twinDir, manifest);
    expect(Object.keys(readTwinManifest(twinDir)?.databases ?? {}).sort()).toEqual(['episodic.db', 'future.db']);
    if (process.platform !== 'win32') expect(statSync(join(twinDir, 'twin.json')).mode & 0o777).toBe(0o600);
  });

  it('a twin from before the manifest guards every database file lying in its folder, an empty one too', () => {
    makeDb(join(twinDir, 'episodic.db'), 3).close();
    writeFileSync(join(twinDir, 'identity.db'), '');
    const { manifest, origin } = loadTwinManifest(twinDir);
    expect(origin).toBe('before-manifest');
    expect(Object.keys(manifest.databases).sort()).toEqual(['episodic.db', 'identity.db']);
  });

  it('an unreadable manifest is named, and every database in the folder stays guarded', () => {
    writeFileSync(join(twinDir, 'episodic.db'), '');
    writeFileSync(join(twinDir, 'twin.json'), '{"format": 1, "databases": {"../x": {}}}');
    expect(() => readTwinManifest(twinDir)).toThrow(/twin\.json is not a twin manifest/);
    const loaded = loadTwinManifest(twinDir);
    expect(loaded.origin).toBe('unreadable');
    expect(Object.keys(loaded.manifest.databases)).toEqual(['episodic.db']);
  });

  it('forgetting a database removes only it', () => {
    const { manifest } = loadTwinManifest(twinDir);
    recordDatabases(manifest, 'inference', ['models.db']);
    recordDatabases(manifest, 'identity', ['identity.db']);
    writeTwinManifest(twinDir, manifest);
    forgetDatabases(twinDir, ['models.db']);
    expect(Object.keys(readTwinManifest(twinDir)?.databases ?? {})).toEqual(['identity.db']);
  });
});
