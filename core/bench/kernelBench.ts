import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createBusClient } from '../runtime/common/busClient.js';
import { busContract } from '../runtime/common/busContract.js';
import type { Logger } from '../runtime/common/defineService.js';
import type { Launcher } from '../runtime/common/launcher.js';
import { createChildProcessLauncher } from '../runtime/node/childProcessLauncher.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { startHeadlessHost } from '../host/headlessHost.js';
import { outDir, serviceHostEntry, serviceSpecs } from '../host/installation.js';

/**
 * `npm run bench:kernel`: RPC hop latency (in-process and child-process), durable bus throughput
 * and publish-to-deliver latency, time from serve to all services ready, idle RSS per process.
 */
const quiet: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const us = (ms: number): number => Math.round(ms * 1000 * 10) / 10;

async function withSupervisor<T>(launcher: Launcher, ids: string[], fn: (s: Supervisor) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pagi-bench-'));
  const specs = serviceSpecs({}).filter((s) => ids.includes(s.id));
  const sup = new Supervisor({ launcher, specs, dataDir, twinId: '0190a000-0000-7000-8000-000000000000', logSink: () => {}, logLevel: 'warn' });
  await sup.start();
  try {
    return await fn(sup);
  } finally {
    await sup.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function hopLatency(launcher: Launcher, n: number): Promise<{ p50Us: number; p99Us: number; n: number }> {
  return withSupervisor(launcher, ['perception'], async (sup) => {
    for (let i = 0; i < 500; i++) await sup.call('perception', '$ping', i); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await sup.call('perception', '$ping', i);
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return { p50Us: us(pct(samples, 50)), p99Us: us(pct(samples, 99)), n };
  });
}

async function busBench(events: number): Promise<{ eventsPerSecond: number; events: number; deliverP50Ms: number; deliverP99Ms: number }> {
  return withSupervisor(createChildProcessLauncher({ hostEntry: serviceHostEntry() }), ['event-router'], async (sup) => {
    const bus = createBusClient(sup.client(busContract), quiet);
    const t0 = performance.now();
    const inFlight: Array<Promise<unknown>> = [];
    for (let i = 0; i < events; i++) {
      inFlight.push(bus.publish('test.ping', { n: i }));
      if (inFlight.length >= 2_000) await Promise.all(inFlight.splice(0));
    }
    await Promise.all(inFlight);
    const eventsPerSecond = Math.round(events / ((performance.now() - t0) / 1000));

    // latency: paced publishes, each timed from publish call to delivery to a subscriber
    const sent = new Map<number, number>();
    const latencies: number[] = [];
    const total = 500;
    let done!: () => void;
    const allDelivered = new Promise<void>((r) => (done = r));
    const sub = bus.subscribe({
      consumer: 'bench',
      topics: ['test.ping'],
      fromOffset: events + 1,
      handler: (e) => {
        const n = (e.payload as { n: number }).n;
        const at = sent.get(n);
        if (at !== undefined) latencies.push(performance.now() - at);
        if (latencies.length === total) done();
      },
    });
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < total; i++) {
      sent.set(events + i, performance.now());
      void bus.publish('test.ping', { n: events + i });
      await new Promise((r) => setTimeout(r, 2));
    }
    await allDelivered;
    sub.close();
    latencies.sort((a, b) => a - b);
    return { eventsPerSecond, events, deliverP50Ms: Math.round(pct(latencies, 50) * 100) / 100, deliverP99Ms: Math.round(pct(latencies, 99) * 100) / 100 };
  });
}

/** Proportional set size (shared pages split among the processes that map them), Linux only. */
function pssMB(pid: number): number | null {
  const f = `/proc/${pid}/smaps_rollup`;
  if (!existsSync(f)) return null;
  const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(f, 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

async function serveBench(): Promise<{ readyMs: number; rss: Array<{ process: string; rssMB: number; pssMB: number | null }>; totalRssMB: number; totalPssMB: number | null }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pagi-bench-serve-'));
  const host = await startHeadlessHost({ dataDir });
  try {
    await new Promise((r) => setTimeout(r, 3_000)); // settle to idle
    const status = await host.supervisor.status({ refresh: true });
    const rss = [
      { process: 'host', rssMB: round1(process.memoryUsage.rss() / 2 ** 20), pssMB: pssMB(process.pid) },
      ...status.map((s) => ({ process: s.id, rssMB: round1((s.rssBytes ?? 0) / 2 ** 20), pssMB: s.pid ? pssMB(s.pid) : null })),
    ].map((r) => ({ ...r, pssMB: r.pssMB === null ? null : round1(r.pssMB) }));
    const pss = rss.every((r) => r.pssMB !== null) ? Math.round(rss.reduce((a, r) => a + (r.pssMB ?? 0), 0)) : null;
    return { readyMs: Math.round(host.readyMs), rss, totalRssMB: Math.round(rss.reduce((a, r) => a + r.rssMB, 0)), totalPssMB: pss };
  } finally {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { default: perception } = await import('../perception/node/service.js');
  const inProcess = await hopLatency(createInProcessLauncher(async () => perception as never), 5_000);
  const child = await hopLatency(createChildProcessLauncher({ hostEntry: serviceHostEntry() }), 5_000);
  const bus = await busBench(20_000);
  const serve = await serveBench();

  const rows: Array<[string, string, string]> = [
    ['RPC hop p50 / p99 (in-process)', `${inProcess.p50Us} µs / ${inProcess.p99Us} µs`, '-'],
    ['RPC hop p50 / p99 (child process)', `${child.p50Us} µs / ${child.p99Us} µs`, 'p50 ≤ 150 µs'],
    ['durable bus throughput', `${bus.eventsPerSecond} events/s`, '≥ 20,000 events/s'],
    ['publish → deliver p50 / p99', `${bus.deliverP50Ms} ms / ${bus.deliverP99Ms} ms`, '-'],
    ['serve → all 14 services ready', `${serve.readyMs} ms`, '≤ 3,000 ms'],
    ['idle memory, all 15 processes: PSS', serve.totalPssMB === null ? 'n/a (not Linux)' : `${serve.totalPssMB} MB`, '≤ 800 MB (see docs/decisions/0002)'],
    ['idle memory, all 15 processes: RSS sum', `${serve.totalRssMB} MB`, 'counts shared pages 15 times'],
    ...serve.rss.map((r): [string, string, string] => [`  ${r.process}`, `RSS ${r.rssMB} MB · PSS ${r.pssMB ?? 'n/a'} MB`, '']),
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`${'measure'.padEnd(w0)}  ${'result'.padEnd(w1)}  target`);
  for (const r of rows) console.log(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);

  const result = { date: new Date().toISOString(), machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', ramGB: Math.round(totalmem() / 2 ** 30), node: process.version }, hop: { inProcess, childProcess: child }, bus, serve };
  const dir = join(outDir(), 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(result, null, 2));
  console.log(`\nwrote ${join(dir, 'kernel.json')}`);
}

await main();
