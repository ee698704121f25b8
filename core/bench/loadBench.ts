import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createHostClient, sendTurn, type HostClient } from '../host/hostClient.js';
import { reachableHost } from '../host/hostFile.js';
import { outDir } from '../host/installation.js';
import { PagiError } from '../contracts/errors.js';

/**
 * `npm run bench:load`: N chats at once against `pagi serve` (its own process, the tiny model,
 * threads 1) for a while at each level — completed and failed turns, turn latency, stored episodes
 * (two per completed turn, never more: nothing is sent twice) and the host's peak memory.
 *
 *   npm run bench:load -- [--levels=1,5,20,50] [--seconds=60] [--model=PATH] [--max-tokens=48]
 */
const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const levels = (arg('levels') ?? '1,5,20,50').split(',').map(Number).filter((n) => n > 0);
const seconds = Number(arg('seconds') ?? 60);
const maxTokens = Number(arg('max-tokens') ?? 48);
const root = resolve(outDir(), '..');
const model = arg('model') ?? process.env.PAGI_TEST_MODEL ?? join(root, '..', 'shared', 'models', 'stories260K-chatml.gguf');

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const mib = (kb: number): number => Math.round(kb / 1024);

/** Resident memory of a process now, in kB (Linux /proc; 0 elsewhere). */
function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const PROMPTS = ['Tell me about the little dog', 'What did Lily find in the park', 'Once upon a time there was a cat', 'The sun was shining and the bird sang', 'Tom had a red ball'];

interface Level {
  concurrent: number;
  completedTurns: number;
  failedTurns: number;
  failures: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  turnsPerMinute: number;
  storedEpisodes: number;
  expectedEpisodes: number;
  hostPeakRssMiB: number;
  allProcessesPeakRssMiB: number;
}

async function runLevel(client: HostClient, hostPid: number, concurrent: number): Promise<Level> {
  const servicePids = (await client.system.status.query()).map((s) => s.pid).filter((p): p is number => p !== null);
  let hostPeak = 0;
  let totalPeak = 0;
  const sample = (): void => {
    const host = rssKb(hostPid);
    hostPeak = Math.max(hostPeak, host);
    totalPeak = Math.max(totalPeak, host + servicePids.reduce((sum, pid) => sum + rssKb(pid), 0));
  };
  const sampler = setInterval(sample, 250);
  const episodesBefore = (await client.memory.stats.query()).episodes;
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  const deadline = Date.now() + seconds * 1000;
  const worker = async (w: number): Promise<void> => {
    let sessionId: string | undefined;
    for (let i = 0; Date.now() < deadline; i++) {
      const t0 = performance.now();
      try {
        const result = await sendTurn(client, { text: PROMPTS[(w + i) % PROMPTS.length] as string, maxTokens, ...(sessionId ? { sessionId } : {}) });
        sessionId = result.sessionId;
        latencies.push(performance.now() - t0);
      } catch (err) {
        const why = PagiError.from(err).message.slice(0, 120);
        failures[why] = (failures[why] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrent }, (_, w) => worker(w)));
  clearInterval(sampler);
  sample();
  const storedEpisodes = (await client.memory.stats.query()).episodes - episodesBefore;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    concurrent,
    completedTurns: latencies.length,
    failedTurns: Object.values(failures).reduce((a, b) => a + b, 0),
    failures,
    p50Ms: Math.round(pct(sorted, 50)),
    p95Ms: Math.round(pct(sorted, 95)),
    turnsPerMinute: Math.round((latencies.length * 60) / seconds),
    storedEpisodes,
    expectedEpisodes: 2 * latencies.length,
    hostPeakRssMiB: mib(hostPeak),
    allProcessesPeakRssMiB: mib(totalPeak),
  };
}

async function main(): Promise<void> {
  if (!existsSync(model)) throw new Error(`no model at ${model}: pass --model=PATH or set PAGI_TEST_MODEL`);
  const dataDir = mkdtempSync(join(tmpdir(), 'pagi-bench-load-'));
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ logLevel: 'warn', services: { inference: { threads: 1 } } }));
  const host = spawn(process.execPath, [join(root, 'bin', 'pagi.js'), 'serve', '--data-dir', dataDir, '--model', model], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((ready, fail) => {
      host.stdout?.on('data', (b: Buffer) => (/ready at/.test(b.toString()) ? ready() : undefined));
      host.once('exit', (code) => fail(new Error(`pagi serve exited with ${code}`)));
    });
    const file = reachableHost(dataDir);
    if (!file) throw new Error('pagi serve wrote no host.json');
    const client = createHostClient(file);
    // the model loads in the background: one turn waits for it before anything is measured
    await sendTurn(client, { text: 'Hello', maxTokens: 4 });
    const rows: Level[] = [];
    for (const n of levels) {
      process.stderr.write(`${n} concurrent chats for ${seconds} s…\n`);
      rows.push(await runLevel(client, file.pid, n));
    }
    console.table(rows.map(({ failures: _f, ...r }) => r));
    for (const r of rows) for (const [why, n] of Object.entries(r.failures)) console.log(`${r.concurrent} concurrent: ${n} × ${why}`);
    const result = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', ramGiB: Math.round(totalmem() / 2 ** 30), node: process.version }, model, seconds, maxTokens, threads: 1, levels: rows };
    const dir = join(outDir(), 'bench');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'load.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written to ${join(dir, 'load.json')}`);
    if (rows.some((r) => r.storedEpisodes !== r.expectedEpisodes)) process.exitCode = 1;
  } finally {
    host.kill('SIGTERM');
    await new Promise((r) => host.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
