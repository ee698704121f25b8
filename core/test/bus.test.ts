import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventRouterContract } from '../event-router/common/contract.js';
import { outDir, serviceHostEntry, serviceSpecs } from '../host/installation.js';
import { createBusClient } from '../runtime/common/busClient.js';
import type { Logger } from '../runtime/common/defineService.js';
import { createChildProcessLauncher } from '../runtime/node/childProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { busCounterContract } from '../runtime/node/testing/busCounterService.js';
import { statusOf, waitFor } from './helpers.js';
import { TEST_TWIN_ID } from './serviceModules.js';

const quiet: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function startBus(withCounter: boolean): Promise<Supervisor> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pagi-bus-'));
  const specs = [
    ...serviceSpecs({}).filter((s) => s.id === 'event-router'),
    ...(withCounter ? [{ id: 'test.counter', dependsOn: ['event-router'], modulePath: join(outDir(), 'core', 'runtime', 'node', 'testing', 'busCounterService.js'), config: {} }] : []),
  ];
  const sup = new Supervisor({
    launcher: createChildProcessLauncher({ hostEntry: serviceHostEntry() }),
    specs,
    dataDir,
    twinId: TEST_TWIN_ID,
    logSink: () => undefined,
    policy: { maxRestarts: 1_000, backoffInitialMs: 10, backoffMaxMs: 50 },
  });
  await sup.start();
  cleanup.push(async () => {
    await sup.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return sup;
}

async function killAndWait(sup: Supervisor, id: string): Promise<void> {
  const { pid } = await statusOf(sup, id);
  process.kill(pid as number, 'SIGKILL');
  await waitFor(`${id} to restart`, async () => {
    const s = await statusOf(sup, id);
    return s.state === 'running' && s.pid !== pid;
  }, 5_000, 5);
}

describe('durable bus', () => {
  it('a consumer killed 20 times over 10,000 events sees every event and applies each side effect once', async () => {
    const sup = await startBus(true);
    const bus = createBusClient(sup.client(eventRouterContract), quiet);
    const counter = sup.client(busCounterContract);
    const TOTAL = 10_000;
    const publishing = (async () => {
      for (let i = 0; i < TOTAL; i += 250) {
        await Promise.all(Array.from({ length: 250 }, (_, j) => bus.publish('test.ping', { n: i + j })));
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    let kills = 0;
    while (kills < 20) {
      // kill only while events are flowing to it, so each kill lands mid-stream
      const before = (await counter.counts({}).catch(() => null))?.lastHandled ?? 0;
      await waitFor('the consumer to make progress', async () => ((await counter.counts({}).catch(() => null))?.lastHandled ?? 0) > before || kills >= 20, 10_000, 5);
      await killAndWait(sup, 'test.counter');
      kills++;
    }
    await publishing;
    const final = await waitFor('every event to be handled', async () => {
      const c = await counter.counts({});
      return c.distinct === TOTAL ? c : null;
    }, 60_000, 100);
    expect(final).toMatchObject({ distinct: TOTAL, effects: TOTAL, maxTimes: 1 });
    expect((await statusOf(sup, 'test.counter')).restarts).toBe(20);
    const stats = await sup.client(eventRouterContract).stats({});
    expect(stats.consumers.find((c) => c.consumer === 'test.counter')?.acked).toBe(stats.headOffset);
  });

  it('events acknowledged to a publisher survive kill -9 of the event router', async () => {
    const sup = await startBus(false);
    const bus = createBusClient(sup.client(eventRouterContract), quiet);
    const acked = await Promise.all(Array.from({ length: 2_000 }, (_, n) => bus.publish('test.ping', { n })));
    await killAndWait(sup, 'event-router');
    const read = await sup.client(eventRouterContract).read({ fromOffset: 1, limit: 5_000 });
    const ids = new Set(read.events.map((e) => e.id));
    expect(acked.every((a) => ids.has(a.id))).toBe(true);
    expect(read.events.map((e) => (e.payload as { n: number }).n)).toEqual(Array.from({ length: 2_000 }, (_, n) => n));
  });

  it('a publish retried with the same event id is stored once', async () => {
    const sup = await startBus(false);
    const bus = createBusClient(sup.client(eventRouterContract), quiet);
    const a = await bus.publish('test.ping', { n: 1 }, { id: 'same-id' });
    const b = await bus.publish('test.ping', { n: 1 }, { id: 'same-id' });
    expect(b).toEqual({ ...a, duplicate: true });
    expect((await sup.client(eventRouterContract).stats({})).count).toBe(1);
  });

  it('reconfigure restarts a service with a new config, and puts the old one back when it cannot run with it', async () => {
    const sup = await startBus(true);
    expect(sup.config('test.counter').effective).toEqual({ handlerDelayMs: 0 });
    await sup.reconfigure('test.counter', { handlerDelayMs: 5 });
    expect(sup.config('test.counter')).toEqual({ given: { handlerDelayMs: 5 }, effective: { handlerDelayMs: 5 } });
    const pid = (await statusOf(sup, 'test.counter')).pid;
    await expect(sup.reconfigure('test.counter', { handlerDelayMs: -1 })).rejects.toThrow(/cannot run with these settings \(INVALID_INPUT: .*handlerDelayMs.*\); the previous settings are back in use/);
    const after = await statusOf(sup, 'test.counter');
    expect(after.state).toBe('running');
    expect(after.pid).not.toBe(pid);
    expect(sup.config('test.counter')).toEqual({ given: { handlerDelayMs: 5 }, effective: { handlerDelayMs: 5 } });
    await expect(sup.client(busCounterContract).counts({})).resolves.toMatchObject({ effects: 0 });
  });
});
