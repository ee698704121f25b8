import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openDatabase } from '../../native/sqlite.js';
import { episodicMigrations } from '../memory-episodic/node/migrations.js';
import { migrate } from '../runtime/node/migrations.js';
import { pack, unpackBundle } from './hostileBundles.js';
import { testModelPath } from './testModel.js';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emotionContract } from '../emotion/common/contract.js';
import type { HeadlessHost } from '../host/headlessHost.js';
import { startHeadlessHost } from '../host/headlessHost.js';
import { identityContract } from '../identity/common/contract.js';
import { inferenceContract } from '../inference/common/contract.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { semanticMemoryContract } from '../memory-semantic/common/contract.js';
import { access, dumpTwin, listTwinFolders, populateTwin, startOn, tempDir, type Rows } from './bundleFixture.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const noop = (): void => undefined;

/** Pairs every id of the source with the id at the same place in the copy (whole values and inside JSON). */
function collectIds(a: unknown, b: unknown, map: Map<string, string>): void {
  if (typeof a === 'string' && typeof b === 'string') {
    if (UUID_V7.test(a)) {
      const known = map.get(a);
      if (known !== undefined && known !== b) throw new Error(`id ${a} maps to both ${known} and ${b}`);
      map.set(a, b);
    } else if ((a.startsWith('[') || a.startsWith('{')) && (b.startsWith('[') || b.startsWith('{'))) {
      try {
        collectIds(JSON.parse(a), JSON.parse(b), map);
      } catch {
        /* free text that happens to start with a bracket */
      }
    }
  } else if (Array.isArray(a) && Array.isArray(b)) a.forEach((v, i) => collectIds(v, b[i], map));
  else if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of Object.keys(a)) collectIds((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], map);
  }
}

const substitute = (v: unknown, map: Map<string, string>): unknown =>
  typeof v === 'string' ? v.replace(/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g, (id) => map.get(id) ?? id) : v;

