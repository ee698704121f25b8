import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, fromClientError, type HostClient } from '../host/hostClient.js';
import type { ModelRecord } from '../inference/common/modelRecord.js';
import { pagi, waitFor } from './helpers.js';
import { sharedModel } from './testModel.js';

const model = sharedModel('stories260K.gguf');

describe.skipIf(!model)('installed models', () => {
  let host: HeadlessHost;
  let client: HostClient;
  let dataDir: string;
  let original: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-models-'));
    original = join(dataDir, 'downloads', 'my-model.gguf');
    copyFileSync(model as string, join(dataDir, 'x.gguf'));
    // a file of the user's, outside the app's folders
    mkdirSync(join(dataDir, 'downloads'));
    copyFileSync(model as string, original);
    host = await startHeadlessHost({ dataDir });
    client = createHostClient(host);
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
  const hashed = (id: string): Promise<ModelRecord> =>
    waitFor('the checksum', async () => (await client.models.list.query()).find((m) => m.id === id && m.hash.status === 'done'), 10_000, 50);

  it('imports a file in place with its GGUF metadata, and computes its sha256 in the background', async () => {
    const record = await client.models.import.mutate({ path: original });
    expect(record).toMatchObject({ path: original, source: 'reference', fileBytes: 1_185_376, metadata: { architecture: 'llama', parameters: 292_800, trainedContextLength: 2048, embeddingLength: 64, hasChatTemplate: false } });
    expect((await hashed(record.id)).sha256).toBe('270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d');
    await client.models.load.mutate({ id: record.id });
    expect((await client.models.list.query()).find((m) => m.id === record.id)?.loaded).toBe(true);
  });

  it('copies into the models folder atomically, refuses a second copy of the same name, and deletes only files it owns', async () => {
    const copy = await client.models.import.mutate({ path: join(dataDir, 'x.gguf'), mode: 'copy' });
    expect(copy.path).toBe(join(dataDir, 'models', 'x.gguf'));
    expect(existsSync(`${copy.path}.part`)).toBe(false);
    expect((await hashed(copy.id)).sha256).toBe(sha(copy.path));
    const again = await client.models.import.mutate({ path: join(dataDir, 'x.gguf'), mode: 'copy' }).catch((e: unknown) => fromClientError(e));
    expect(again).toMatchObject({ code: 'CONFLICT' });
    expect(await client.models.remove.mutate({ id: copy.id })).toEqual({ removed: true, deletedFile: true });
    expect(existsSync(copy.path)).toBe(false);

    const ref = (await client.models.list.query()).find((m) => m.path === original) as ModelRecord;
    expect(await client.models.remove.mutate({ id: ref.id })).toEqual({ removed: true, deletedFile: false });
    expect(existsSync(original)).toBe(true);
    expect((await client.models.status.query()).state).toBe('no-model'); // it was loaded: removing unloads it
  });

  it.each([
    ['a text file', () => { const p = join(dataDir, 'notes.gguf'); writeFileSync(p, 'not a model'); return p; }, 'INVALID_INPUT', /is not a usable GGUF model: the file is only 11 bytes/],
    ['a missing file', () => join(dataDir, 'nope.gguf'), 'NOT_FOUND', /no file at/],
    ['a folder', () => join(dataDir, 'downloads'), 'INVALID_INPUT', /is not a file/],
  ])('refuses %s with a clear error and registers nothing', async (_what, make, code, message) => {
    const before = await client.models.list.query();
    const err = await client.models.import.mutate({ path: make(), mode: 'copy' }).catch((e: unknown) => fromClientError(e));
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toMatch(message);
    expect(await client.models.list.query()).toEqual(before);
  });

  it('a .gguf put in the models folder while this twin did not run (another twin, a bundle) is adopted at start; a broken one is left alone', async () => {
    mkdirSync(join(dataDir, 'models'), { recursive: true });
    const adopted = join(dataDir, 'models', 'from-another-twin.gguf');
    copyFileSync(model as string, adopted);
    writeFileSync(join(dataDir, 'models', 'broken.gguf'), 'GGUF but not really');
    await host.supervisor.restart('inference');
    const list = await client.models.list.query();
    expect(list.find((m) => m.path === adopted)).toMatchObject({ source: 'copy', fileName: 'from-another-twin.gguf' });
    expect(list.some((m) => m.fileName === 'broken.gguf')).toBe(false);
    await client.models.remove.mutate({ id: (list.find((m) => m.path === adopted) as ModelRecord).id });
    rmSync(join(dataDir, 'models', 'broken.gguf'));
  });

  it('estimates the fit before loading: a tiny model fits on any machine', async () => {
    const fit = await client.models.fit.query({ path: original, contextSize: 1024 });
    expect(fit).toMatchObject({ verdict: 'fits', contextSize: 1024 });
    expect(fit.ramBytes).toBeGreaterThan(0);
    const cli = await pagi(['models', 'fit', original, '--context', '512', '--data-dir', dataDir]);
    expect(cli.stdout).toMatch(/^fits: .* \(\w+, context 512\)/);
    const bad = await client.models.fit.query({ path: join(dataDir, 'nope.gguf') }).catch((e: unknown) => fromClientError(e));
    expect(bad).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the doctor says which backend runs and why the others do not, with advice', async () => {
    const d = await client.system.doctor.query({ probe: false });
    const status = await client.models.status.query();
    expect(d.chosen.backend).toBe(status.backend?.name ?? d.chosen.backend);
    expect(d.backends.map((b) => b.backend)).toEqual(['cuda', 'vulkan', 'metal', 'cpu']);
    expect(d.backends.filter((b) => b.status === 'chosen')).toHaveLength(1);
    for (const b of d.backends) expect(b.reason.length).toBeGreaterThan(5);
    expect(d.cpu.threadsUsed).toBeGreaterThan(0);
    expect(d.advice.length).toBeGreaterThan(0);
    const cli = await pagi(['doctor', '--data-dir', dataDir]);
    expect(cli.stdout).toMatch(/^Inference runs on: \w+ — /);
    expect(cli.stdout).toMatch(/What to do:/);
  });

  it('pagi models catalog lists models with fit labels, and pagi models download follows a download to the end', async () => {
    const catalog = await pagi(['models', 'catalog', '--data-dir', dataDir]);
    expect(catalog.stdout).toMatch(/nomic-embed-text-v1\.5-q8_0\s+embedding/);
    const data = readFileSync(model as string);
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-length': data.length, 'accept-ranges': 'none' });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cli-model.gguf`;
      const r = await pagi(['models', 'download', url, '--json', '--data-dir', dataDir]);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'done', fileName: 'cli-model.gguf', totalBytes: data.length });
      expect(existsSync(join(dataDir, 'models', 'cli-model.gguf'))).toBe(true);
    } finally {
      server.close();
    }
  });

  it('pagi models list / import / remove work from the CLI against the running host', async () => {
    const imported = await pagi(['models', 'import', original, '--json', '--data-dir', dataDir]);
    const record = JSON.parse(imported.stdout) as ModelRecord;
    const list = await pagi(['models', 'list', '--data-dir', dataDir]);
    expect(list.stdout).toMatch(new RegExp(`${record.id}\\s+llama`));
    const removed = await pagi(['models', 'remove', record.id, '--data-dir', dataDir]);
    expect(removed.stdout).toMatch(/its file stays where it is/);
    const bad = await pagi(['models', 'fly', '--data-dir', dataDir]);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toMatch(/pagi models needs list, import, remove, fit, catalog or download \(got "fly"\)/);
  });
});
