import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actuatorContract } from '../actuator/common/contract.js';
import { contextContract } from '../context/common/contract.js';
import { type PagiError } from '../contracts/errors.js';
import { SERVICE_IDS } from '../contracts/manifest.js';
import { emotionContract } from '../emotion/common/contract.js';
import { eventRouterContract } from '../event-router/common/contract.js';
import { executiveContract, type TurnChunk } from '../executive/common/contract.js';
import { gatewayContract } from '../gateway/common/contract.js';
import { serviceHostEntry, serviceSpecs } from '../host/installation.js';
import { identityContract } from '../identity/common/contract.js';
import { inferenceContract } from '../inference/common/contract.js';
import { learningContract } from '../learning/common/contract.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { semanticMemoryContract } from '../memory-semantic/common/contract.js';
import { workingMemoryContract } from '../memory-working/common/contract.js';
import { perceptionContract } from '../perception/common/contract.js';
import type { Launcher } from '../runtime/common/launcher.js';
import type { LogEntry } from '../runtime/common/serviceStatus.js';
import { createChildProcessLauncher } from '../runtime/node/childProcessLauncher.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { socialContract } from '../social/common/contract.js';
import { loadServiceFromSource, TEST_TWIN_ID } from './serviceModules.js';
import { waitFor } from './helpers.js';
import { testModelPath } from './testModel.js';

const model = testModelPath();

const failure = async (p: Promise<unknown>): Promise<PagiError> => {
  try {
    await p;
  } catch (err) {
    return err as PagiError;
  }
  throw new Error('expected the call to fail');
};

const LAUNCHERS: Array<[string, () => Launcher]> = [
  ['in-process', () => createInProcessLauncher(loadServiceFromSource)],
  ['child-process', () => createChildProcessLauncher({ hostEntry: serviceHostEntry() })],
];

