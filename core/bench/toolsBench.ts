import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../native/sqlite.js';
import { actuatorContract } from '../actuator/common/contract.js';
import { createAuditLog } from '../actuator/node/auditLog.js';
import { auditMigrations } from '../actuator/node/migrations.js';
import { serviceFolder } from '../contracts/manifest.js';
import type { ServiceDefinition } from '../runtime/common/defineService.js';
import { createChildProcessLauncher } from '../runtime/node/childProcessLauncher.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { migrate } from '../runtime/node/migrations.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import type { Launcher } from '../runtime/common/launcher.js';
import { outDir, serviceHostEntry, serviceSpecs } from '../host/installation.js';

/**
 * `npm run bench:tools`: what the actuator adds to one allowed call of `time.now` (the policy, two
 * appended audit rows, their bus events), through the service over the in-process and child-process
 * launchers; and how long `auditVerify` takes to recompute a 100k-row chain.
 */
const CALLS = 2_000;
const VERIFY_ROWS = 100_000;
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms2 = (n: number): number => Math.round(n * 100) / 100;

async function callOverhead(launcher: Launcher): Promise<{ p50Ms: number; p95Ms: number; calls: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pagi-bench-tools-'));
  const specs = serviceSpecs({}).filter((s) => s.id === 'event-router' || s.id === 'actuator');
  const sup = new Supervisor({ launcher, specs, dataDir, twinId: '0190a000-0000-7000-8000-000000000000', logSink: () => {}, logLevel: 'warn' });
  await sup.start();
  try {
    const actuator = sup.client(actuatorContract);
    for (let i = 0; i < 200; i++) await actuator.invoke({ tool: 'time.now', args: {} }); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      const r = await actuator.invoke({ tool: 'time.now', args: {}, turnId: null });
      samples.push(performance.now() - t);
      if (r.status !== 'ok') throw new Error(`time.now was not allowed: ${JSON.stringify(r)}`);
    }
    samples.sort((a, b) => a - b);
    return { p50Ms: ms2(pct(samples, 50)), p95Ms: ms2(pct(samples, 95)), calls: CALLS };
  } finally {
    await sup.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function verifyTime(rows: number): { rows: number; appendMs: number; verifyMs: number; ok: boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'pagi-bench-audit-'));
  const db = openDatabase(join(dir, 'audit.db'));
  try {
    migrate(db, auditMigrations, 'audit.db');
    const log = createAuditLog(db);
    const t0 = performance.now();
    db.transaction(() => {
      for (let i = 0; i < rows; i += 2) {
        const r = log.append({ kind: 'request', tool: 'files.read', caller: 'executive', args: JSON.stringify({ path: `notes/day-${i}.md` }), decision: 'allowed', turnId: '0190a000-0000-7000-8000-00000000beef' });
        log.append({ kind: 'outcome', refSeq: r.seq, tool: 'files.read', caller: '$actuator', outcome: 'ok', resultBytes: 1_234, durationMs: 2 });
      }
    })();
    const appendMs = performance.now() - t0;
    const t1 = performance.now();
    const v = createAuditLog(db).verify();
    return { rows: v.rows, appendMs: Math.round(appendMs), verifyMs: Math.round(performance.now() - t1), ok: v.ok };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const load = async (id: string): Promise<ServiceDefinition> =>
    ((await import(join(outDir(), 'core', serviceFolder(id), 'node', 'service.js'))) as { default: ServiceDefinition }).default;
  const inProcess = await callOverhead(createInProcessLauncher(load));
  const child = await callOverhead(createChildProcessLauncher({ hostEntry: serviceHostEntry() }));
  const verify = verifyTime(VERIFY_ROWS);

  const rows: Array<[string, string, string]> = [
    [`allowed time.now, in-process (${inProcess.calls} calls) p50 / p95`, `${inProcess.p50Ms} ms / ${inProcess.p95Ms} ms`, 'p50 ≤ 5 ms'],
    [`allowed time.now, child process (${child.calls} calls) p50 / p95`, `${child.p50Ms} ms / ${child.p95Ms} ms`, 'p50 ≤ 5 ms'],
    [`auditVerify over ${verify.rows.toLocaleString('en')} rows`, `${verify.verifyMs} ms${verify.ok ? '' : ' (BROKEN)'}`, '≤ 2,000 ms'],
    [`append ${verify.rows.toLocaleString('en')} rows (one transaction)`, `${verify.appendMs} ms`, '-'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`${'measure'.padEnd(w0)}  ${'result'.padEnd(w1)}  target`);
  for (const r of rows) console.log(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);

  const result = { date: new Date().toISOString(), machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', ramGB: Math.round(totalmem() / 2 ** 30), node: process.version }, call: { inProcess, childProcess: child }, verify };
  const dir = join(outDir(), 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tools.json'), JSON.stringify(result, null, 2));
  console.log(`\nwrote ${join(dir, 'tools.json')}`);
}

await main();
