import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { outDir } from '../host/installation.js';
import { qualityRun } from './memoryQuality.js';
import { scaleRun, type ScaleResult } from './memoryScale.js';

/**
 * `npm run bench:memory`: memory at scale (10k and 100k episodes with 384-dim vectors: ingest, size,
 * hybrid search, context build) and retrieval quality on a synthetic long conversation (recall@5/10 of
 * the evidence turns for each lexical step, vectors alone and hybrid). `--quick` runs 10k only.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const modelArg = process.argv.find((a) => a.startsWith('--model='))?.slice('--model='.length);
  const embeddingModel = modelArg ?? process.env.PAGI_TEST_MODEL ?? resolve(outDir(), '..', '..', 'shared', 'models', 'stories260K.gguf');

  const scale: ScaleResult[] = [];
  for (const n of quick ? [10_000] : [10_000, 100_000]) {
    process.stderr.write(`scale: ${n} episodes…\n`);
    scale.push(await scaleRun(n));
  }
  const targets: Record<number, { search: number; context: number | null }> = { 10_000: { search: 5, context: null }, 100_000: { search: 20, context: 40 } };
  console.log('\nScale (synthetic text, 384-dim bag-of-words vectors, store level; context build through the services in-process)');
  console.table(scale.map((s) => ({
    episodes: s.episodes, 'ingest /s': s.ingestPerSecond, 'DB MB': s.dbMB,
    'hybrid p50 ms': s.hybridSearchMs.p50, 'hybrid p95 ms': `${s.hybridSearchMs.p95} (≤ ${targets[s.episodes]?.search})`,
    'lexical p95 ms': s.lexicalSearchMs.p95, 'context p50 ms': s.contextBuildMs.p50,
    'context p95 ms': `${s.contextBuildMs.p95}${targets[s.episodes]?.context ? ` (≤ ${targets[s.episodes]?.context})` : ''}`, 'ANN recall@10': s.annRecallAt10,
  })));

  process.stderr.write('quality: generating and searching a long conversation…\n');
  const quality = await qualityRun({ sessions: 80, turnsPerSession: 40, seed: 7, embeddingModel });
  console.log(`\nQuality: ${quality.turns} turns in ${quality.sessions} sessions over ten months; ${quality.questions} questions ${JSON.stringify(quality.questionKinds)}`);
  console.table(quality.rows.map((r) => ({ method: r.method, 'recall@5': r.recallAt5, 'recall@10': r.recallAt10, ...Object.fromEntries(Object.entries(r.byKind).map(([k, v]) => [`${k} @10`, v.at10])) })));
  console.log(quality.note);

  const result = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? null, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version }, at: new Date().toISOString(), scale, quality };
  const dir = join(outDir(), 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'memory.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten to ${join(dir, 'memory.json')}`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
