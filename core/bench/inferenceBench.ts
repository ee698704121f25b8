import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper, type ChatHistoryItem } from 'node-llama-cpp';
import { checkGguf } from '../inference/node/ggufCheck.js';
import { plainChatWrapper } from '../inference/node/llamaEngine.js';
import type { TurnResult } from '../executive/common/contract.js';
import { startHeadlessHost } from '../host/headlessHost.js';
import { createHostClient, sendTurn, type HostClient } from '../host/hostClient.js';
import { outDir } from '../host/installation.js';
import { emotionContract } from '../emotion/common/contract.js';
import { identityContract } from '../identity/common/contract.js';
import { socialContract } from '../social/common/contract.js';

/**
 * `npm run bench:inference [-- --model PATH --threads N --tokens N --runs N]`: tokens/s and time to
 * first token of node-llama-cpp called directly in one process versus a full chat turn through the
 * host (client → executive → inference → stream back), same model file and settings; their ratio,
 * the breakdown of the time before the first token, and model load time.
 */
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
};
const model = resolve(arg('model', process.env.PAGI_TEST_MODEL ?? join(outDir(), '..', '..', 'shared', 'models', 'stories260K.gguf')));
const threads = Number(arg('threads', '1'));
const maxTokens = Number(arg('tokens', '200'));
const runs = Number(arg('runs', '5'));
const contextSize = 2048;
const PROMPT = 'Once upon a time there was a little fox who loved the river.';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const r2 = (n: number): number => Math.round(n * 100) / 100;

interface RunFigures { ttftMs: number; tokensPerSecond: number; tokens: number }

async function direct(systemPrompt: string): Promise<{ loadMs: number; runs: RunFigures[]; cancelMs: number[] }> {
  const t0 = performance.now();
  const llama = await getLlama({ gpu: 'auto', maxThreads: threads, build: 'never', logLevel: LlamaLogLevel.error });
  const m = await llama.loadModel({ modelPath: model });
  const context = await m.createContext({ contextSize, threads, sequences: 1 });
  const loadMs = performance.now() - t0;
  // the same chat format the inference service uses for this file
  const chatWrapper = checkGguf(model).hasChatTemplate ? resolveChatWrapper(m) : plainChatWrapper();
  const out: RunFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const sequence = context.getSequence();
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: true });
    const history: ChatHistoryItem[] = [{ type: 'system', text: systemPrompt }, { type: 'user', text: PROMPT }, { type: 'model', response: [] }];
    const before = sequence.tokenMeter.usedOutputTokens;
    let first: number | null = null;
    const start = performance.now();
    await chat.generateResponse(history, { maxTokens, temperature: 0, seed: 1, onTextChunk: () => { first ??= performance.now(); } });
    const end = performance.now();
    const tokens = sequence.tokenMeter.usedOutputTokens - before;
    out.push({ ttftMs: (first ?? end) - start, tokensPerSecond: first !== null && tokens > 1 ? ((tokens - 1) * 1000) / (end - first) : 0, tokens });
    chat.dispose();
  }
  // cancellation: abort mid-generation and time how long until generation has stopped
  const cancelMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const sequence = context.getSequence();
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: true });
    const ctl = new AbortController();
    let abortedAt = 0;
    let n = 0;
    await chat.generateResponse([{ type: 'user', text: PROMPT }, { type: 'model', response: [] }], {
      maxTokens: 4_000, temperature: 0.8, signal: ctl.signal, stopOnAbortSignal: true,
      onTextChunk: () => { if (++n === 50) { abortedAt = performance.now(); ctl.abort(); } },
    });
    cancelMs.push(performance.now() - abortedAt);
    chat.dispose();
  }
  await context.dispose();
  await m.dispose();
  await llama.dispose();
  return { loadMs, runs: out, cancelMs };
}

async function turn(client: HostClient, sessionId: string | undefined): Promise<{ figures: RunFigures; result: TurnResult }> {
  const start = performance.now();
  let first: number | null = null;
  let last = 0;
  const result = await sendTurn(client, { text: PROMPT, temperature: 0, seed: 1, maxTokens, ...(sessionId ? { sessionId } : {}) }, {
    onEvent: (e) => {
      if (e.type !== 'token') return;
      last = performance.now();
      first ??= last;
    },
  });
  const tokens = result.usage?.completionTokens ?? 0;
  // tokens/s as the client sees the stream: from its first token to its last
  return { figures: { ttftMs: (first ?? last) - start, tokensPerSecond: first !== null && tokens > 1 ? ((tokens - 1) * 1000) / (last - first) : 0, tokens }, result };
}

