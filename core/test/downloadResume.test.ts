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

describe('a download interrupted by a crash of the inference service', () => {
  it('resumes after the restart, fetching only what was missing, and ends with the right file', async () => {
    const data = syntheticGguf(12 * 1024 * 1024);
    const sha = createHash('sha256').update(data).digest('hex');
    let killed = false;
    const rangesAfterKill: string[] = [];
    const server = createServer((req, res) => {
      if (killed) rangesAfterKill.push(req.headers.range ?? '-');
      // the first part arrives quickly and the rest slowly, so the crash lands with one part complete
      const firstPart = req.headers.range === undefined || /^bytes=0-/.test(req.headers.range);
      sendWithRanges(req, res, data, { chunkBytes: () => (killed || firstPart ? 1 << 20 : 32 * 1024), intervalMs: 20 });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-dl-resume-'));
    const host = await startHeadlessHost({ dataDir });
    try {
      const inference = host.supervisor.client(inferenceContract);
      const started = await inference.download({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.gguf`, sha256: sha });
      // wait until a first part is complete on disk, then crash the service
      await waitFor('a first part', async () => (await inference.getDownload({ id: started.id })).downloadedBytes > 5.5 * 1024 * 1024, 30_000, 50);
      const pid = (await statusOf(host.supervisor, 'inference')).pid as number;
      killed = true;
      process.kill(pid, 'SIGKILL');
      await waitFor('inference to restart', async () => (await statusOf(host.supervisor, 'inference')).pid !== pid && (await statusOf(host.supervisor, 'inference')).state === 'running', 5_000);
      const done = await waitFor('the resumed download', async () => {
        const d = await inference.getDownload({ id: started.id });
        return d.status === 'downloading' || d.status === 'verifying' ? null : d;
      }, 30_000, 100);
      expect(done).toMatchObject({ status: 'done', error: null });
      // only the missing parts were asked for again (the downloader's first request only learns the size)
      const asked = rangesAfterKill.map((r) => /bytes=(\d+)-(\d+)/.exec(r)).filter((m): m is RegExpExecArray => m !== null).reduce((sum, m) => sum + Number(m[2]) - Number(m[1]) + 1, 0);
      expect(asked, JSON.stringify(rangesAfterKill)).toBeGreaterThan(0);
      expect(asked, JSON.stringify(rangesAfterKill)).toBeLessThan(data.length);
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
    let paused = false;
    const rangesAfterPause: string[] = [];
    const server = createServer((req, res) => {
      if (paused) rangesAfterPause.push(req.headers.range ?? '-');
      // the downloader keeps progress in parts of 5 MiB: the first arrives quickly, the rest slowly, so the pause lands with one part complete
      const firstPart = req.headers.range === undefined || /^bytes=0-/.test(req.headers.range);
      sendWithRanges(req, res, data, { chunkBytes: () => (paused || firstPart ? 1 << 20 : 32 * 1024), intervalMs: 20 });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/paused.gguf`;
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-dl-pause-'));
    const host = await startHeadlessHost({ dataDir });
    try {
      const inference = host.supervisor.client(inferenceContract);
      const started = await inference.download({ url, sha256: sha });
      await waitFor('a first part', async () => (await inference.getDownload({ id: started.id })).downloadedBytes > 5.5 * 1024 * 1024, 30_000, 50);
      const p = await inference.pauseDownload({ id: started.id });
      paused = true;
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
      const asked = rangesAfterPause.map((r) => /bytes=(\d+)-(\d+)/.exec(r)).filter((m): m is RegExpExecArray => m !== null).reduce((sum, m) => sum + Number(m[2]) - Number(m[1]) + 1, 0);
      expect(asked, JSON.stringify(rangesAfterPause)).toBeLessThan(data.length);
      const model = (await inference.listModels({})).find((m) => m.id === done.modelId);
      expect(createHash('sha256').update(readFileSync(model?.path as string)).digest('hex')).toBe(sha);
      await expect(inference.resumeDownload({ id: started.id })).rejects.toThrow(/is done: only a paused download can be resumed/);
      await expect(inference.pauseDownload({ id: 'no-such-download' })).rejects.toThrow(/no download/);

      // a paused download that is cancelled leaves nothing behind
      paused = false;
      const second = await inference.download({ url, sha256: sha });
      await waitFor('some bytes', async () => (await inference.getDownload({ id: second.id })).downloadedBytes > 0, 30_000, 50);
      await inference.pauseDownload({ id: second.id });
      expect((await inference.cancelDownload({ id: second.id })).status).toBe('cancelled');
      expect(existsSync(join(dataDir, 'models', '.downloads', second.id))).toBe(false);
    } finally {
      await host.stop();
      server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
