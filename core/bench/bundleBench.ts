import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startHeadlessHost } from '../host/headlessHost.js';
import { outDir } from '../host/installation.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { semanticMemoryContract } from '../memory-semantic/common/contract.js';
import { createSyntheticText } from './syntheticText.js';

/**
 * `npm run bench:bundles`: export and import speed (MB/s of database data) and the peak resident
 * memory of each process taking part, for a twin with 100k episodes (`--quick`: 10k;
 * `--episodes=600000` makes a twin of about 1 GB). Export and
 * import run as `pagi export` / `pagi import` in their own processes; peaks are read from
 * /proc/<pid>/status (VmHWM) of the CLI and its service processes while they run (Linux).
 */

const CLI = join(outDir(), '..', 'bin', 'pagi.js');

function childrenOf(pid: number): number[] {
  if (!existsSync('/proc')) return [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}
const peakKb = (pid: number): number => {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/** Runs the CLI, sampling the peak RSS of it and its children every 50 ms. */
async function measured(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; hostPeakMB: number | null; servicePeakMB: number | null; stdout: string }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  const peaks = new Map<number, number>();
  const timer = setInterval(() => {
    if (!child.pid) return;
    for (const pid of [child.pid, ...childrenOf(child.pid)]) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, peakKb(pid)));
  }, 50);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  clearInterval(timer);
  if (code !== 0) throw new Error(`pagi ${args.join(' ')} exited with ${code}`);
  const host = child.pid ? peaks.get(child.pid) ?? 0 : 0;
  const services = [...peaks].filter(([pid]) => pid !== child.pid).map(([, kb]) => kb);
  return { ms: performance.now() - t0, hostPeakMB: host ? Math.round(host / 1024) : null, servicePeakMB: services.length ? Math.round(Math.max(...services) / 1024) : null, stdout };
}

async function populate(dataDir: string, episodes: number): Promise<number> {
  const host = await startHeadlessHost({ dataDir });
  try {
    const text = createSyntheticText(11);
    const episodic = host.supervisor.client(episodicMemoryContract);
    const start = Date.UTC(2025, 0, 1);
    for (let i = 0; i < episodes; i += 2_000) {
      const batch = Array.from({ length: Math.min(2_000, episodes - i) }, (_, j) => ({
        sessionId: `s${Math.floor((i + j) / 40)}`, actor: (i + j) % 2 ? 'Twin' : 'user', kind: 'message' as const,
        text: text.sentence(12, 40), time: new Date(start + (i + j) * 60_000).toISOString(), mood: null, importance: 0.5, ref: null,
      }));
      await episodic.storeMany({ episodes: batch, by: 'import' });
      process.stderr.write(`\rpopulating: ${Math.min(i + 2_000, episodes)} / ${episodes}`);
    }
    for (let i = 0; i < 500; i++) await host.supervisor.client(semanticMemoryContract).addFact({ text: text.sentence(6, 14), by: 'user' });
    process.stderr.write('\n');
    return readdirSync(join(dataDir, 'twins', host.twinId)).filter((f) => f.endsWith('.db') && f !== 'models.db' && f !== 'events.db')
      .reduce((sum, f) => sum + statSync(join(dataDir, 'twins', host.twinId, f)).size, 0);
  } finally {
    await host.stop();
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const given = process.argv.find((a) => a.startsWith('--episodes='))?.slice('--episodes='.length);
  const episodes = given ? Number(given) : quick ? 10_000 : 100_000;
  if (!Number.isInteger(episodes) || episodes < 1_000) throw new Error('--episodes=N needs a whole number of at least 1000');
  const root = mkdtempSync(join(tmpdir(), 'pagi-bench-bundles-'));
  try {
    const source = join(root, 'source');
    const dataBytes = await populate(source, episodes);
    const mb = dataBytes / 1e6;
    const rows: Array<Record<string, unknown>> = [];
    const pass = { PAGI_BUNDLE_PASSPHRASE: 'benchmark passphrase' };
    for (const encrypted of [false, true]) {
      const file = join(root, `twin${encrypted ? '-encrypted' : ''}.pagi`);
      const exp = await measured(['export', '--out', file, '--json', '--data-dir', source, ...(encrypted ? ['--encrypt'] : [])], encrypted ? pass : {});
      const target = join(root, `target-${encrypted ? 'e' : 'p'}`);
      const imp = await measured(['import', file, '--as', 'clone', '--json', '--data-dir', target], encrypted ? pass : {});
      const label = encrypted ? 'encrypted' : 'plain';
      rows.push({ operation: `export (${label})`, 'data MB': +mb.toFixed(1), 'file MB': +(statSync(file).size / 1e6).toFixed(1), seconds: +(exp.ms / 1000).toFixed(2), 'MB/s': +(mb / (exp.ms / 1000)).toFixed(1), 'CLI peak RSS MB': exp.hostPeakMB, 'largest service peak RSS MB': exp.servicePeakMB });
      rows.push({ operation: `import (${label})`, 'data MB': +mb.toFixed(1), 'file MB': +(statSync(file).size / 1e6).toFixed(1), seconds: +(imp.ms / 1000).toFixed(2), 'MB/s': +(mb / (imp.ms / 1000)).toFixed(1), 'CLI peak RSS MB': imp.hostPeakMB, 'largest service peak RSS MB': imp.servicePeakMB });
    }
    console.log(`\nTwin bundles: ${episodes} episodes + 500 facts (${mb.toFixed(1)} MB of databases); times include starting the host (pagi CLI)`);
    console.table(rows);
    const result = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? null, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version }, at: new Date().toISOString(), episodes, dataBytes, rows };
    const dir = join(outDir(), 'bench');
    mkdirSync(dir, { recursive: true });
    const name = given ? `bundles-${episodes}.json` : 'bundles.json';
    writeFileSync(join(dir, name), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written to ${join(dir, name)}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
