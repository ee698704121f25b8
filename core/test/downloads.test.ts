import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventRouterContract } from '../event-router/common/contract.js';
import { serviceSpecs } from '../host/installation.js';
import { inferenceContract } from '../inference/common/contract.js';
import type { DownloadRecord } from '../inference/common/download.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { waitFor } from './helpers.js';
import { sendWithRanges } from './rangeResponse.js';
import { loadServiceFromSource, TEST_TWIN_ID } from './serviceModules.js';
import { sharedModel } from './testModel.js';

const modelPath = sharedModel('stories260K.gguf');

/** Serves the tiny model over loopback with range requests; one path drops the connection half-way once, one is slow. */
function modelServer(data: Buffer): Promise<{ server: Server; base: string; ranges: string[] }> {
  const ranges: string[] = [];
  let dropped = false;
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    // accepts the connection and never answers
    if (path.startsWith('/silent')) return;
    if (path === '/reset.gguf') {
      req.socket.destroy();
      return;
    }
    // sends the headers and a first piece, then nothing more
    if (path === '/stall.gguf') {
      res.writeHead(200, { 'content-length': data.length, 'accept-ranges': 'bytes' });
      if (req.method === 'HEAD') res.end();
      else res.write(data.subarray(0, 64 * 1024));
      return;
    }
    if (path === '/notes.gguf') {
      res.writeHead(200, { 'content-length': 64 }).end('x'.repeat(64));
      return;
    }
    ranges.push(`${path} ${req.headers.range ?? '-'}`);
    // the first body request on /drop.gguf breaks off half-way
    const breakHalfWay = path === '/drop.gguf' && !dropped && req.method !== 'HEAD';
    if (breakHalfWay) dropped = true;
    const slow = path === '/slow.gguf';
    sendWithRanges(req, res, data, { chunkBytes: () => (slow ? 4_096 : 64 * 1024), intervalMs: slow ? 20 : 1, breakHalfWay });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ranges })));
}

