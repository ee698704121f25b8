import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WatchNotice } from '../api/watchNotices.js';
import { eventRouterContract } from '../event-router/common/contract.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, type HostClient } from '../host/hostClient.js';
import { statusOf, waitFor } from './helpers.js';

describe('events.watch: one stream for what changed', () => {
  let host: HeadlessHost;
  let dataDir: string;
  let client: HostClient;
  const notices: WatchNotice[] = [];
  let unsubscribe: () => void = () => undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-watch-'));
    host = await startHeadlessHost({ dataDir });
    client = createHostClient(host);
    const sub = client.events.watch.subscribe(undefined, { onData: ({ data }) => notices.push(data), onError: () => undefined });
    unsubscribe = () => sub.unsubscribe();
    // the first notice says the stream runs: what happens after it is told
    await waitFor('the ready notice', () => notices.some((n) => n.kind === 'ready'));
  });
  afterAll(async () => {
    unsubscribe();
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a crash is told as it happens and is written to the event log, and so is the restart', async () => {
    const before = await statusOf(host.supervisor, 'perception');
    process.kill(before.pid as number, 'SIGKILL');
    const crash = await waitFor('the crash notice', () => notices.find((n) => n.kind === 'service' && n.change.id === 'perception' && n.change.ended?.asked === false));
    expect(crash).toMatchObject({ kind: 'service', change: { state: 'restarting', restarts: 1, ended: { how: 'exited with signal SIGKILL' } } });
    await waitFor('perception running again', () => notices.some((n) => n.kind === 'service' && n.change.id === 'perception' && n.change.state === 'running'));
    const log = await waitFor('the crash and restart in the log', async () => {
      const { events } = await client.system.events.query({ fromOffset: 1, limit: 1_000 });
      const rows = events.filter((e) => e.topic.startsWith('service.') && (e.payload as { service: string }).service === 'perception');
      return rows.length >= 2 ? rows : null;
    });
    expect(log.map((e) => e.topic)).toEqual(['service.crashed', 'service.restarted']);
    expect(log[0]?.payload).toEqual({ service: 'perception', how: 'exited with signal SIGKILL', restarts: 1, next: 'restart' });
    // each row is also a notice, for the log's view
    await waitFor('the log rows as notices', () => notices.some((n) => n.kind === 'event' && n.topic === 'service.restarted'));
  });

  it('an event becomes a notice naming what to show again, with its offset', async () => {
    await client.twin.update.mutate({ name: 'Watched' });
    const n = await waitFor('twin.updated as a notice', () => notices.find((x) => x.kind === 'event' && x.topic === 'twin.updated'));
    expect(n).toMatchObject({ kind: 'event', areas: ['twin'] });
    if (n.kind === 'event') expect(n.offset).toBeGreaterThan(0);
  });

  it('a crash of the event router itself is recorded once it runs again', async () => {
    const router = await statusOf(host.supervisor, 'event-router');
    process.kill(router.pid as number, 'SIGKILL');
    await waitFor('event-router running again', async () => (await statusOf(host.supervisor, 'event-router')).state === 'running' && (await statusOf(host.supervisor, 'event-router')).pid !== router.pid, 20_000);
    const rows = await waitFor('its crash in the log', async () => {
      const { events } = await host.supervisor.client(eventRouterContract).read({ fromOffset: 1, limit: 1_000, topics: ['service.crashed'] });
      return events.find((e) => (e.payload as { service: string }).service === 'event-router');
    }, 20_000);
    expect(rows.payload).toMatchObject({ service: 'event-router', next: 'restart' });
    // the stream follows the restarted log: a new event still arrives as a notice
    await host.supervisor.client(eventRouterContract).publishBatch({ events: [{ id: 'watch-after-restart', topic: 'test.ping', payload: { n: 1 } }] });
    await waitFor('an event after the restart', () => notices.some((n) => n.kind === 'event' && n.topic === 'test.ping'), 15_000);
  });

  it('the stream needs the token like every other call', async () => {
    const r = await fetch(`http://127.0.0.1:${host.port}/trpc/events.watch`);
    expect(await r.text()).toMatch(/UNAUTHORIZED/);
  });
});
