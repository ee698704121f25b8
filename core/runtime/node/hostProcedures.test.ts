import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTROL_CHANNEL, HOST_ENDPOINT, type Envelope } from '../common/wire.js';
import { runServiceHost, type ServiceHostHandle } from './serviceHostCore.js';
import echoService from './testing/echoService.js';

const TWIN = '0190a000-0000-7000-8000-0000000000ab';

/** A service host over a bare link: the test plays the supervisor and the other services. */
function hostOverLink(dataDir: string, logLevel = 'info') {
  const sent: Envelope[] = [];
  let deliver: (raw: unknown) => void = () => undefined;
  const waiters: Array<() => void> = [];
  const handle: ServiceHostHandle = runServiceHost({
    pid: 4242,
    backups: false,
    exit: () => undefined,
    loadDefinition: async () => echoService,
    link: {
      send: (env) => {
        sent.push(structuredClone(env));
        for (const w of waiters.splice(0)) w();
      },
      onMessage: (cb) => (deliver = cb),
    },
  });
  const frame = async (match: (env: Envelope) => boolean): Promise<Envelope> => {
    for (;;) {
      const found = sent.find(match);
      if (found) return found;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const answer = (from: string, id: number) => frame((e) => e.c === from && (e.m as { k: string; id: number }).k === 'res' && (e.m as { id: number }).id === id);
  const request = (from: string, id: number, method: string, input: unknown) => deliver({ c: from, m: { k: 'req', id, m: method, a: input } });
  const init = () => deliver({ c: CONTROL_CHANNEL, m: { k: 'init', serviceId: 'test.echo', modulePath: 'unused', config: {}, dataDir, twinId: TWIN, logLevel } });
  const ready = () => frame((e) => e.c === CONTROL_CHANNEL && (e.m as { k: string }).k === 'ready');
  return { sent, handle, answer, request, init, ready, deliver: (raw: unknown) => deliver(raw) };
}

describe('host procedures: $health and $data answer the supervisor only', () => {
  let dataDir: string;
  let host: ReturnType<typeof hostOverLink>;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-hostproc-'));
    host = hostOverLink(dataDir);
  });
  afterEach(() => {
    host.handle.terminate();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a request that comes before the service is ready is held, then answered', async () => {
    host.init();
    host.request(HOST_ENDPOINT, 1, '$health', {});
    const ready = await host.ready();
    const answer = await host.answer(HOST_ENDPOINT, 1);
    expect(host.sent.indexOf(answer)).toBeGreaterThan(host.sent.indexOf(ready));
    expect(answer.m).toMatchObject({ ok: true, v: { health: { ok: true } } });
    expect((answer.m as { v: { rssBytes: number } }).v.rssBytes).toBeGreaterThan(0);
  });

  it.each([
    ['$health', {}],
    ['$data', { op: 'export', dir: 'export-here', include: [] }],
  ])('%s from another service is refused and does nothing', async (method, input) => {
    host.init();
    await host.ready();
    const dir = join(dataDir, 'export-here');
    host.request('memory.episodic', 7, method, method === '$data' ? { ...input, dir } : input);
    const answer = await host.answer('memory.episodic', 7);
    expect(answer.m).toMatchObject({ ok: false, e: { code: 'PERMISSION_DENIED', message: `${method} answers the supervisor only (asked by memory.episodic)` } });
    expect(existsSync(dir)).toBe(false);
  });

  it('the supervisor gets them; $ping and the contract stay open to every caller', async () => {
    host.init();
    await host.ready();
    const dir = join(dataDir, 'export-here');
    host.request(HOST_ENDPOINT, 1, '$data', { op: 'export', dir, include: [] });
    host.request(HOST_ENDPOINT, 2, '$data', { op: 'export', dir: 42 });
    host.request('memory.episodic', 3, '$ping', 'hello');
    host.request('memory.episodic', 4, 'echo', { text: 'hi' });
    expect((await host.answer(HOST_ENDPOINT, 1)).m).toMatchObject({ ok: true, v: [] });
    expect(existsSync(dir)).toBe(true);
    expect((await host.answer(HOST_ENDPOINT, 2)).m).toMatchObject({ ok: false, e: { code: 'INVALID_INPUT' } });
    expect((await host.answer('memory.episodic', 3)).m).toMatchObject({ ok: true, v: 'hello' });
    expect((await host.answer('memory.episodic', 4)).m).toMatchObject({ ok: true, v: { text: 'hi' } });
  });
});

describe('a service host names the frames it drops in its debug log', () => {
  it('an answer no call waits for, and a control frame it does not know', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-hostproc-'));
    const host = hostOverLink(dataDir, 'debug');
    try {
      host.init();
      await host.ready();
      host.deliver({ c: 'memory.episodic', m: { k: 'res', id: 99, ok: true, v: 1 } });
      host.deliver({ c: CONTROL_CHANNEL, m: { k: 'ping', n: 1 } });
      host.request(HOST_ENDPOINT, 1, '$ping', null); // answered after both: the logs are in by then
      await host.answer(HOST_ENDPOINT, 1);
      const logged = host.sent.filter((e) => e.c === CONTROL_CHANNEL && (e.m as { k: string }).k === 'log').map((e) => (e.m as { msg: string }).msg);
      expect(logged).toContain('answer #99 ok dropped: no call waits for it (its deadline passed, or it was cancelled)');
      expect(logged).toContain('unknown control frame "ping" dropped');
    } finally {
      host.handle.terminate();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