describe.skipIf(!modelPath)('model downloads', () => {
  let sup: Supervisor;
  let dataDir: string;
  let srv: Awaited<ReturnType<typeof modelServer>>;
  let sha: string;
  beforeAll(async () => {
    const data = readFileSync(modelPath as string);
    sha = createHash('sha256').update(data).digest('hex');
    srv = await modelServer(data);
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-dl-'));
    const specs = serviceSpecs({ inference: { downloadStallSeconds: 2 } }).filter((s) => ['event-router', 'inference'].includes(s.id)); // quiet for 2 s counts as gone (30 s for users)
    sup = new Supervisor({ launcher: createInProcessLauncher(loadServiceFromSource), specs, dataDir, twinId: TEST_TWIN_ID, logSink: () => undefined });
    await sup.start();
  });
  afterAll(async () => {
    await sup?.stop();
    srv?.server.closeAllConnections();
    srv?.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const finished = (id: string): Promise<DownloadRecord> =>
    waitFor(`download ${id}`, async () => {
      const d = await sup.client(inferenceContract).getDownload({ id });
      return d.status === 'downloading' || d.status === 'verifying' ? null : d;
    }, 30_000, 50);
  const staging = (): string[] => (existsSync(join(dataDir, 'models', '.downloads')) ? readdirSync(join(dataDir, 'models', '.downloads')) : []);

  it('downloads with progress, checks size and sha256, and moves the file into place', async () => {
    const inference = sup.client(inferenceContract);
    const started = await inference.download({ url: `${srv.base}/stories.gguf`, sha256: sha });
    expect(started.status).toBe('downloading');
    const done = await finished(started.id);
    expect(done).toMatchObject({ status: 'done', totalBytes: 1_185_376, downloadedBytes: 1_185_376, error: null });
    const model = (await inference.listModels({})).find((m) => m.id === done.modelId);
    expect(model).toMatchObject({ source: 'download', path: join(dataDir, 'models', 'stories.gguf'), metadata: { architecture: 'llama' } });
    expect(createHash('sha256').update(readFileSync(model?.path as string)).digest('hex')).toBe(sha);
    expect(staging()).toEqual([]);
    const { events } = await sup.client(eventRouterContract).read({ fromOffset: 1, limit: 1_000, topics: ['inference.download.progressed', 'inference.download.finished'] });
    const progress = events.filter((e) => e.topic === 'inference.download.progressed').map((e) => e.payload as { downloadedBytes: number; totalBytes: number; bytesPerSecond: number | null });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ downloadedBytes: 1_185_376, totalBytes: 1_185_376 });
    expect(events.at(-1)?.payload).toMatchObject({ id: started.id, status: 'done' });
  });

  it('finishes a download whose connection drops half-way, with the right bytes', async () => {
    const done = await finished((await sup.client(inferenceContract).download({ url: `${srv.base}/drop.gguf`, sha256: sha })).id);
    expect(done).toMatchObject({ status: 'done', error: null });
    expect(srv.ranges.filter((r) => r.startsWith('/drop.gguf')).length).toBeGreaterThan(1); // it asked again for what was missing
  });

  it.each([
    ['a wrong sha256', () => ({ url: `${srv.base}/stories.gguf`, fileName: 'other.gguf', sha256: '0'.repeat(64) }), /sha256 is [0-9a-f]{64}, expected 0{64}: the file is corrupt/],
    ['a file that is not a GGUF', () => ({ url: `${srv.base}/notes.gguf` }), /is not a usable GGUF model/],
  ])('refuses %s, leaving nothing behind', async (_what, input, message) => {
    const before = await sup.client(inferenceContract).listModels({});
    const done = await finished((await sup.client(inferenceContract).download(input())).id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(message);
    expect(await sup.client(inferenceContract).listModels({})).toEqual(before);
    expect(staging()).toEqual([]);
  });

  it('cancels a running download and removes its partial file', async () => {
    const inference = sup.client(inferenceContract);
    const started = await inference.download({ url: `${srv.base}/slow.gguf` });
    await waitFor('some progress', async () => (await inference.getDownload({ id: started.id })).downloadedBytes > 0, 10_000, 20);
    await inference.cancelDownload({ id: started.id });
    expect((await finished(started.id)).status).toBe('cancelled');
    expect(existsSync(join(dataDir, 'models', 'slow.gguf'))).toBe(false);
    expect(staging()).toEqual([]);
  });

  it('a server that accepts and never answers fails the download within the stall time, in words', async () => {
    const started = await sup.client(inferenceContract).download({ url: `${srv.base}/silent.gguf` });
    const done = await finished(started.id);
    expect(done).toMatchObject({ status: 'failed', error: expect.stringMatching(/^127\.0\.0\.1:\d+ did not answer within 2 s: check the internet connection/) as unknown });
    expect(staging()).toEqual([]);
  });

  it('a server that resets the connection fails the download with what happened', async () => {
    const done = await finished((await sup.client(inferenceContract).download({ url: `${srv.base}/reset.gguf` })).id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/closed the connection|did not answer|refused/);
    expect(done.error).not.toMatch(/^fetch failed$/);
    expect(staging()).toEqual([]);
  });

  it('a transfer that stops moving is paused with the reason, and can be resumed or cancelled', async () => {
    const inference = sup.client(inferenceContract);
    const started = await inference.download({ url: `${srv.base}/stall.gguf` });
    const paused = await waitFor('the stall noticed', async () => {
      const d = await inference.getDownload({ id: started.id });
      return d.status === 'paused' ? d : null;
    }, 20_000, 50);
    expect(paused.error).toMatch(/stopped sending for 2 s: check the internet connection, then resume/);
    expect((await inference.cancelDownload({ id: started.id })).status).toBe('cancelled');
    expect(staging()).toEqual([]);
  });

  it('pause and cancel are answered at once while the server has not answered yet', async () => {
    const inference = sup.client(inferenceContract);
    const first = await inference.download({ url: `${srv.base}/silent-1.gguf` });
    const paused = await inference.pauseDownload({ id: first.id });
    expect(paused.status).toBe('paused');
    expect((await inference.cancelDownload({ id: first.id })).status).toBe('cancelled');
    const second = await inference.download({ url: `${srv.base}/silent-2.gguf` });
    await inference.cancelDownload({ id: second.id });
    expect((await finished(second.id)).status).toBe('cancelled');
    expect(staging()).toEqual([]);
  });

  it('lists the catalog with a fit label for each entry, and refuses unknown ids and bad input', async () => {
    const inference = sup.client(inferenceContract);
    const catalog = await inference.catalog({});
    expect(catalog.filter((e) => e.purpose === 'embedding').length).toBeGreaterThanOrEqual(2);
    for (const e of catalog) expect(["fits", 'slow', "won't fit"]).toContain(e.fit.verdict);
    await expect(inference.download({ catalogId: 'no-such-model' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(inference.download({ url: 'ftp://example.com/x.gguf' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/url must be an http\(s\) URL/) });
    await expect(inference.download({ url: `${srv.base}/dir/`, })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/give fileName/) });
  });
});
