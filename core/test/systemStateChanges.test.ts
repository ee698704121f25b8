import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, type HostClient } from '../host/hostClient.js';
import type { ServiceStateChange } from '../runtime/common/serviceStatus.js';

describe('system.stateChanges: the API follows the supervisor', () => {
  let host: HeadlessHost;
  let dataDir: string;
  let client: HostClient;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-states-'));
    host = await startHeadlessHost({ dataDir });
    client = createHostClient(host);
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a restart streams the service leaving running and coming back, in order', async () => {
    const seen: ServiceStateChange[] = [];
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    const running = new Promise<void>((resolve, reject) => {
      const sub = client.system.stateChanges.subscribe(undefined, {
        onStarted: () => subscribed(),
        onData: (change) => {
          seen.push(change);
          if (change.id === 'emotion' && change.state === 'running') {
            sub.unsubscribe();
            resolve();
          }
        },
        onError: reject,
      });
    });
    await ready;
    // the host registers the listener when the stream's first read begins, a moment after the client
    // sees it open: a restart before that goes unseen, so restart again until one is seen (at most 5)
    let seenOne = false;
    void running.then(() => (seenOne = true));
    for (let tries = 0; tries < 5 && !seenOne; tries++) {
      await client.system.restart.mutate({ id: 'emotion' });
      await Promise.race([running, new Promise((r) => setTimeout(r, 1_000))]);
    }
    await running;
    const states = seen.filter((c) => c.id === 'emotion').map((c) => c.state);
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states[0]).not.toBe('running');
    expect(states.at(-1)).toBe('running');
    for (const c of seen) expect(typeof c.at).toBe('number');
  });

  it('the stream needs the token like every other call', async () => {
    // tRPC answers a subscription's refusal as the stream's first event, then ends it
    const r = await fetch(`http://127.0.0.1:${host.port}/trpc/system.stateChanges`);
    expect(await r.text()).toMatch(/UNAUTHORIZED/);
  });
});
