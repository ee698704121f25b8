import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlainDatabase } from '../../native/sqlite.js';
import { SERVICE_IDS } from '../contracts/manifest.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createApiContext } from '../host/apiContext.js';
import { identityContract } from '../identity/common/contract.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { dayOf } from '../runtime/node/databaseBackups.js';
import { png, v2 } from './cardFixtures.js';
import { pagi, waitFor } from './helpers.js';

const DATABASES = ['audit.db', 'emotion.db', 'episodic.db', 'events.db', 'goals.db', 'identity.db', 'learning.db', 'models.db', 'semantic.db'];
const code = (r: Awaited<ReturnType<typeof pagi>>): number => ('code' in r ? r.code : 0);

/** One twin through its life: data stored, backed up, lost in several ways, refused, restored. */
describe('a twin whose databases are lost, damaged or restored', () => {
  let dataDir: string;
  let twinId: string;
  let twinDir: string;
  let host: HeadlessHost | null = null;
  const today = dayOf(new Date());
  const yesterday = dayOf(new Date(Date.now() - 86_400_000));
  const backupDir = (day: string): string => join(dataDir, 'backups', twinId, day);
  const restore = (...args: string[]) => pagi(['restore', ...args, '--data-dir', dataDir]);

  const start = async (): Promise<HeadlessHost> => (host = await startHeadlessHost({ dataDir, policy: { backoffInitialMs: 20 } }));
  const stop = async (): Promise<void> => {
    await host?.stop();
    host = null;
  };
  const states = async (): Promise<Record<string, { state: string; restarts: number; lastError: string | null }>> =>
    Object.fromEntries((await (host as HeadlessHost).supervisor.status()).map((s) => [s.id, { state: s.state, restarts: s.restarts, lastError: s.lastError }]));
  const rows = (path: string, sql: string): unknown => {
    const db = openPlainDatabase(path, { readonly: true });
    try {
      return db.prepare(sql).pluck().get();
    } finally {
      db.close();
    }
  };
  const lose = (file: string, how: 'truncate' | 'delete' | 'garbage'): void => {
    for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(join(twinDir, f), { force: true });
    if (how === 'truncate') truncateSync(join(twinDir, file), 0);
    else if (how === 'delete') rmSync(join(twinDir, file));
    else writeFileSync(join(twinDir, file), 'not a database at all\n'.repeat(500));
  };
  const waitForBackup = (day: string): Promise<boolean> =>
    waitFor(`the backup of ${day}`, () => DATABASES.every((f) => existsSync(join(backupDir(day), f))), 30_000);

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-safety-'));
  });
  afterAll(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a brand-new data folder starts every service, and the twin manifest lists every database', async () => {
    const h = await start();
    twinId = h.twinId;
    twinDir = join(dataDir, 'twins', twinId);
    expect(Object.values(await states()).every((s) => s.state === 'running')).toBe(true);
    const manifest = JSON.parse(readFileSync(join(twinDir, 'twin.json'), 'utf8')) as { databases: Record<string, { service: string }> };
    expect(Object.keys(manifest.databases).sort()).toEqual(DATABASES);
    expect(manifest.databases['episodic.db']?.service).toBe('memory.episodic');
    for (let i = 0; i < 5; i++) await h.supervisor.client(episodicMemoryContract).store({ sessionId: 's', actor: 'user', text: `remember number ${i}` });
    await h.supervisor.client(identityContract).update({ name: 'Alice' });
    await waitForBackup(today);
    await stop();
  });

  it("a day's backup holds every database as a SQLite file with the same rows; old ones are pruned; folders are 0700, files 0600", async () => {
    // the first backup was made before anything was stored: it becomes yesterday's, so today's is made with the data
    renameSync(backupDir(today), backupDir(yesterday));
    mkdirSync(backupDir('2020-01-01'));
    writeFileSync(join(backupDir('2020-01-01'), 'episodic.db'), 'an old copy');
    writeFileSync(join(dataDir, 'config.json'), '{}', { mode: 0o644 });
    await start();
    await waitForBackup(today);
    expect(readdirSync(backupDir(today)).sort()).toEqual(DATABASES);
    for (const f of DATABASES) expect(rows(join(backupDir(today), f), 'PRAGMA quick_check')).toBe('ok');
    expect(rows(join(backupDir(today), 'episodic.db'), 'SELECT count(*) FROM episodes')).toBe(5);
    expect(rows(join(backupDir(today), 'identity.db'), 'SELECT name FROM twin')).toBe('Alice');
    await waitFor('the old backup pruned', () => !existsSync(backupDir('2020-01-01')));
    expect(existsSync(backupDir(yesterday))).toBe(true);
    if (process.platform !== 'win32') {
      const mode = (p: string): number => statSync(join(dataDir, p)).mode & 0o777;
      for (const d of ['', 'twins', `twins/${twinId}`, 'logs', 'backups', `backups/${twinId}/${today}`]) expect([d, mode(d)]).toEqual([d, 0o700]);
      for (const f of ['config.json', 'active-twin.json', 'logs/pagi.log', ...DATABASES.map((db) => `twins/${twinId}/${db}`), `backups/${twinId}/${today}/episodic.db`]) expect([f, mode(f)]).toEqual([f, 0o600]);
    }
  });

  it('pagi restore is refused while a host runs for the data folder, and changes nothing', async () => {
    const r = await restore('--date', today);
    expect(code(r)).toBe(1);
    expect(r.stderr).toMatch(/PAGI Twin is running for .* stop it first/);
    expect(readdirSync(twinDir).filter((f) => f.startsWith('replaced-'))).toEqual([]);
    await stop();
  });

  it('an emptied, a deleted and a foreign database each stop only their service, named with the way out; nothing is written over them', async () => {
    lose('episodic.db', 'truncate');
    lose('emotion.db', 'delete');
    lose('learning.db', 'garbage');
    await start();
    const s = await states();
    expect(s['memory.episodic']).toMatchObject({ state: 'failed', restarts: 0 });
    expect(s['memory.episodic']?.lastError).toMatch(/episodic\.db is empty \(0 bytes\).*memory\.episodic was not started/);
    expect(s['memory.episodic']?.lastError).toContain(`pagi restore --date ${today} --file episodic.db`);
    expect(s['memory.episodic']?.lastError).toContain('pagi restore --start-empty episodic.db');
    expect(s.emotion).toMatchObject({ state: 'failed', restarts: 0 });
    expect(s.emotion?.lastError).toMatch(/emotion\.db is missing/);
    expect(s.learning).toMatchObject({ state: 'failed', restarts: 0 });
    expect(s.learning?.lastError).toMatch(/learning\.db \(.*learning\.db\) is damaged: SQLite says "file is not a database"/);
    const others = SERVICE_IDS.filter((id) => !['memory.episodic', 'emotion', 'learning'].includes(id));
    for (const id of others) expect([id, s[id]?.state]).toEqual([id, 'running']);
    await stop();
    expect(statSync(join(twinDir, 'episodic.db')).size).toBe(0);
    expect(existsSync(join(twinDir, 'emotion.db'))).toBe(false);
    expect(readFileSync(join(twinDir, 'learning.db'), 'utf8')).toMatch(/^not a database at all/);
    expect(rows(join(backupDir(today), 'episodic.db'), 'SELECT count(*) FROM episodes')).toBe(5);
  });

  it('pagi restore --list shows the days and files; bad arguments are refused with clear messages and change nothing', async () => {
    const list = await restore('--list');
    expect(code(list)).toBe(0);
    expect(list.stdout).toContain(today);
    expect(list.stdout).toContain(yesterday);
    expect(list.stdout).toMatch(/episodic\.db +\d/);
    const json = JSON.parse((await restore('--list', '--json')).stdout) as { backups: Array<{ date: string; files: Array<{ file: string; bytes: number }> }> };
    expect(json.backups.map((d) => d.date)).toEqual([today, yesterday]);
    expect(json.backups[0]?.files.map((f) => f.file)).toEqual(DATABASES);

    const refused: Array<[string[], RegExp]> = [
      [['--date', '2026-13-01'], /--date is not a day of the calendar/],
      [['--date', '2026-5-1'], /--date must be a day as YYYY-MM-DD/],
      [['--date', '2001-01-01'], new RegExp(`no automatic backup of 2001-01-01; there are backups of ${today}, ${yesterday}`)],
      [['--date', today, '--file', '../../etc/passwd'], /--file must be the file name of one of the twin's databases/],
      [['--date', today, '--file', 'unknown.db'], /the backup of .* has no unknown\.db; it holds audit\.db/],
      [['--start-empty', 'unknown.db'], /unknown\.db is not a database of twin/],
      [['--start-empty', '/etc/passwd'], /--start-empty must be the file name/],
      [['--file', 'episodic.db'], /--file goes with --date/],
      [['--list', '--date', today], /only one of --list, --date/],
      [[], /needs one of --list, --date YYYY-MM-DD or --start-empty/],
    ];
    for (const [args, message] of refused) {
      const r = await restore(...args);
      expect([args, code(r)]).toEqual([args, 2]);
      expect(r.stderr).toMatch(message);
    }
    expect(statSync(join(twinDir, 'episodic.db')).size).toBe(0);
    expect(readdirSync(twinDir).filter((f) => f.startsWith('replaced-'))).toEqual([]);
  });

  it('restore --date brings the data back and --start-empty starts a database empty; the replaced files are kept aside', async () => {
    const r = await restore('--date', today, '--file', 'episodic.db');
    expect(code(r)).toBe(0);
    expect(r.stdout).toContain(`restored episodic.db from the backup of ${today}`);
    expect(code(await restore('--start-empty', 'learning.db'))).toBe(0);
    expect(code(await restore('--start-empty', 'emotion.db'))).toBe(0);
    const aside = readdirSync(twinDir).filter((f) => f.startsWith('replaced-')).map((d) => readdirSync(join(twinDir, d))).flat().sort();
    expect(aside).toEqual(['episodic.db', 'learning.db']);
    const kept = readdirSync(twinDir).filter((f) => f.startsWith('replaced-')).map((d) => join(twinDir, d));
    expect(kept.some((d) => existsSync(join(d, 'episodic.db')) && statSync(join(d, 'episodic.db')).size === 0)).toBe(true);

    const h = await start();
    expect(Object.values(await states()).every((s) => s.state === 'running')).toBe(true);
    expect(await h.supervisor.client(episodicMemoryContract).count({})).toEqual({ episodes: 5 });
    expect((await h.supervisor.client(identityContract).get({})).name).toBe('Alice');
    await stop();
  });

  it('twins made by a bundle import or from a character card get their manifest (this machine\'s models.db never guarded); they run', { timeout: 120_000 }, async () => {
    const h = await start();
    const core = createApiContext(h.supervisor, dataDir);
    const bundle = join(dataDir, 'twin.pagi');
    await core.bundles.export({ out: bundle, includeEvents: false }, () => undefined);
    const clone = await core.bundles.import({ file: bundle, mode: 'clone' }, () => undefined);
    const listed = (id: string): Record<string, { service: string | null }> =>
      (JSON.parse(readFileSync(join(dataDir, 'twins', id, 'twin.json'), 'utf8')) as { databases: Record<string, { service: string | null }> }).databases;
    expect(Object.keys(listed(clone.twinId)).sort()).toEqual(DATABASES.filter((f) => f !== 'models.db' && f !== 'events.db'));
    expect(listed(clone.twinId)['episodic.db']?.service).toBe('memory.episodic');
    const card = join(dataDir, 'mira.png');
    writeFileSync(card, png({ chara: Buffer.from(JSON.stringify(v2)).toString('base64') }));
    const made = await core.imports.card(card);
    expect(Object.keys(listed(made.twinId)).sort()).toEqual(DATABASES.filter((f) => f !== 'models.db'));
    await core.twins.activate(made.twinId); // refused (and undone) if any service of it failed
    expect(Object.values(await states()).every((x) => x.state === 'running')).toBe(true);
    await core.twins.activate(clone.twinId);
    expect(await h.supervisor.client(episodicMemoryContract).count({})).toEqual({ episodes: 5 });
    await core.twins.activate(twinId);
    await stop();
  });

  it('an emptied identity.db stops identity (the twin is not renamed "Twin"); restored, the twin is back', async () => {
    lose('identity.db', 'truncate');
    await start();
    const s = await states();
    expect(s.identity).toMatchObject({ state: 'failed', restarts: 0 });
    expect(s.identity?.lastError).toMatch(/identity\.db is empty \(0 bytes\)/);
    expect(s.identity?.lastError).toContain(`pagi restore --date ${today} --file identity.db`);
    await stop();
    expect(statSync(join(twinDir, 'identity.db')).size).toBe(0);
    expect(code(await restore('--date', today, '--file', 'identity.db'))).toBe(0);
  });

  it('a twin from before the manifest (no twin.json) is still guarded: an emptied database stops its service', async () => {
    rmSync(join(twinDir, 'twin.json'));
    lose('episodic.db', 'truncate');
    const h = await start();
    const s = await states();
    expect(s['memory.episodic']).toMatchObject({ state: 'failed', restarts: 0 });
    expect(s['memory.episodic']?.lastError).toMatch(/episodic\.db is empty/);
    expect(s.identity?.state).toBe('running');
    expect((await h.supervisor.client(identityContract).get({})).name).toBe('Alice');
    await stop();
    expect(statSync(join(twinDir, 'episodic.db')).size).toBe(0);
    expect(Object.keys((JSON.parse(readFileSync(join(twinDir, 'twin.json'), 'utf8')) as { databases: object }).databases).sort()).toEqual(DATABASES);
  });
});