describe('twin bundles: export, then import as a clone or a move', () => {
  let source: HeadlessHost;
  let sourceDir: string;
  let bundle: string;
  let sourceRows: Record<string, Rows>;
  let twinId: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    sourceDir = tempDir('bundle-src');
    dirs.push(sourceDir);
    source = await startHeadlessHost({ dataDir: sourceDir });
    twinId = source.twinId;
    await populateTwin(source);
    bundle = join(sourceDir, 'ada.pagi');
    await access(source, sourceDir).bundles.export({ out: bundle, includeEvents: false }, noop);
    await source.stop();
    sourceRows = dumpTwin(join(sourceDir, 'twins', twinId));
  }, 120_000);
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a clone carries every row of every tier with new ids, consistently remapped, and records its lineage', { timeout: 120_000 }, async () => {
    const dir = tempDir('bundle-clone');
    dirs.push(dir);
    const host = await startHeadlessHost({ dataDir: dir });
    // not run after the import: what is compared is what the import wrote, before the twin's own first start adds to it
    const result = await access(host, dir).bundles.import({ file: bundle, mode: 'clone', activate: false }, noop);
    await host.stop();
    expect(result).toMatchObject({ mode: 'clone', sourceTwinId: twinId, parentId: twinId, generation: 1, name: 'Ada', activated: false, previousUnused: true });
    expect(result.twinId).not.toBe(twinId);
    expect(listTwinFolders(dir)).toContain(result.twinId);

    const copy = dumpTwin(join(dir, 'twins', result.twinId));
    expect(Object.keys(copy).sort()).toEqual(Object.keys(sourceRows).sort());
    const map = new Map<string, string>();
    for (const [file, tables] of Object.entries(sourceRows)) {
      for (const [table, rows] of Object.entries(tables)) {
        const excluded = file === 'identity.db' && (table === 'api_keys' || table === 'hardware');
        expect(copy[file]?.[table]?.length, `${file} ${table}`).toBe(excluded ? 0 : rows.length);
        if (!excluded) rows.forEach((row, i) => collectIds(row, copy[file]?.[table]?.[i], map));
      }
    }
    expect(map.get(twinId)).toBe(result.twinId);
    for (const [from, to] of map) {
      expect(to).not.toBe(from);
      expect(to.slice(0, 13), 'the time part of an id is kept').toBe(from.slice(0, 13));
    }
    expect(new Set(map.values()).size).toBe(map.size);
    for (const [file, tables] of Object.entries(sourceRows)) {
      for (const [table, rows] of Object.entries(tables)) {
        if (file === 'identity.db' && table !== 'twin') continue;
        rows.forEach((row, i) => {
          const got = copy[file]?.[table]?.[i] as Record<string, unknown>;
          for (const [col, value] of Object.entries(row)) {
            if (file === 'identity.db' && ['parent_id', 'generation', 'updated_at'].includes(col)) continue;
            expect(got[col], `${file} ${table} row ${i} ${col}`).toEqual(substitute(value, map));
          }
        });
      }
    }

    // the clone runs: its memories are found, its mood history and persona are there
    const cloned = await startOn(dir, result.twinId);
    try {
      const twin = await cloned.supervisor.client(identityContract).get({});
      expect(twin).toMatchObject({ id: result.twinId, name: 'Ada', parentId: twinId, generation: 1 });
      expect(twin.persona.traits).toEqual(['patient', 'funny']);
      const hits = await cloned.supervisor.client(episodicMemoryContract).search({ query: 'keeper painted door green', limit: 3 });
      expect(hits.hits[0]?.episode.text).toBe('turn 0: the keeper painted the door green');
      expect(hits.hits[0]?.episode.id).toBe(map.get(sourceRows['episodic.db']?.episodes?.[0]?.id as string));
      const facts = await cloned.supervisor.client(semanticMemoryContract).search({ query: 'harbour house', limit: 3 });
      expect(facts.hits[0]?.fact.text).toBe('Ada moved to a harbour house.');
      const moods = await cloned.supervisor.client(emotionContract).history({ limit: 100 });
      expect(moods.filter((m) => m.turnId !== null)).toHaveLength(5);
    } finally {
      await cloned.stop();
    }
  });

  it('a move keeps every id; the same twin cannot be moved in twice; two clones never share ids', { timeout: 120_000 }, async () => {
    const dir = tempDir('bundle-move');
    dirs.push(dir);
    const host = await startHeadlessHost({ dataDir: dir });
    try {
      const core = access(host, dir);
      const moved = await core.bundles.import({ file: bundle, mode: 'move' }, noop);
      expect(moved).toMatchObject({ twinId, sourceTwinId: twinId, mode: 'move', parentId: null, generation: 0 });
      expect(dumpTwin(join(dir, 'twins', twinId))['episodic.db']).toEqual(sourceRows['episodic.db']);
      const before = listTwinFolders(dir);
      await expect(core.bundles.import({ file: bundle, mode: 'move' }, noop)).rejects.toThrow(/already on this machine: import the bundle as a clone/);
      expect(listTwinFolders(dir)).toEqual(before);
      const a = await core.bundles.import({ file: bundle, mode: 'clone' }, noop);
      const b = await core.bundles.import({ file: bundle, mode: 'clone' }, noop);
      expect(a.twinId).not.toBe(b.twinId);
      const idsA = new Set((dumpTwin(join(dir, 'twins', a.twinId))['episodic.db']?.episodes ?? []).map((r) => r.id));
      const idsB = (dumpTwin(join(dir, 'twins', b.twinId))['episodic.db']?.episodes ?? []).map((r) => r.id);
      expect(idsB.filter((id) => idsA.has(id))).toEqual([]);
    } finally {
      await host.stop();
    }
  });

  it('an encrypted bundle needs its passphrase; a wrong one is refused before anything is read', { timeout: 120_000 }, async () => {
    const dir = tempDir('bundle-enc');
    dirs.push(dir);
    const host = await startHeadlessHost({ dataDir: dir });
    try {
      const core = access(host, dir);
      const sealed = join(dir, 'sealed.pagi');
      await expect(core.bundles.export({ out: sealed, passphrase: 'short', includeEvents: false }, noop)).rejects.toThrow(/at least 8 characters/);
      const out = await core.bundles.export({ out: sealed, passphrase: 'correct horse battery', includeEvents: true }, noop);
      expect(out.encrypted).toBe(true);
      await expect(core.bundles.import({ file: sealed, mode: 'clone' }, noop)).rejects.toThrow(/encrypted: give its passphrase/);
      await expect(core.bundles.import({ file: sealed, mode: 'clone', passphrase: 'wrong horse battery' }, noop)).rejects.toThrow(/wrong passphrase/);
      const before = listTwinFolders(dir);
      const r = await core.bundles.import({ file: sealed, mode: 'clone', passphrase: 'correct horse battery' }, noop);
      expect(listTwinFolders(dir)).toEqual([...before, r.twinId].sort());
    } finally {
      await host.stop();
    }
  });

  it('a bundle from an older app (episodic.db at schema version 2) imports into this one and is migrated', { timeout: 120_000 }, async () => {
    const dir = tempDir('bundle-old');
    dirs.push(dir);
    const old = join(dir, 'old-episodic.db');
    const db = openDatabase(old);
    migrate(db, episodicMigrations.filter((m) => m.version <= 2), 'episodic.db');
    const insert = db.prepare('INSERT INTO episodes (id, session_id, time, actor, kind, text, mood, importance, ref) VALUES (?, ?, ?, ?, ?, ?, NULL, 0.5, NULL)');
    insert.run('01900000-0000-7000-8000-000000000001', 'old', '2024-06-01T10:00:00.000Z', 'user', 'message', 'an old memory about the greyhound races');
    insert.run('01900000-0000-7000-8000-000000000002', 'old', '2024-06-01T10:01:00.000Z', 'Ada', 'message', 'they were loud and muddy');
    db.pragma('journal_mode = DELETE');
    db.close();
    const base = await unpackBundle(bundle);
    const files = new Map(base.files);
    files.set('data/episodic.db', readFileSync(old));
    const manifest = { ...base.manifest, entries: base.manifest.entries.map((e) => (e.path === 'data/episodic.db' ? { ...e, schemaVersion: 2 } : e)) };
    const oldBundle = join(dir, 'old.pagi');
    writeFileSync(oldBundle, pack(manifest, files));
    const host = await startHeadlessHost({ dataDir: dir });
    try {
      const r = await access(host, dir).bundles.import({ file: oldBundle, mode: 'move' }, noop);
      const copy = new Database(join(dir, 'twins', r.twinId, 'episodic.db'), { readonly: true });
      expect(copy.pragma('user_version', { simple: true })).toBe(3);
      expect(copy.prepare('SELECT id, text, context, pinned FROM episodes ORDER BY rowid').all()).toMatchObject([
        { id: '01900000-0000-7000-8000-000000000001', text: 'an old memory about the greyhound races', pinned: 0 },
        { id: '01900000-0000-7000-8000-000000000002', text: 'they were loud and muddy', pinned: 0 },
      ]);
      expect(copy.prepare("SELECT count(*) FROM episodes_fts WHERE episodes_fts MATCH 'greyhound'").pluck().get()).toBe(1);
      copy.close();
    } finally {
      await host.stop();
    }
  });

  it('the manifest names the loaded model (file, checksum), never its weights, and the twin\'s own settings, never machine settings', { timeout: 120_000 }, async (ctx) => {
    const model = testModelPath();
    if (!model) {
      console.log('skipped: no test model (set PAGI_TEST_MODEL or put the models in ../shared/models)');
      ctx.skip();
      return;
    }
    const dir = tempDir('bundle-model');
    dirs.push(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ services: { inference: { threads: 1, }, perception: { pii: { email: 'redact' } } } }));
    const host = await startHeadlessHost({ dataDir: dir, modelPath: model });
    try {
      const inference = host.supervisor.client(inferenceContract);
      const [record] = await inference.listModels({});
      await inference.load({ id: record?.id as string });
      for (let i = 0; i < 100 && !(await inference.listModels({}))[0]?.sha256; i++) await new Promise((r) => setTimeout(r, 100));
      const file = join(dir, 'with-model.pagi');
      await access(host, dir).bundles.export({ out: file, includeEvents: false }, noop);
      const { manifest, files } = await unpackBundle(file);
      expect(manifest.model).toMatchObject({ fileName: basename(model), sha256: createHash('sha256').update(readFileSync(model)).digest('hex') });
      expect(manifest.settings).toEqual({ perception: { pii: { email: 'redact' } } });
      const weights = readFileSync(model);
      const probe = weights.subarray(Math.floor(weights.length / 2), Math.floor(weights.length / 2) + 64);
      for (const [name, data] of files) expect(data.includes(probe), `${name} holds none of the model's weights`).toBe(false);
      expect([...files.keys()].sort()).not.toContain('data/models.db');
      expect(manifest.modelFile).toBeNull();

      // unless the user asks: then the weights travel and are installed on the other side
      const heavy = join(dir, 'with-weights.pagi');
      await access(host, dir).bundles.export({ out: heavy, includeEvents: false, includeModel: true }, noop);
      expect((await unpackBundle(heavy)).manifest.modelFile).toMatchObject({ path: `model/${basename(model)}`, bytes: weights.length });
      const elsewhere = tempDir('bundle-model-target');
      dirs.push(elsewhere);
      const target = await startHeadlessHost({ dataDir: elsewhere });
      try {
        const r = await access(target, elsewhere).bundles.import({ file: heavy, mode: 'move' }, noop);
        expect(r.model).toEqual({ fileName: basename(model), installed: 'copied' });
        const installed = (await target.supervisor.client(inferenceContract).listModels({})).find((m) => m.fileName === basename(model));
        expect(installed?.path).toBe(join(elsewhere, 'models', basename(model)));
        expect(createHash('sha256').update(readFileSync(installed?.path as string)).digest('hex')).toBe(createHash('sha256').update(weights).digest('hex'));
        for (let i = 0; i < 100 && !(await target.supervisor.client(inferenceContract).listModels({})).every((m) => m.sha256); i++) await new Promise((res) => setTimeout(res, 100));
        const again = await access(target, elsewhere).bundles.import({ file: heavy, mode: 'clone' }, noop);
        expect(again.model?.installed).toBe('already-installed');
      } finally {
        await target.stop();
      }
    } finally {
      await host.stop();
    }
  });
});
