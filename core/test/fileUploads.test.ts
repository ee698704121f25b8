import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from './helpers.js';
import type { BundleExportResult, BundleImportResult } from '../api/coreAccess.js';
import { runFileWork } from '../host/cliFileWork.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient } from '../host/hostClient.js';
import { tempDir } from './bundleFixture.js';
import { png, v2 } from './cardFixtures.js';
import { repoRoot, sharedModel } from './testModel.js';

const tinyModel = sharedModel('stories260K.gguf');

interface Reply { status: number; body: string; headers: Record<string, string | string[] | undefined> }

/** One raw request; `body` a Buffer, or a function that writes the body itself (and may cut it short). */
function call(port: number, method: string, path: string, headers: Record<string, string | number>, body?: Buffer | ((req: ReturnType<typeof request>) => void)): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1'), headers: res.headers }));
    });
    req.on('error', reject);
    if (typeof body === 'function') body(req);
    else req.end(body);
  });
}

describe('files between a browser and the headless host: chunked uploads, downloads by ticket', () => {
  let host: HeadlessHost;
  let dataDir: string;
  let auth: Record<string, string>;
  const staged = (): string[] => (existsSync(join(dataDir, 'tmp')) ? readdirSync(join(dataDir, 'tmp')).filter((n) => n.startsWith('upload-')) : []);
  const begin = (kind: string, name: string, size: number, headers = auth) => call(host.port, 'POST', `/files/uploads?${new URLSearchParams({ kind, name, size: String(size) })}`, headers);
  const put = (id: string, offset: number, data: Buffer, headers = auth) => call(host.port, 'PUT', `/files/uploads/${id}?offset=${offset}`, { ...headers, 'content-length': data.length }, data);
  /** Uploads a whole buffer in chunks; the handle. */
  const upload = async (kind: string, name: string, data: Buffer, chunk = 1 << 20): Promise<string> => {
    const r = await begin(kind, name, data.length);
    expect(r.status, r.body).toBe(201);
    const { upload: id } = JSON.parse(r.body) as { upload: string };
    for (let o = 0; o < data.length; o += chunk) expect((await put(id, o, data.subarray(o, o + chunk))).status).toBe(200);
    return id;
  };

  beforeAll(async () => {
    dataDir = tempDir('uploads');
    // left by a host that was killed: swept when the next one starts
    const leftover = join(dataDir, 'tmp', 'upload-leftoverleftoverlefto');
    mkdirSync(leftover, { recursive: true });
    writeFileSync(join(leftover, 'old.pagi'), 'x');
    host = await startHeadlessHost({ dataDir });
    auth = { authorization: `Bearer ${host.token}` };
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sweeps what a stopped host staged, and refuses a caller without the token before any body', async () => {
    expect(staged()).toEqual([]);
    expect((await begin('bundle', 'a.pagi', 10, {})).status).toBe(401);
    expect((await begin('bundle', 'a.pagi', 10, { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = JSON.parse((await begin('bundle', 'a.pagi', 10)).body) as { upload: string };
    const r = await put(ok.upload, 0, Buffer.alloc(10), {});
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ error: { pagiCode: 'UNAUTHENTICATED' } });
    await call(host.port, 'DELETE', `/files/uploads/${ok.upload}`, auth);
    expect(staged()).toEqual([]);
  });

  it('refuses bad names, kinds and sizes in the user\'s words, before a byte arrives', async () => {
    for (const name of ['../../etc/passwd.pagi', 'a/b.pagi', '..\\x.pagi', '..', 'bell\u0007.pagi']) {
      const r = await begin('bundle', name, 10);
      expect(r.status, name).toBe(400);
    }
    const wrongExt = await begin('bundle', 'notes.txt', 10);
    expect(wrongExt.status).toBe(400);
    expect(JSON.parse(wrongExt.body).error.message).toBe('notes.txt is not a twin bundle: its name must end in .pagi');
    expect((await begin('spreadsheet', 'a.pagi', 10)).status).toBe(400);
    expect((await begin('bundle', 'a.pagi', 0)).status).toBe(400);
    const tooBig = await begin('card', 'huge.png', 60 * 1024 * 1024);
    expect(tooBig.status).toBe(413);
    expect(JSON.parse(tooBig.body).error.message).toMatch(/^huge\.png is 60\.0 MB; a character card can be at most 50\.0 MB$/);
    expect(staged()).toEqual([]);
  });

  it('needs a Content-Length for a chunk, in order, within the announced size; a chunk cut short is taken back, and sent again', async () => {
    const { upload: id } = JSON.parse((await begin('document', 'notes.md', 4 << 20)).body) as { upload: string };
    const chunked = await call(host.port, 'PUT', `/files/uploads/${id}?offset=0`, { ...auth, 'transfer-encoding': 'chunked' }, (req) => req.end('abc'));
    expect(chunked.status).toBe(411);
    expect((await put(id, 5, Buffer.alloc(10))).status).toBe(409);
    const small = JSON.parse((await begin('document', 'tiny.txt', 10)).body) as { upload: string };
    expect((await put(small.upload, 0, Buffer.alloc(11))).status).toBe(413);
    await call(host.port, 'DELETE', `/files/uploads/${small.upload}`, auth);
    expect((await put(id, 0, Buffer.alloc(1 << 20))).status).toBe(200);
    // the client goes away one MiB into a two-MiB chunk
    await call(host.port, 'PUT', `/files/uploads/${id}?offset=${1 << 20}`, { ...auth, 'content-length': 2 << 20 }, (req) => {
      req.write(Buffer.alloc(1 << 20), () => setTimeout(() => req.destroy(), 100));
    }).catch(() => undefined);
    // the upload stays, back at the bytes before that chunk: the client sends it again
    const partial = join(dataDir, 'tmp', `upload-${id}`, 'notes.md.partial');
    await expect.poll(async () => (statSync(partial).size === 1 << 20 ? (await put(id, 1 << 20, Buffer.alloc(10))).status : 0), { timeout: 5_000 }).toBe(200);
    expect(statSync(partial).size).toBe((1 << 20) + 10);
    expect((await call(host.port, 'DELETE', `/files/uploads/${id}`, auth)).status).toBe(204);
    expect(staged()).toEqual([]);
  });

  it('takes several uploads at once, each whole and private; a handle is never a path and works only for its kind', async () => {
    const parts = [randomBytes(3 << 20), randomBytes(2 << 20), randomBytes(5 << 20)];
    const ids = await Promise.all(parts.map((p, i) => upload('chatgpt', `conversations-${i}.json`, p, 512 * 1024)));
    for (const [i, id] of ids.entries()) {
      const file = join(dataDir, 'tmp', `upload-${id}`, `conversations-${i}.json`);
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(createHash('sha256').update(parts[i] as Buffer).digest('hex'));
      if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    const client = createHostClient(host);
    // forged, of another kind, or a path in disguise: never a file
    await expect(client.imports.card.mutate({ file: { upload: 'A'.repeat(22) } })).rejects.toThrow(/is gone/);
    await expect(client.imports.card.mutate({ file: { upload: ids[0] as string } })).rejects.toThrow(/is gone/);
    await expect(client.imports.card.mutate({ file: { upload: '../../../etc/passwd' } })).rejects.toThrow(/not an upload this app gave out/);
    for (const id of ids) await call(host.port, 'DELETE', `/files/uploads/${id}`, auth);
    expect(staged()).toEqual([]);
  });

  it('a card imports through an upload, which is removed once it has', async () => {
    const id = await upload('card', 'mira.png', png({ chara: Buffer.from(JSON.stringify(v2)).toString('base64') }));
    const made = await createHostClient(host).imports.card.mutate({ file: { upload: id } });
    expect(made.name).toBe('Captain Mira');
    expect(staged()).toEqual([]);
  }, 60_000);

  it('exports for a download (a single-use ticket, an attachment), and that bundle imports end to end through an upload', async () => {
    const client = createHostClient(host);
    const exported = await runFileWork<BundleExportResult>((operationId) => client.bundles.export.mutate({ operationId }), (operationId, h) => client.bundles.exportEvents.subscribe({ operationId }, h), true);
    expect(exported.download).toEqual(expect.any(String));
    expect(exported.file).toMatch(/\.pagi$/);
    const ticket = await client.files.downloadTicket.mutate({ download: exported.download as string });
    const keepAlive = new Agent({ keepAlive: true });
    onTestFinished(() => keepAlive.destroy());
    const got = await new Promise<Buffer>((resolve, reject) => {
      // kept alive as a browser's connection is: a client that closes at once can beat the reply's own end, and the host then keeps the export for another try
      request({ host: '127.0.0.1', port: host.port, path: ticket.url, agent: keepAlive }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".+\.pagi"/);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
      }).end();
    });
    expect(got.length).toBe(exported.bytes);
    expect((await call(host.port, 'GET', ticket.url, {})).status).toBe(404); // spent
    // removed once the host has sent it all: just after the client has read the last byte
    await waitFor('the fetched export removed', () => readdirSync(join(dataDir, 'tmp')).every((n) => !n.startsWith('download-')));

    const id = await upload('bundle', 'friend.pagi', got);
    let importId = '';
    const importCall = (operationId: string) => client.bundles.import.mutate({ operationId, file: { upload: id }, mode: 'clone', activate: false });
    const imported = await runFileWork<BundleImportResult>((operationId) => importCall((importId = operationId)), (operationId, h) => client.bundles.importEvents.subscribe({ operationId }, h), true);
    expect(imported.mode).toBe('clone');
    expect(existsSync(join(dataDir, 'twins', imported.twinId))).toBe(true);
    expect(staged()).toEqual([]);
    // the same call again (a retried request whose reply was lost): the operation it started, not "the upload is gone"
    const twins = readdirSync(join(dataDir, 'twins'));
    await expect(importCall(importId)).resolves.toEqual({ operationId: importId });
    const final = await new Promise<unknown>((resolve) => {
      const sub = client.bundles.importEvents.subscribe({ operationId: importId }, {
        onData: ({ data }) => {
          if (data.type === 'progress') return;
          sub.unsubscribe();
          resolve(data);
        },
      });
    });
    expect(final).toEqual({ type: 'done', result: imported });
    expect(readdirSync(join(dataDir, 'twins'))).toEqual(twins); // and nothing imported twice
  }, 120_000);

  it.skipIf(!tinyModel)('an uploaded model is moved into the models folder, not copied (one copy of many GB, not two)', async () => {
    const client = createHostClient(host);
    const id = await upload('model', 'tiny.gguf', readFileSync(tinyModel as string));
    const uploaded = statSync(join(dataDir, 'tmp', `upload-${id}`, 'tiny.gguf'));
    const record = await client.models.import.mutate({ upload: id });
    expect(record.path).toBe(join(dataDir, 'models', 'tiny.gguf'));
    expect(record.source).toBe('copy'); // the app's own file: removing the model deletes it
    // the same file (same inode), renamed: no second copy was written
    expect(statSync(record.path).ino).toBe(uploaded.ino);
    expect(staged()).toEqual([]);
    // a path of the user's is never moved: only the host's own uploads are
    await expect(client.models.import.mutate({ path: tinyModel as string, mode: 'move' } as never)).rejects.toThrow(/invalid input/);
    expect(existsSync(tinyModel as string)).toBe(true);
    await client.models.remove.mutate({ id: record.id });
  }, 60_000);

  it('never overwrites a file with an export unless told to', async () => {
    const client = createHostClient(host);
    const elsewhere = tempDir('export-target'); // outside the data folder, whose path messages hide
    const out = join(elsewhere, 'mine.pagi');
    writeFileSync(out, 'precious');
    const run = (overwrite: boolean) => runFileWork<BundleExportResult>((operationId) => client.bundles.export.mutate({ operationId, out, overwrite }), (operationId, h) => client.bundles.exportEvents.subscribe({ operationId }, h), true);
    await expect(run(false)).rejects.toThrow(`${out} already exists: nothing was overwritten`);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    // a relative path would land wherever the host was started: refused, nothing written
    await expect(client.bundles.export.mutate({ operationId: '01a2b3c4-0000-7000-8000-00000000e0e0', out: 'mine.pagi' })).rejects.toThrow(/full path of the file/);
    expect((await run(true)).bytes).toBeGreaterThan(100);
    // the CLI: refused with the file named, unless --force
    writeFileSync(out, 'precious again');
    // asynchronously: the host it talks to runs in this process
    const cli = (...extra: string[]) => new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(repoRoot, 'bin', 'pagi.js'), 'export', '--out', out, '--data-dir', dataDir, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
    });
    const refused = await cli();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${out} already exists: choose another name, or add --force to replace it`);
    expect(readFileSync(out, 'utf8')).toBe('precious again');
    expect((await cli('--force')).status).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(100);
    rmSync(elsewhere, { recursive: true, force: true });
  }, 60_000);

  it('streams a 200 MB upload to disk without holding it in memory', async () => {
    const size = 200 * 1024 * 1024;
    const source = join(dataDir, 'big.gguf');
    // written in 1 MiB pieces: the test itself never holds 200 MB either
    await pipeline(async function* () {
      const piece = randomBytes(1 << 20);
      for (let i = 0; i < 200; i++) yield piece;
    }, createWriteStream(source));
    const r = await begin('model', 'big.gguf', size);
    const { upload: id, chunkBytes } = JSON.parse(r.body) as { upload: string; chunkBytes: number };
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      for (let offset = 0; offset < size; offset += chunkBytes) {
        const length = Math.min(chunkBytes, size - offset);
        const reply = await call(host.port, 'PUT', `/files/uploads/${id}?offset=${offset}`, { ...auth, 'content-length': length }, (req) => {
          void pipeline(createReadStream(source, { start: offset, end: offset + length - 1 }), req).catch(() => undefined);
        });
        expect(reply.status).toBe(200);
      }
    } finally {
      clearInterval(sample);
    }
    expect(statSync(join(dataDir, 'tmp', `upload-${id}`, 'big.gguf')).size).toBe(size);
    // host and client share this process: all of it together stays far below the file's size
    expect(peak - before).toBeLessThan(80 * 1024 * 1024);
    await call(host.port, 'DELETE', `/files/uploads/${id}`, auth);
    expect(staged()).toEqual([]);
    rmSync(source);
  }, 120_000);
});
