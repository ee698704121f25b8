import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PagiError } from '../contracts/errors.js';
import { createFileRoutes } from '../host/fileRoutes.js';
import { createStagedFiles, defaultDiskReserve, sanitizeUploadName, type HostStagedFiles, type StagedFilesOptions } from '../host/stagedFiles.js';

/** The staging store and its HTTP routes alone, on a disk the test pretends: no services to start. */

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

interface Reply { status: number; json: { error?: { message: string; pagiCode: string }; upload?: string; received?: number; complete?: boolean } }

const refusal = (fn: () => unknown): PagiError => {
  try {
    fn();
  } catch (err) {
    return PagiError.from(err);
  }
  throw new Error('expected a refusal');
};

describe('uploads and exports staged for a browser: bounded, resumable, named safely', () => {
  let dataDir: string;
  let files: HostStagedFiles;
  let server: Server;
  let port = 0;
  /** What the pretend disk has; `free` falls as the test says. */
  const disk = { free: 100 * GiB, total: 200 * GiB };

  const start = async (opts: StagedFilesOptions = {}): Promise<void> => {
    files = createStagedFiles(dataDir, { diskSpace: () => ({ ...disk }), ...opts });
    const routes = createFileRoutes(files, () => true, () => undefined);
    server = createServer((req, res) => void routes.serve(req, res, new URL(req.url ?? '/', 'http://x').pathname));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const call = (method: string, path: string, body?: Buffer | ((req: ReturnType<typeof request>) => void)): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const headers = Buffer.isBuffer(body) ? { 'content-length': body.length } : {};
      const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as Reply['json']) : {} });
        });
      });
      req.on('error', reject);
      if (typeof body === 'function') body(req);
      else req.end(body);
    });
  const begin = (name: string, size: number, kind = 'document') => call('POST', `/files/uploads?${new URLSearchParams({ kind, name, size: String(size) })}`);
  const put = (id: string, offset: number, data: Buffer) => call('PUT', `/files/uploads/${id}?offset=${offset}`, data);
  const partialOf = (id: string, name: string) => join(dataDir, 'tmp', `upload-${id}`, `${name}.partial`);

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-staged-'));
  });
  afterEach(async () => {
    files?.stop();
    if (server?.listening) await new Promise((resolve) => server.close(resolve));
    disk.free = 100 * GiB;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps a name its extension: a name that is only the extension is refused, a leading dot made harmless', () => {
    for (const name of ['.pagi', '..pagi', '...PAGI', ' .pagi']) {
      const e = refusal(() => sanitizeUploadName('bundle', name));
      expect(e.code, name).toBe('INVALID_INPUT');
      expect(e.message, name).toMatch(/has no name before \.(pagi|PAGI): rename the file, e\.g\. to my-file\.(pagi|PAGI)$/);
    }
    expect(sanitizeUploadName('bundle', '.hidden.pagi')).toBe('_hidden.pagi');
    expect(sanitizeUploadName('bundle', '..twin.PAGI')).toBe('_twin.PAGI');
    expect(sanitizeUploadName('model', 'a:b?.gguf')).toBe('a_b_.gguf');
    expect(refusal(() => sanitizeUploadName('bundle', 'notes.txt')).message).toBe('notes.txt is not a twin bundle: its name must end in .pagi');
  });

  it('refuses names a disk cannot keep or that disguise themselves, before any byte arrives', () => {
    // 70 CJK characters are 210 bytes: with `.partial` past what a disk keeps for a name
    expect(refusal(() => sanitizeUploadName('document', `${'日'.repeat(70)}.txt`)).message).toMatch(/too long \(more than 200 bytes/);
    expect(sanitizeUploadName('document', `${'日'.repeat(60)}.txt`)).toBe(`${'日'.repeat(60)}.txt`);
    expect(refusal(() => sanitizeUploadName('document', 'x\u202Etxt.exe.txt')).message).toMatch(/direction of text/);
    expect(refusal(() => sanitizeUploadName('document', 'a\u009bb.txt')).message).toMatch(/control characters/);
    for (const name of ['CON.txt', 'nul .txt', 'com1.txt', 'LPT9.txt']) expect(refusal(() => sanitizeUploadName('document', name)).message, name).toMatch(/keeps for a device/);
    expect(sanitizeUploadName('document', 'console.txt')).toBe('console.txt');
  });

  it('keeps a reserve of free disk for the databases, and counts what uploads still arriving will need', async () => {
    expect(defaultDiskReserve(10 * GiB)).toBe(GiB);
    expect(defaultDiskReserve(1000 * GiB)).toBe(50 * GiB);
    disk.free = 10 * GiB;
    await start({ diskReserve: () => 2 * GiB });
    // 8 GiB may be used: an upload of 9 is refused, with what is free and what is kept
    const tooBig = await begin('big.gguf', 9 * GiB, 'model');
    expect(tooBig.status).toBe(507);
    expect(tooBig.json.error?.message).toBe("not enough free disk space for big.gguf: it needs 9.0 GB, 8.0 GB can be used (10.0 GB are free, of which 2.0 GB stay free for your twin's data). Free some disk space and try again");
    // two uploads of 5 GiB: each fits free space now, not both together
    const first = await begin('a.gguf', 5 * GiB, 'model');
    expect(first.status).toBe(201);
    const second = await begin('b.gguf', 5 * GiB, 'model');
    expect(second.status).toBe(507);
    expect(second.json.error?.message).toMatch(/3\.0 GB can be used .* 5\.0 GB are promised to other uploads still arriving/);
    // what has arrived is on the disk (free falls), and no longer owed
    expect((await put(first.json.upload as string, 0, Buffer.alloc(MiB))).status).toBe(200);
    disk.free -= MiB;
    expect((await begin('c.gguf', 3 * GiB - MiB, 'model')).status).toBe(201);
    // the disk filled meanwhile (another program): the next chunk is refused before the reserve is eaten
    disk.free = 2 * GiB;
    const chunk = await put(first.json.upload as string, MiB, Buffer.alloc(MiB));
    expect(chunk.status).toBe(507);
    expect(chunk.json.error?.message).toMatch(/^not enough free disk space to go on receiving a\.gguf/);
  });

  it.skipIf(process.platform !== 'linux' || !existsSync('/dev/full'))('answers a full disk (ENOSPC) with 507 in words the user understands, and removes what arrived', async () => {
    await start();
    const { json } = await begin('notes.txt', 2 * MiB);
    const id = json.upload as string;
    expect((await put(id, 0, Buffer.alloc(MiB))).status).toBe(200);
    // the next write meets a full disk
    rmSync(partialOf(id, 'notes.txt'));
    symlinkSync('/dev/full', partialOf(id, 'notes.txt'));
    const full = await put(id, MiB, Buffer.alloc(MiB));
    expect(full.status).toBe(507);
    expect(full.json.error).toEqual({ message: 'the disk is full: notes.txt could not be stored (nothing of it was kept). Free some disk space, then upload it again', pagiCode: 'RESOURCE_EXHAUSTED' });
    expect(existsSync(join(dataDir, 'tmp', `upload-${id}`))).toBe(false);
  });

  it('takes back a chunk that failed and keeps the upload: that chunk is sent again, and a lost reply is found out', async () => {
    await start();
    const data = Buffer.from('a'.repeat(MiB) + 'b'.repeat(MiB) + 'c'.repeat(10));
    const { json } = await begin('notes.txt', data.length);
    const id = json.upload as string;
    // the very first chunk is cut short: nothing is kept, and it can be sent again
    await call('PUT', `/files/uploads/${id}?offset=0`, (req) => {
      req.setHeader('content-length', MiB);
      req.write(data.subarray(0, 1000), () => setTimeout(() => req.destroy(), 100));
    }).catch(() => undefined);
    await expect.poll(() => !files.receiving(id)?.writing && !existsSync(partialOf(id, 'notes.txt')), { timeout: 5_000 }).toBe(true);
    expect((await put(id, 0, data.subarray(0, MiB))).status).toBe(200);
    // a later one too: the file goes back to the bytes before it
    await call('PUT', `/files/uploads/${id}?offset=${MiB}`, (req) => {
      req.setHeader('content-length', MiB);
      req.write(data.subarray(MiB, MiB + MiB / 2), () => setTimeout(() => req.destroy(), 100));
    }).catch(() => undefined);
    await expect.poll(() => !files.receiving(id)?.writing && statSync(partialOf(id, 'notes.txt')).size === MiB, { timeout: 5_000 }).toBe(true);
    // a client whose reply was lost sends the chunk before again: told where the upload stands
    const stale = await put(id, 0, data.subarray(0, MiB));
    expect(stale.status).toBe(409);
    expect(stale.json.received).toBe(MiB);
    expect((await put(id, MiB, data.subarray(MiB, 2 * MiB))).status).toBe(200);
    const last = await put(id, 2 * MiB, data.subarray(2 * MiB));
    expect(last.json).toEqual({ upload: id, received: data.length, complete: true });
    expect(readFileSync(join(dataDir, 'tmp', `upload-${id}`, 'notes.txt')).equals(data)).toBe(true);
  });

  it('refuses to remove an upload an import is reading (409); removes it once the import is done with it', async () => {
    await start();
    const { json } = await begin('notes.txt', 4);
    const id = json.upload as string;
    expect((await put(id, 0, Buffer.from('abcd'))).json.complete).toBe(true);
    const use = files.takeUpload(id, 'document');
    const refused = await call('DELETE', `/files/uploads/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error?.message).toBe('notes.txt is being imported right now: it cannot be removed until the import ends');
    expect(readFileSync(use.path, 'utf8')).toBe('abcd');
    use.release(false);
    expect((await call('DELETE', `/files/uploads/${id}`)).status).toBe(204);
    expect(existsSync(use.path)).toBe(false);
  });

  it('caps what one client may stage: uploads arriving and held, download tickets, exports being written', async () => {
    await start({ maxReceiving: 2, maxUploads: 3, maxTickets: 2, maxExports: 1 });
    const a = await begin('a.txt', 1);
    const b = await begin('b.txt', 1);
    const third = await begin('c.txt', 1);
    expect(third.status).toBe(429);
    expect(third.json.error?.message).toBe('2 uploads are arriving already: wait for one to finish, or cancel one, before starting c.txt');
    // arrived: no longer arriving, still held until used
    await put(a.json.upload as string, 0, Buffer.from('x'));
    await put(b.json.upload as string, 0, Buffer.from('x'));
    expect((await begin('c.txt', 1)).status).toBe(201);
    const fourth = await begin('d.txt', 1);
    expect(fourth.status).toBe(429);
    expect(fourth.json.error?.message).toMatch(/^3 uploaded files are waiting to be used/);

    const first = files.stageDownload();
    expect(refusal(() => files.stageDownload()).message).toBe('1 exports for download are being written already: wait for them to finish');
    writeFileSync(first.path, 'bundle');
    first.publish('twin.pagi');
    files.downloadTicket(first.id);
    files.downloadTicket(first.id);
    const tooMany = refusal(() => files.downloadTicket(first.id));
    expect(tooMany.code).toBe('RESOURCE_EXHAUSTED');
    expect(tooMany.message).toBe('2 download links are waiting to be used: try again in a minute');
    // a new export supersedes the one never downloaded: one twin's size of disk, not one per click
    const second = files.stageDownload();
    expect(existsSync(first.path)).toBe(false);
    expect(refusal(() => files.downloadTicket(first.id)).code).toBe('NOT_FOUND');
    second.discard();
  });
});
