import { mkdirSync, mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { z } from 'zod';
import { join } from 'node:path';
import contextService from '../context/node/service.js';
import { contextContract } from '../context/common/contract.js';
import { PagiError } from '../contracts/errors.js';
import eventRouterService from '../event-router/node/service.js';
import { inferenceContract } from '../inference/common/contract.js';
import episodicService from '../memory-episodic/node/service.js';
import { createEpisodeSearch } from '../memory-episodic/node/episodeSearch.js';
import { createEpisodeStore, type NewEpisode } from '../memory-episodic/node/episodeStore.js';
import { episodicMigrations } from '../memory-episodic/node/migrations.js';
import semanticService from '../memory-semantic/node/service.js';
import workingService from '../memory-working/node/service.js';
import { defineService, type ServiceDefinition } from '../runtime/common/defineService.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { openServiceDatabase } from '../runtime/node/migrations.js';
import { twinDirOf } from '../runtime/node/paths.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { createVectorStore } from '../memory-kit/node/vectorStore.js';
import { serviceSpecs } from '../host/installation.js';
import { createBagOfWordsEmbedder, createSyntheticText } from './syntheticText.js';

const MODEL = 'bench-bag-of-words-384';
// the service is long-running: queries are timed once the JIT has seen the code paths
const WARMUP = 300;
const TWIN = '0190a000-0000-7000-8000-0000000000be';
export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** Stands in for the inference service: embeddings from the same bag-of-words model the data was embedded with, token estimates. */
function benchInference(embed: (t: string) => number[]): ServiceDefinition {
  const api = {
    embed: ({ texts }: { texts: string[] }) => ({ model: MODEL, dims: 384, vectors: texts.map(embed) }),
    countTokens: ({ text }: { text: string }) => ({ tokens: Math.ceil(text.length / 4), model: MODEL }),
    countTokensMany: ({ texts }: { texts: string[] }) => ({ counts: texts.map((t) => Math.ceil(t.length / 4)), model: MODEL }),
  };
  const unsupported = new Proxy(api, {
    get: (target, key) => (target as Record<string | symbol, unknown>)[key] ?? (() => { throw new PagiError('UNSUPPORTED', `the benchmark's inference stand-in has no ${String(key)}`); }),
  });
  return defineService({ id: 'inference', contract: inferenceContract, configSchema: z.object({}), start: async () => ({ api: unsupported as never }) }) as unknown as ServiceDefinition;
}

export interface ScaleResult {
  episodes: number; ingestPerSecond: number; ingestSeconds: number; dbMB: number;
  hybridSearchMs: { p50: number; p95: number }; lexicalSearchMs: { p50: number; p95: number };
  contextBuildMs: { p50: number; p95: number }; annRecallAt10: number;
}

export async function scaleRun(n: number, queries = 300): Promise<ScaleResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pagi-bench-memory-'));
  const twinDir = twinDirOf(dataDir, TWIN);
  mkdirSync(twinDir, { recursive: true });
  const text = createSyntheticText(42);
  const embed = createBagOfWordsEmbedder(384);
  try {
    const db = openServiceDatabase(twinDir, 'episodic.db', episodicMigrations);
    const vectors = createVectorStore(db, 'episode_vectors', 'episodes');
    const store = createEpisodeStore(db, vectors);
    vectors.setSpace({ model: MODEL, dims: 384 });
    const start = Date.parse('2023-01-01T00:00:00Z');
    const texts: string[] = [];
    let ingestMs = 0;
    for (let i = 0; i < n; i += 1_000) {
      const batch: NewEpisode[] = [];
      for (let j = i; j < Math.min(n, i + 1_000); j++) {
        const t = text.sentence();
        texts.push(t);
        batch.push({ sessionId: `s${Math.floor(j / 50)}`, actor: `speaker-${j % 4}`, kind: 'message', text: t, time: new Date(start + j * 300_000).toISOString(), mood: { pleasure: text.rand() * 2 - 1, arousal: text.rand() * 2 - 1, dominance: 0 }, importance: text.rand(), ref: null });
      }
      const vecs = batch.map((b) => embed(b.text)); // the model's work, not the store's: not timed
      const t0 = performance.now();
      const ids = store.storeMany(batch, 'import');
      vectors.putMany(ids.map((id, k) => ({ rowid: store.rowOf(id).rowid, values: vecs[k] as number[] })));
      ingestMs += performance.now() - t0;
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const dbBytes = ['episodic.db', 'episodic.db-wal'].map((f) => join(twinDir, f)).filter(existsSync).reduce((s, f) => s + statSync(f).size, 0);

    const finder = createEpisodeSearch(db, store, vectors);
    // queries: three content words of a stored turn (English queries lose their function words to the stop list)
    const qs = Array.from({ length: queries + WARMUP }, () => {
      const all = (texts[Math.floor(text.rand() * texts.length)] as string).split(' ');
      const content = all.filter((w) => !text.isFunctionWord(w));
      const words = content.length >= 3 ? content : all;
      const q = Array.from({ length: 3 }, () => words[Math.floor(text.rand() * words.length)]).join(' ');
      return { q, v: embed(q) };
    });
    const time = (fn: (q: { q: string; v: number[] }) => unknown): number[] => qs.map((q, i) => {
      const t0 = performance.now();
      fn(q);
      return i < WARMUP ? -1 : performance.now() - t0;
    }).filter((x) => x >= 0);
    const hybrid = time(({ q, v }) => finder.search({ query: q, limit: 10, vector: v }));
    const lexical = time(({ q }) => finder.search({ query: q, limit: 10 }));

    // how much the sign-bit scan loses against an exact cosine scan (sqlite-vec computes the truth)
    db.loadExtension((await import('../../native/sqlite.js')).sqliteVecPath());
    let found = 0;
    for (const { v } of qs.slice(0, 50)) {
      const exact = db.prepare('SELECT rowid FROM episode_vectors ORDER BY vec_distance_cosine(vector, ?) LIMIT 10').pluck().all(Buffer.from(new Float32Array(v).buffer)) as number[];
      const approx = new Set(vectors.nearest(v, 10, 400).map((x) => x.rowid));
      found += exact.filter((r) => approx.has(r)).length;
    }
    const annRecallAt10 = found / 500;
    db.close();

    const modules: Record<string, ServiceDefinition> = {
      'event-router': eventRouterService as unknown as ServiceDefinition, inference: benchInference(embed), 'memory.working': workingService as unknown as ServiceDefinition,
      'memory.episodic': episodicService as unknown as ServiceDefinition, 'memory.semantic': semanticService as unknown as ServiceDefinition, context: contextService as unknown as ServiceDefinition,
    };
    const specs = serviceSpecs({ 'memory.semantic': { extraction: { auto: false, idleMs: 0, timeoutMs: 1_000, similarityFloor: 0.35 } } }).filter((s) => s.id in modules);
    const sup = new Supervisor({ launcher: createInProcessLauncher(async (id) => modules[id] as ServiceDefinition), specs, dataDir, twinId: TWIN, logSink: () => {}, logLevel: 'warn' });
    await sup.start();
    const context = sup.client(contextContract);
    const build: number[] = [];
    try {
      for (const [i, { q }] of qs.entries()) {
        const t0 = performance.now();
        await context.build({ sessionId: 'bench', query: q, budgetTokens: 1_024 });
        if (i >= WARMUP) build.push(performance.now() - t0);
      }
    } finally {
      await sup.stop();
    }
    return {
      episodes: n, ingestPerSecond: Math.round(n / (ingestMs / 1000)), ingestSeconds: round(ingestMs / 1000, 1), dbMB: round(dbBytes / 1048576, 1),
      hybridSearchMs: { p50: round(pct(hybrid, 50)), p95: round(pct(hybrid, 95)) }, lexicalSearchMs: { p50: round(pct(lexical, 50)), p95: round(pct(lexical, 95)) },
      contextBuildMs: { p50: round(pct(build, 50)), p95: round(pct(build, 95)) }, annRecallAt10: round(annRecallAt10, 3),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
