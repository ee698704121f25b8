import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHeadlessHost } from '../host/headlessHost.js';
import { inferenceContract } from '../inference/common/contract.js';
import { statusOf, waitFor } from './helpers.js';
import { sendWithRanges } from './rangeResponse.js';

/** A structurally valid GGUF of about `bytes` (one F32 tensor), enough for the pre-check; never loaded. */
function syntheticGguf(bytes: number): Buffer {
  const u32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const u64 = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; };
  const elements = Math.floor((bytes - 128) / 4);
  const header = Buffer.concat([Buffer.from('GGUF'), u32(3), u64(1n), u64(0n), u64(2n), Buffer.from('t0'), u32(1), u64(BigInt(elements)), u32(0), u64(0n)]);
  const pad = Buffer.alloc((32 - (header.length % 32)) % 32);
  const data = Buffer.alloc(elements * 4);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) % 251; // not all zeros, so a wrong offset shows in the checksum
  return Buffer.concat([header, pad, data]);
}

/**
 * A loopback file server for a download that is cut off: the downloader keeps progress in parts of
 * 5 MiB; the first part arrives quickly and the rest slowly (so the cut lands with one part
 * complete), until `cut()`, after which every range asked for is recorded and served quickly.
 */
async function serveInParts(data: Buffer, name: string): Promise<{ url: string; cut(): void; rangesAfterCut: string[]; close(): void }> {
  let cut = false;
  const rangesAfterCut: string[] = [];
  const server = createServer((req, res) => {
    if (cut) rangesAfterCut.push(req.headers.range ?? '-');
    const firstPart = req.headers.range === undefined || /^bytes=0-/.test(req.headers.range);
    sendWithRanges(req, res, data, { chunkBytes: () => (cut || firstPart ? 1 << 20 : 32 * 1024), intervalMs: 20 });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/${name}`, cut: () => void (cut = true), rangesAfterCut, close: () => server.close() };
}

/** Bytes asked for by the ranges (the downloader's first request only learns the size). */
const bytesAsked = (ranges: string[]): number =>
  ranges.map((r) => /bytes=(\d+)-(\d+)/.exec(r)).filter((m): m is RegExpExecArray => m !== null).reduce((sum, m) => sum + Number(m[2]) - Number(m[1]) + 1, 0);

describe('a download interrupted by a crash of the inference service', () => {
  it('resumes after the restart, fetching only what was missing, and ends with the right file', async () => {
    const data = syntheticGguf(12 * 1024 * 1024);
    const sha = createHash('sha256').update(data).digest('hex');
    const server = await serveInParts(data, 'big.gguf');
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-dl-resume-'));
    const host = await startHeadlessHost({ dataDir });
    try {
      const inference = host.supervisor.client(inferenceContract);
      const started = await inference.download({ url: server.url, sha256: sha });
      // wait until a first part is complete on disk, then crash the service
      await waitFor('a first part', async () => (await inference.getDownload({ id: started.id })).downloadedBytes > 5.5 * 1024 * 1024, 30_000, 50);
      const pid = (await statusOf(host.supervisor, 'inference')).pid as number;
      server.cut();
      process.kill(pid, 'SIGKILL');
      await waitFor('inference to restart', async () => (await statusOf(host.supervisor, 'inference')).pid !== pid && (await statusOf(host.supervisor, 'inference')).state === 'running', 5_000);
      const done = await waitFor('the resumed download', async () => {
        const d = await inference.getDownload({ id: started.id });
        return d.status === 'downloading' || d.status === 'verifying' ? null : d;
      }, 30_000, 100);
      expect(done).toMatchObject({ status: 'done', error: null });
      // only the missing parts were asked for again (the downloader's first request only learns the size)
      const asked = bytesAsked(server.rangesAfterCut);
      expect(asked, JSON.stringify(server.rangesAfterCut)).toBeGreaterThan(0);
      expect(asked, JSON.stringify(server.rangesAfterCut)).toBeLessThan(data.length);
      const model = (await inference.listModels({})).find((m) => m.id === done.modelId);
      expect(createHash('sha256').update(readFileSync(model?.path as string)).digest('hex')).toBe(sha);
    } finally {
      await host.stop();
      server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('pausing and resuming a download', () => {
  it('keeps what arrived while paused, fetches only the rest on resume, and refuses what makes no sense', { timeout: 90_000 }, async () => {
    const data = syntheticGguf(12 * 1024 * 1024);
    const sha = createHash('sha256').update(data).digest('hex');
    const server = await serveInParts(data, 'paused.gguf');
    const url = server.url;
    const servers = [server];
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-dl-pause-'));
    const host = await startHeadlessHost({ dataDir });
    try {
      const inference = host.supervisor.client(inferenceContract);
      const started = await inference.download({ url, sha256: sha });
      await waitFor('a first part', async () => (await inference.getDownload({ id: started.id })).downloadedBytes > 5.5 * 1024 * 1024, 30_000, 50);
      const p = await inference.pauseDownload({ id: started.id });
      server.cut();
      expect(p).toMatchObject({ status: 'paused', finishedAt: null, bytesPerSecond: null });
      expect(p.downloadedBytes).toBeGreaterThan(0);
      expect(existsSync(join(dataDir, 'models', '.downloads', started.id))).toBe(true);
      await expect(inference.pauseDownload({ id: started.id })).rejects.toThrow(/is paused: only a running download can be paused/);
      await new Promise((r) => setTimeout(r, 300));
      expect((await inference.getDownload({ id: started.id })).status).toBe('paused');

      expect((await inference.resumeDownload({ id: started.id })).status).toBe('downloading');
      const done = await waitFor('the resumed download', async () => {
        const d = await inference.getDownload({ id: started.id });
        return d.status === 'downloading' || d.status === 'verifying' ? null : d;
      }, 30_000, 100);
      expect(done).toMatchObject({ status: 'done', error: null });
      expect(bytesAsked(server.rangesAfterCut), JSON.stringify(server.rangesAfterCut)).toBeLessThan(data.length);
      const model = (await inference.listModels({})).find((m) => m.id === done.modelId);
      expect(createHash('sha256').update(readFileSync(model?.path as string)).digest('hex')).toBe(sha);
      await expect(inference.resumeDownload({ id: started.id })).rejects.toThrow(/is done: only a paused download can be resumed/);
      await expect(inference.pauseDownload({ id: 'no-such-download' })).rejects.toThrow(/no download/);

      // a paused download that is cancelled leaves nothing behind
      const slow = await serveInParts(data, 'second.gguf');
      servers.push(slow);
      const second = await inference.download({ url: slow.url, sha256: sha });
      await waitFor('some bytes', async () => (await inference.getDownload({ id: second.id })).downloadedBytes > 0, 30_000, 50);
      await inference.pauseDownload({ id: second.id });
      expect((await inference.cancelDownload({ id: second.id })).status).toBe('cancelled');
      expect(existsSync(join(dataDir, 'models', '.downloads', second.id))).toBe(false);
    } finally {
      await host.stop();
      for (const x of servers) x.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
