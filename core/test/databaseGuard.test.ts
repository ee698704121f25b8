import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { call, defineContract } from '../contracts/contract.js';
import type { PagiError } from '../contracts/errors.js';
import { secureDataDir } from '../host/dataDirPermissions.js';
import { defineService } from '../runtime/common/defineService.js';
import { dayOf } from '../runtime/node/databaseBackups.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { openServiceDatabase } from '../runtime/node/migrations.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { statusOf, waitFor } from './helpers.js';

const TWIN = '0190a000-0000-7000-8000-0000000000c1';

/** A service with one database of ~40 pages, made by its migration. */
const storeContract = defineContract('test.store', {
  count: call(z.object({}), z.object({ rows: z.number().int() })),
});
const storeService = defineService({
  id: 'test.store',
  contract: storeContract,
  configSchema: z.object({}),
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'store.db', [{
      version: 1,
      name: 'rows',
      up: (d) => {
        d.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
        const ins = d.prepare('INSERT INTO t (v) VALUES (?)');
        for (let i = 0; i < 300; i++) ins.run(`row ${i} ${'x'.repeat(500)}`);
      },
    }]);
    return { api: { count: () => ({ rows: db.prepare('SELECT count(*) FROM t').pluck().get() as number }) } };
  },
});

describe('a database the twin has kept data in', () => {
  let dataDir: string;
  let twinDir: string;
  let file: string;
  const run = async (fn: (sup: Supervisor) => Promise<void>): Promise<void> => {
    const sup = new Supervisor({
      launcher: createInProcessLauncher(async () => storeService), specs: [{ id: 'test.store', dependsOn: [], modulePath: '' }],
      dataDir, twinId: TWIN, logSink: () => undefined, policy: { backoffInitialMs: 10 },
    });
    await sup.start();
    try {
      await fn(sup);
    } finally {
      await sup.stop();
    }
  };
  const failure = async (sup: Supervisor): Promise<string> => {
    const s = await statusOf(sup, 'test.store');
    expect(s).toMatchObject({ state: 'failed', restarts: 0 }); // permanent: no restart loop
    return s.lastError ?? '';
  };
  const today = (): string => dayOf(new Date());

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-guard-'));
    twinDir = join(dataDir, 'twins', TWIN);
    file = join(twinDir, 'store.db');
    await run(async (sup) => {
      expect(await sup.client(storeContract).count({})).toEqual({ rows: 300 });
      await waitFor("the day's backup", () => statSync(join(dataDir, 'backups', TWIN, today(), 'store.db'), { throwIfNoEntry: false }));
    });
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('emptied: the service does not start, the file is named with the backup to restore, and nothing is written over it', async () => {
    truncateSync(file, 0);
    await run(async (sup) => {
      const why = await failure(sup);
      expect(why).toMatch(/FAILED_PRECONDITION: store\.db is empty \(0 bytes\)/);
      expect(why).toContain(`pagi restore --date ${today()} --file store.db`);
      expect(why).toContain('pagi restore --start-empty store.db');
    });
    expect(statSync(file).size).toBe(0);
  });

  it('deleted: the same, as "missing", and no new file is made', async () => {
    rmSync(file);
    await run(async (sup) => expect(await failure(sup)).toMatch(/store\.db is missing/));
    expect(statSync(file, { throwIfNoEntry: false })).toBeUndefined();
  });

  it('not a SQLite file: named as damaged, with SQLite\'s words', async () => {
    writeFileSync(file, 'this is not a database '.repeat(400));
    await run(async (sup) => expect(await failure(sup)).toMatch(/test\.store's database store\.db \(.*store\.db\) is damaged: SQLite says "file is not a database"/));
  });

  it('damaged where only a query reads: the error of the call names the file and how to restore it', async () => {
    // a good copy, then pages past the schema overwritten: it opens, but reading the rows fails
    copyFileSync(join(dataDir, 'backups', TWIN, today(), 'store.db'), file);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096 * 20, 0xff), 0, 4096 * 20, 4096 * 5);
    closeSync(fd);
    await run(async (sup) => {
      expect((await statusOf(sup, 'test.store')).state).toBe('running');
      const err = await sup.client(storeContract).count({}).then(() => null, (e: unknown) => e as PagiError);
      expect(err?.code).toBe('FAILED_PRECONDITION');
      expect(err?.message).toMatch(/store\.db \(.*\) is damaged: SQLite says "database disk image is malformed"/);
      expect(err?.message).toContain('pagi restore --date');
    });
  });

  it('a twin from before the manifest (no twin.json) is still guarded by the databases lying in its folder', async () => {
    rmSync(join(twinDir, 'twin.json'));
    writeFileSync(join(twinDir, 'other.db'), 'x'); // another database with data: the twin has existed
    truncateSync(file, 0);
    await run(async (sup) => expect(await failure(sup)).toMatch(/store\.db is empty/));
    expect(statSync(file).size).toBe(0);
  });

  it('a new twin (an empty folder) starts', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'pagi-guard-new-'));
    const sup = new Supervisor({ launcher: createInProcessLauncher(async () => storeService), specs: [{ id: 'test.store', dependsOn: [], modulePath: '' }], dataDir: fresh, twinId: TWIN, logSink: () => undefined });
    await sup.start();
    expect(await sup.client(storeContract).count({})).toEqual({ rows: 300 });
    await sup.stop();
    rmSync(fresh, { recursive: true, force: true });
  });
});

describe.skipIf(process.platform === 'win32')('data folder permissions', () => {
  it('tightens what the app made to 0700/0600, leaves links and what is not the app\'s alone', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-perm-'));
    const outside = mkdtempSync(join(tmpdir(), 'pagi-perm-outside-'));
    try {
      chmodSync(dataDir, 0o755);
      mkdirSync(join(dataDir, 'twins', TWIN), { recursive: true, mode: 0o755 });
      mkdirSync(join(dataDir, 'logs'), { mode: 0o755 });
      for (const f of ['config.json', 'active-twin.json', 'logs/pagi.log', `twins/${TWIN}/episodic.db`]) writeFileSync(join(dataDir, f), '{}', { mode: 0o644 });
      writeFileSync(join(dataDir, 'notes.txt'), 'the user\'s own', { mode: 0o644 });
      writeFileSync(join(outside, 'target.txt'), 'elsewhere', { mode: 0o644 });
      symlinkSync(join(outside, 'target.txt'), join(dataDir, 'twins', 'link.txt'));
      secureDataDir(dataDir);
      const mode = (p: string): number => statSync(join(dataDir, p)).mode & 0o777;
      expect([mode(''), mode('twins'), mode(`twins/${TWIN}`), mode('logs')]).toEqual([0o700, 0o700, 0o700, 0o700]);
      expect([mode('config.json'), mode('active-twin.json'), mode('logs/pagi.log'), mode(`twins/${TWIN}/episodic.db`)]).toEqual([0o600, 0o600, 0o600, 0o600]);
      expect(mode('notes.txt')).toBe(0o644);
      expect(statSync(join(outside, 'target.txt')).mode & 0o777).toBe(0o644);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