async function throughHost(): Promise<{ loadMs: number; runs: RunFigures[]; breakdown: Record<string, number>; systemPrompt: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pagi-bench-inf-'));
  // Recall is off so that the turn's prompt is the size of the direct run's: this measures the path,
  // not prompt growth (recall's own cost shows in the timing breakdown as contextMs when it is on).
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ logLevel: 'warn', services: { inference: { threads, contextSize, gpu: 'auto' }, context: { episodicCandidates: 0, semanticCandidates: 0 } } }));
  const host = await startHeadlessHost({ dataDir });
  try {
    const client = createHostClient(host);
    const t0 = performance.now();
    await client.models.load.mutate({ path: model });
    const loadMs = performance.now() - t0;
    const out: RunFigures[] = [];
    const breakdowns: Array<Record<string, number>> = [];
    await turn(client, undefined); // warm-up: first use of every path
    for (let i = 0; i < runs; i++) {
      // a new session each time, so the prompt has the same size as the direct run's
      const { figures, result } = await turn(client, undefined);
      out.push(figures);
      breakdowns.push({ ...result.timings, modelPromptEvalMs: result.usage?.promptEvalMs ?? 0, clientTtftMs: figures.ttftMs, inferenceTokensPerSecond: result.usage?.tokensPerSecond ?? 0 });
    }
    const keys = Object.keys(breakdowns[0] ?? {});
    // the system prompt the executive sent (persona + mood), so the direct run gets the same prompt
    const twin = await host.supervisor.client(identityContract).get({});
    const mood = await host.supervisor.client(emotionContract).current({});
    const { systemPrompt } = await host.supervisor.client(socialContract).condition({ twinName: twin.name, persona: twin.persona, mood });
    return { systemPrompt, loadMs, runs: out, breakdown: Object.fromEntries(keys.map((k) => [k, r2(median(breakdowns.map((b) => b[k] ?? 0)))])) };
  } finally {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const h = await throughHost();
const d = await direct(h.systemPrompt);
const dTps = median(d.runs.map((r) => r.tokensPerSecond));
const hTps = median(h.runs.map((r) => r.tokensPerSecond));
const rows: Array<[string, string]> = [
  ['model', model],
  ['threads / max tokens / runs', `${threads} / ${maxTokens} / ${runs}`],
  ['direct: load', `${Math.round(d.loadMs)} ms`],
  ['direct: time to first token (median)', `${r2(median(d.runs.map((r) => r.ttftMs)))} ms`],
  ['direct: tokens/s (median)', `${r2(dTps)}`],
  ['direct: cancel → generation stopped (median / max)', `${r2(median(d.cancelMs))} ms / ${r2(Math.max(...d.cancelMs))} ms (target ≤ 100 ms)`],
  ['host: load (models.load through the host)', `${Math.round(h.loadMs)} ms`],
  ['host: time to first token (median, at the client)', `${r2(median(h.runs.map((r) => r.ttftMs)))} ms`],
  ['host: tokens/s (median, at the client)', `${r2(hTps)}`],
  ['ratio host / direct tokens/s', `${r2(hTps / dTps)} (target ≥ 0.90 on stories260K, ≥ 0.97 on a real model)`],
  ...Object.entries(h.breakdown).map(([k, v]): [string, string] => [`  turn timing (median): ${k}`, k.endsWith('Ms') ? `${v} ms` : `${v}`]),
];
const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
const result = { date: new Date().toISOString(), machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', ramGB: Math.round(totalmem() / 2 ** 30), node: process.version }, model, threads, maxTokens, runs, direct: d, host: h, ratio: hTps / dTps };
mkdirSync(join(outDir(), 'bench'), { recursive: true });
writeFileSync(join(outDir(), 'bench', 'inference.json'), JSON.stringify(result, null, 2));
console.log(`\nwrote ${join(outDir(), 'bench', 'inference.json')}`);