/** One contract suite, run over each launcher available here (the utility-process launcher needs an Electron binary). */
describe.each(LAUNCHERS)('contract suite over the %s launcher', (_kind, makeLauncher) => {
  let sup: Supervisor;
  let dataDir: string;
  const logs: LogEntry[] = [];
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-contract-'));
    const config = model ? { inference: { modelPath: model, threads: 1, contextSize: 1024 } } : {};
    sup = new Supervisor({ launcher: makeLauncher(), specs: serviceSpecs(config), dataDir, twinId: TEST_TWIN_ID, logSink: (e) => logs.push(e), logLevel: 'info' });
    await sup.start();
  });
  afterAll(async () => {
    await sup?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts all 14 services', async () => {
    const status = await sup.status();
    expect(status.map((s) => s.id).sort()).toEqual([...SERVICE_IDS].sort());
    expect(status.filter((s) => s.state !== 'running')).toEqual([]);
  });

  it('identity: the twin exists, updates, and bad input names the field without touching it', async () => {
    const identity = sup.client(identityContract);
    const twin = await identity.get({});
    expect(twin).toMatchObject({ id: TEST_TWIN_ID, generation: 0, parentId: null, lifecycle: 'active' });
    expect((await identity.update({ name: 'Ada' })).name).toBe('Ada');
    const e = await failure(identity.update({ name: '' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/name:/);
    expect((await identity.get({})).name).toBe('Ada');
    const hw = await identity.hardware({ refresh: false });
    expect(hw.cpu.cores).toBeGreaterThan(0);
    expect(hw.ramBytes).toBeGreaterThan(0);
    if (model) {
      // the backend node-llama-cpp chose reaches the inventory through the bus
      let backend = hw.backend;
      for (let i = 0; i < 50 && !backend; i++) {
        await new Promise((r) => setTimeout(r, 100));
        backend = (await identity.hardware({ refresh: false })).backend;
      }
      expect(backend?.reason).toBeTruthy();
    }
    const key = await identity.createApiKey({ label: 'test' });
    expect((await identity.verifyApiKey({ key: key.key })).valid).toBe(true);
    expect((await identity.verifyApiKey({ key: `${key.key}x` })).valid).toBe(false);
  });

  it('event-router: publishes durably, replays, and refuses unknown topics and bad payloads by field', async () => {
    const router = sup.client(eventRouterContract);
    const { results } = await router.publishBatch({ events: [{ id: 'contract-1', topic: 'test.ping', payload: { n: 1 } }] });
    const again = await router.publishBatch({ events: [{ id: 'contract-1', topic: 'test.ping', payload: { n: 1 } }] });
    expect(again.results[0]).toEqual({ ...results[0], duplicate: true });
    const read = await router.read({ fromOffset: results[0]?.offset ?? 1, limit: 1 });
    expect(read.events[0]).toMatchObject({ id: 'contract-1', topic: 'test.ping', payload: { n: 1 } });
    expect((await failure(router.publishBatch({ events: [{ id: 'x', topic: 'no.such.topic', payload: {} }] }))).message).toMatch(/events\.0\.topic: unknown topic/);
    expect((await failure(router.publishBatch({ events: [{ id: 'y', topic: 'test.ping', payload: { n: 'one' } }] }))).message).toMatch(/n: Invalid input: expected number/);
  });

  it('perception: finds PII, applies the policy, and scores sentiment', async () => {
    const a = await sup.client(perceptionContract).appraise({ text: 'I love this! Mail me at ada@example.com, card 4111 1111 1111 1111', source: 'user' });
    expect(a.pii.map((p) => p.kind)).toEqual(['email', 'card']);
    expect(a.text).toContain('ada@example.com');
    expect(a.text).toContain('[card number]');
    expect(a.sentiment.score).toBeGreaterThan(0);
    expect(a.pad.pleasure).toBeGreaterThan(0);
    expect(a.untrusted).toBe(false);
    expect((await sup.client(perceptionContract).appraise({ text: 'tool says hi', source: 'tool' })).untrusted).toBe(true);
  });

  it('emotion: an appraisal moves the mood, history records it, out-of-range input is refused', async () => {
    const emotion = sup.client(emotionContract);
    const before = await emotion.current({});
    const { after } = await emotion.apply({ appraisal: { pleasure: -1, arousal: 1, dominance: -1 }, cause: 'contract test' });
    expect(after.pleasure).toBeLessThan(before.pleasure);
    expect((await emotion.history({ limit: 10 })).some((h) => h.cause === 'contract test')).toBe(true);
    expect((await failure(emotion.apply({ appraisal: { pleasure: 5, arousal: 0, dominance: 0 }, cause: 'x' }))).message).toMatch(/appraisal\.pleasure/);
  });

  it('memory.working: keeps recent turns within the token bound', async () => {
    const working = sup.client(workingMemoryContract);
    for (let i = 0; i < 5; i++) await working.append({ sessionId: 'w', id: `t${i}`, role: 'user', text: `turn ${i}`, tokens: 1_000 });
    const got = await working.get({ sessionId: 'w', maxTokens: 2_500 });
    expect(got.turns.map((t) => t.id)).toEqual(['t3', 't4']);
  });

  it('memory.episodic: stores, searches by keywords and queries by time range', async () => {
    const episodic = sup.client(episodicMemoryContract);
    const e = await episodic.store({ sessionId: 'e', actor: 'user', text: 'We planted tomatoes in the greenhouse', time: '2024-05-01T10:00:00Z' });
    await episodic.store({ sessionId: 'e', actor: 'user', text: 'The train was late again', time: '2024-06-01T10:00:00Z' });
    const found = await episodic.search({ query: 'planting tomato', limit: 5 });
    expect(found.hits[0]?.episode.id).toBe(e.id);
    expect(found.hits[0]?.scores.bm25).toBe(1);
    const may = await episodic.range({ from: '2024-04-01T00:00:00Z', to: '2024-05-31T00:00:00Z', sessionId: 'e' });
    expect(may.map((x) => x.id)).toEqual([e.id]);
    expect((await episodic.adjustImportance({ id: e.id, delta: 0.1, opId: 'op-1' })).applied).toBe(true);
    expect((await episodic.adjustImportance({ id: e.id, delta: 0.1, opId: 'op-1' })).applied).toBe(false);
    expect((await failure(episodic.get({ id: 'missing' }))).code).toBe('NOT_FOUND');
    expect((await failure(episodic.store({ sessionId: 'e', actor: 'user', text: 'x', time: 'yesterday' }))).message).toMatch(/time:/);
  });

  it('memory.semantic: stores facts and finds them (by vector when a model is loaded)', async () => {
    const semantic = sup.client(semanticMemoryContract);
    const fact = await semantic.addFact({ text: 'Ada keeps bees in the garden' });
    // embeddings arrive in the background, once a model is loaded
    if (model) await waitFor('facts embedded', async () => (await semantic.embeddingStatus({})).embedded >= 1);
    const found = await semantic.search({ query: 'bees garden', limit: 3 });
    expect(found.hits.map((h) => h.fact.id)).toContain(fact.id);
    expect(found.mode).toBe(model ? 'hybrid' : 'lexical');
    expect((await semantic.delete({ id: fact.id })).op).toBe('delete');
    expect((await semantic.search({ query: 'bees garden', limit: 3 })).hits.map((h) => h.fact.id)).not.toContain(fact.id);
  });

  it('context: queries the tiers in parallel and returns provenance within the budget', async () => {
    const episodic = sup.client(episodicMemoryContract);
    const countsBefore = new Map((await episodic.range({ limit: 1_000 })).map((e) => [e.id, e.accessCount]));
    const ctx = await sup.client(contextContract).build({ sessionId: 'w', query: 'tomatoes greenhouse', budgetTokens: 3_000 });
    const used = ctx.provenance.find((p) => p.tier === 'episodic');
    expect(used?.scores?.bm25).toBeGreaterThan(0); // "why this answer": the score's parts travel with it
    // used memories stay fresh: access count and last access move
    const after = await episodic.get({ id: used?.id as string });
    expect(countsBefore.has(after.id)).toBe(true);
    expect(after.accessCount).toBe((countsBefore.get(after.id) as number) + 1);
    expect(after.lastAccess).not.toBeNull();
    expect(ctx.provenance.some((p) => p.tier === 'working')).toBe(true);
    expect(ctx.usedTokens).toBeLessThanOrEqual(3_000);
    expect(ctx.timings.totalMs).toBeGreaterThanOrEqual(0);
  });

  it('social: the mood shapes the system prompt', async () => {
    const twin = await sup.client(identityContract).get({});
    const happy = await sup.client(socialContract).condition({ twinName: 'Ada', persona: twin.persona, mood: { pleasure: 0.8, arousal: 0.6, dominance: 0.5 } });
    const sad = await sup.client(socialContract).condition({ twinName: 'Ada', persona: twin.persona, mood: { pleasure: -0.8, arousal: -0.6, dominance: -0.5 } });
    expect(happy.moodLabel).toBe('cheerful');
    expect(sad.systemPrompt).toMatch(/subdued/);
    expect(happy.systemPrompt).not.toEqual(sad.systemPrompt);
  });

  it('actuator: safe defaults by kind (time is allowed), a denial holds, runs when allowed, audits everything', async () => {
    const actuator = sup.client(actuatorContract);
    expect((await actuator.invoke({ tool: 'time.now', args: {} })).status).toBe('ok'); // time tools are allowed by default (#14)
    await actuator.setPolicy({ tool: 'time.now', policy: 'deny' });
    expect((await actuator.invoke({ tool: 'time.now', args: {} })).status).toBe('denied');
    await actuator.setPolicy({ tool: 'time.now', policy: 'allow' });
    const ok = await actuator.invoke({ tool: 'time.now', args: { timeZone: 'Europe/Paris' } });
    expect(ok).toMatchObject({ status: 'ok', result: { timeZone: 'Europe/Paris' } });
    expect((await actuator.invoke({ tool: 'time.now', args: { timeZone: 42 } })).status).toBe('error');
    await actuator.setPolicy({ tool: 'time.now', policy: 'ask' });
    const ask = await actuator.invoke({ tool: 'time.now', args: {} });
    expect(ask.status).toBe('needs-approval');
    if (ask.status === 'needs-approval') expect((await actuator.decide({ requestId: ask.requestId, approve: true })).status).toBe('ok');
    expect((await actuator.audit({ limit: 10 })).length).toBeGreaterThanOrEqual(5);
    expect((await failure(actuator.setPolicy({ tool: 'shell.rm', policy: 'allow' }))).code).toBe('NOT_FOUND');
  });

  it('gateway: off by default', async () => {
    expect(await sup.client(gatewayContract).status({})).toMatchObject({ enabled: false, url: null });
  });

  it('learning: accepts feedback as an event', async () => {
    const r = await sup.client(learningContract).feedback({ turnId: 'some-turn', rating: 'up' });
    expect(r.accepted).toBe(true);
    expect((await failure(sup.client(learningContract).feedback({ turnId: 'x', rating: 'meh' as 'up' }))).message).toMatch(/rating/);
  });

  it('logs from every process reach the one sink, tagged with their service', () => {
    expect(logs.find((l) => l.service === 'identity' && /created twin/.test(l.msg))).toBeTruthy();
    expect(logs.every((l) => typeof l.time === 'number' && typeof l.level === 'string')).toBe(true);
  });

  it('an unknown procedure is NOT_FOUND', async () => {
    expect((await failure(sup.call('social', 'sing', {}))).code).toBe('NOT_FOUND');
  });

  it.skipIf(!model)('inference + executive: a turn streams tokens through the real services and is remembered', async () => {
    const inference = sup.client(inferenceContract);
    for (let i = 0; i < 100 && (await inference.status({})).state === 'loading'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await inference.status({})).state).toBe('ready');
    expect((await inference.countTokens({ text: 'Once upon a time' })).tokens).toBeGreaterThan(0);
    const chunks: TurnChunk[] = [];
    const result = await sup.client(executiveContract).turn({ text: 'Tell me about the little dragon Pim', temperature: 0, seed: 1, maxTokens: 40 }, { onChunk: (c) => chunks.push(c) });
    const tokens = chunks.filter((c) => c.type === 'token');
    expect(chunks[0]?.type).toBe('started');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((c) => (c.type === 'token' ? c.text : '')).join('').trim()).toBe(result.reply);
    expect(result.usage?.completionTokens).toBeGreaterThan(0);
    const remembered = await sup.client(episodicMemoryContract).search({ query: 'dragon Pim', limit: 5 });
    expect(remembered.hits.map((h) => h.episode.id)).toContain(result.userEpisodeId);
    const history = await sup.client(executiveContract).history({ sessionId: result.sessionId });
    expect(history).toHaveLength(1);
    // with a model loaded, context budgets are counted with its tokenizer
    const built = await sup.client(contextContract).build({ sessionId: result.sessionId, query: 'dragon', budgetTokens: 2_000 });
    expect(built.degraded.join('\n')).not.toMatch(/token counts are estimates/);
    const real = await inference.countTokensMany({ texts: built.recalled.map((r) => r.text) });
    expect(built.recalled.map((r) => r.tokens)).toEqual(real.counts.map((n) => Math.max(1, n)));
    // structured output: the grammar makes even a tiny story model write JSON that matches the schema
    const schema = { type: 'object', properties: { mood: { enum: ['happy', 'sad'] }, facts: { type: 'array', items: { type: 'string', maxLength: 30 }, maxItems: 3 }, count: { type: 'integer' } } };
    const structured = await inference.generateJson({ messages: [{ role: 'user', content: 'Summarise: Ada planted tomatoes.' }], schema, maxTokens: 400 });
    const parsed = z.object({ mood: z.enum(['happy', 'sad']), facts: z.array(z.string().max(30)).max(3), count: z.number().int() }).strict().safeParse(structured.value);
    expect(parsed.success, structured.text).toBe(true);
    expect(JSON.parse(structured.text)).toEqual(structured.value);
    expect((await failure(inference.generateJson({ messages: [{ role: 'user', content: 'x' }], schema: { type: 'nonsense' } }))).message).toMatch(/^schema\.type: not a JSON type/);
    // tool schemas go to the model through its own chat template; whatever it calls comes back unexecuted
    const withTools = await inference.generate({ messages: [{ role: 'user', content: 'What time is it?' }], maxTokens: 24, temperature: 0, tools: [{ name: 'time.now', description: 'The current time', parameters: { type: 'object', properties: { timeZone: { type: 'string' } } } }] }, { onChunk: () => undefined });
    expect(Array.isArray(withTools.toolCalls)).toBe(true);
    for (const c of withTools.toolCalls) expect(c.tool).toBe('time.now');
    // cancellation stops the generation early
    const ctl = new AbortController();
    let streamed = 0;
    const long = inference.generate({ messages: [{ role: 'user', content: 'Once upon a time' }], maxTokens: 4_000, temperature: 0.8 }, { signal: ctl.signal, onChunk: (c) => { if (c.type === 'text' && ++streamed === 2) ctl.abort(); } });
    expect((await failure(long)).code).toBe('CANCELLED');
    expect((await inference.status({})).state).toBe('ready');
    expect(history[0]).toMatchObject({ status: 'completed', reply: result.reply });
  });
});
