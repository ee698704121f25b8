import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PagiError } from '../../contracts/errors.js';
import type { LogEntry, ServiceState, ServiceStateChange } from '../common/serviceStatus.js';
import { createInProcessLauncher } from './inProcessLauncher.js';
import { Supervisor, type SupervisorPolicy } from './supervisor.js';
import { createControlledLauncher } from './testing/controlledLauncher.js';
import echoService, { echoContract } from './testing/echoService.js';

const TWIN = '0190a000-0000-7000-8000-0000000000ac';
const ID = 'test.echo';

describe('the supervisor over the in-process launcher', () => {
  let dataDir: string;
  let control: ReturnType<typeof createControlledLauncher>;
  let sup: Supervisor;
  let changes: ServiceStateChange[];
  let logs: LogEntry[];

  const supervise = (policy: Partial<SupervisorPolicy>, logLevel = 'info'): Supervisor => {
    control = createControlledLauncher(createInProcessLauncher(async () => echoService));
    sup = new Supervisor({ launcher: control.launcher, specs: [{ id: ID, dependsOn: [], modulePath: 'unused' }], dataDir, twinId: TWIN, logSink: (e) => logs.push(e), logLevel, policy });
    sup.onStateChange((c) => changes.push(c));
    return sup;
  };
  /** Resolves at the next change of the service into `state` (never on one already told). */
  const reaches = (state: ServiceState): Promise<ServiceStateChange> =>
    new Promise((resolve) => {
      const off = sup.onStateChange((c) => {
        if (c.state !== state) return;
        off();
        resolve(c);
      });
    });
  const told = () => changes.map(({ id, state, restarts, lastError }) => ({ id, state, restarts, lastError }));

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-supervisor-'));
    changes = [];
    logs = [];
  });
  afterEach(async () => {
    await sup.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tells each state change of a start, a crash and its restart, and a stop, in order', async () => {
    supervise({ backoffInitialMs: 1, healthIntervalMs: 60_000 });
    await sup.start();
    const running = reaches('running');
    control.kill(ID);
    await running;
    expect(await sup.client(echoContract).echo({ text: 'back' })).toEqual({ text: 'back' });
    await sup.stop();
    expect(told()).toEqual([
      { id: ID, state: 'starting', restarts: 0, lastError: null },
      { id: ID, state: 'running', restarts: 0, lastError: null },
      { id: ID, state: 'restarting', restarts: 1, lastError: 'exited with signal SIGKILL' },
      { id: ID, state: 'running', restarts: 1, lastError: 'exited with signal SIGKILL' },
      { id: ID, state: 'stopping', restarts: 1, lastError: 'exited with signal SIGKILL' },
      { id: ID, state: 'stopped', restarts: 1, lastError: 'exited with signal SIGKILL' },
    ]);
    for (const c of changes) expect(c.at).toBeTypeOf('number');
  });

  it('a listener that throws is logged; the others are still told and the services still run', async () => {
    supervise({ healthIntervalMs: 60_000 });
    sup.onStateChange(() => {
      throw new Error('a broken listener');
    });
    const unsubscribed: ServiceStateChange[] = [];
    const off = sup.onStateChange((c) => unsubscribed.push(c));
    await sup.start();
    off();
    await sup.stop();
    expect(told().map((c) => c.state)).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(unsubscribed.map((c) => c.state)).toEqual(['starting', 'running']);
    expect(logs.filter((l) => l.level === 'warn' && l.msg === 'a state-change listener failed: a broken listener')).toHaveLength(4);
  });

  it('health pings bring the memory figures; a process that leaves two unanswered is killed and restarted', async () => {
    supervise({ backoffInitialMs: 1, healthIntervalMs: 150 });
    await sup.start();
    const [pinged] = await sup.status({ refresh: true });
    expect(pinged).toMatchObject({ state: 'running', healthy: true });
    expect(pinged?.rssBytes).toBeGreaterThan(0);
    const restarting = reaches('restarting');
    const runningAgain = reaches('running');
    control.freeze(ID);
    expect(await restarting).toMatchObject({ restarts: 1, lastError: 'did not answer 2 health pings in a row (150 ms apart)' });
    await runningAgain;
    expect(await sup.client(echoContract).echo({ text: 'alive' })).toEqual({ text: 'alive' });
  });

  it('a data request in flight fails at once when its service dies, saying how', async () => {
    supervise({ backoffInitialMs: 1, healthIntervalMs: 60_000 });
    await sup.start();
    control.freeze(ID); // the request reaches a process that will never answer it
    const request = sup.dataRequest(ID, { op: 'export', dir: join(dataDir, 'export'), include: [] }, 10 * 60_000);
    control.kill(ID);
    const err = await request.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PagiError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: `${ID} exited with signal SIGKILL while working on a twin bundle` });
  });

  it('a data request to a service that is not running is refused; one to a running service is answered', async () => {
    supervise({ healthIntervalMs: 60_000 });
    await expect(sup.dataRequest(ID, { op: 'export', dir: join(dataDir, 'x'), include: [] })).rejects.toThrow(`${ID} is stopped: it must run to export or import a twin`);
    await sup.start();
    expect(await sup.dataRequest(ID, { op: 'export', dir: join(dataDir, 'x'), include: [] })).toEqual([]);
  });

  it('names the frames it refuses or drops in its debug log', async () => {
    supervise({ healthIntervalMs: 60_000 }, 'debug');
    await sup.start();
    await sup.stop();
    const err = await sup.client(echoContract).echo({ text: 'anyone?' }, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: `${ID} is stopped` });
    expect(logs.filter((l) => l.level === 'debug').map((l) => l.msg)).toContainEqual(
      expect.stringMatching(/^switchboard: request #\d+ test\.echo\.echo \(deadline in 5\.0 s\) from \$host refused: test\.echo is stopped$/),
    );
  });
});
