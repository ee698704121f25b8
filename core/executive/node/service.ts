import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import { EVENT_TOPICS } from '../../contracts/events.js';
import { defineService, type Logger, type ServiceContext } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { actuatorContract } from '../../actuator/common/contract.js';
import { contextContract } from '../../context/common/contract.js';
import { emotionContract } from '../../emotion/common/contract.js';
import { identityContract } from '../../identity/common/contract.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { episodicMemoryContract } from '../../memory-episodic/common/contract.js';
import { workingMemoryContract } from '../../memory-working/common/contract.js';
import { perceptionContract } from '../../perception/common/contract.js';
import { socialContract } from '../../social/common/contract.js';
import { executiveContract, type TurnOutcome, type TurnResult } from '../common/contract.js';
import { guardInference } from './inferenceGuard.js';
import { goalsMigrations } from './migrations.js';
import { runTurn, type TurnClients } from './turnLoop.js';
import { createTurnRunner, type GenerationOverrides } from './turnRunner.js';
import { createTurnStore, type TurnStore } from './turnStore.js';
import { createConversationStore } from './conversationStore.js';
import { continueReply, rememberContinued } from './replyContinuation.js';
import { GENERATION_DEFAULTS, generationSettingsSchema, resolveGeneration } from '../common/generation.js';

/** The events of a finished turn. The reply is the user's at once: the durable events follow without making them wait. */
function publishTurn(ctx: Pick<ServiceContext<unknown>, 'bus' | 'log'>, result: TurnResult): void {
  const { turnId, sessionId } = result;
  void Promise.all([
    ctx.bus.publish('turn.completed', {
      turnId, sessionId, userEpisodeId: result.userEpisodeId, replyEpisodeId: result.replyEpisodeId,
      provenance: result.provenance, usage: result.usage,
      mood: { pleasure: result.mood.pleasure, arousal: result.mood.arousal, dominance: result.mood.dominance },
    }),
    ctx.bus.publish('decision.made', { turnId, kind: 'reply', detail: `replied with ${result.usage?.completionTokens ?? 0} tokens (${result.stopReason})` }),
  ]).catch((err: unknown) => ctx.log.warn('turn events not published', { error: PagiError.from(err).message }));
}


/** A continuation id's outcome: its turn's, as the continuation left it. */
function continuationOutcome(store: TurnStore, id: string): TurnOutcome | null {
  const known = store.continuation(id);
  if (!known) return null;
  const turn = store.outcome(known.turnId);
  if (!turn) return null;
  if (known.status === 'failed') return { ...turn, turnId: id, status: 'failed', result: null, error: known.error ?? { code: 'UNAVAILABLE', message: 'this reply did not go on' } };
  return { ...turn, turnId: id, status: known.status === 'running' ? 'running' : turn.status };
}

/** Forgets a deleted conversation's episodes (hard delete) and clears its working memory; returns how many episodes went. */
async function forgetConversation(clients: Pick<TurnClients, 'episodic' | 'working'>, log: Logger, sessionId: string, episodeIds: string[]): Promise<number> {
  let forgotten = 0;
  for (const id of episodeIds) {
    try {
      await clients.episodic.forget({ id, by: 'user' });
      forgotten++;
    } catch (err) {
      if (PagiError.from(err).code !== 'NOT_FOUND') throw err; // already gone: nothing to forget
    }
  }
  await clients.working.clear({ sessionId }).catch((err: unknown) => log.warn('working memory of a deleted conversation not cleared (it expires on its own)', { error: PagiError.from(err).message }));
  return forgotten;
}

export default defineService({
  id: 'executive',
  contract: executiveContract,
  configSchema: z.object({
    generateTimeoutMs: z.number().int().min(100).max(3_600_000).default(180_000),
    breaker: z
      .object({ consecutiveTimeouts: z.number().int().min(1).max(100).default(2), halfOpenAfterMs: z.number().int().min(100).default(15_000) })
      .default({ consecutiveTimeouts: 2, halfOpenAfterMs: 15_000 }),
    /** Rounds of tool calls a turn may take before the model must answer. */
    toolRounds: z.number().int().min(0).max(32).default(8),
    /** How replies are written (Settings → Generation); a turn may override each. */
    generation: generationSettingsSchema.default(GENERATION_DEFAULTS),
  }),
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'goals.db', goalsMigrations);
    const store = createTurnStore(db);
    const conversations = createConversationStore(db);
    store.failInterrupted();
    // a memory forgotten for good leaves no words in the prompts that recalled it (redaction is idempotent: a redelivery changes nothing)
    ctx.bus.subscribe({
      consumer: 'executive',
      topics: ['memory.changed'],
      handler: (event) => {
        const change = EVENT_TOPICS['memory.changed'].parse(event.payload);
        if (change.op === 'forget') store.forgetInPrompts(change.targetId);
      },
    });
    const clients: TurnClients = {
      perception: ctx.client(perceptionContract),
      emotion: ctx.client(emotionContract),
      context: ctx.client(contextContract),
      social: ctx.client(socialContract),
      inference: guardInference(ctx.client(inferenceContract), { generateTimeoutMs: ctx.config.generateTimeoutMs, ...ctx.config.breaker }),
      actuator: ctx.client(actuatorContract),
      episodic: ctx.client(episodicMemoryContract),
      working: ctx.client(workingMemoryContract),
      identity: ctx.client(identityContract),
    };
    // a turn's own settings, then its conversation's, then the twin's
    const generationFor = (sessionId: string, turn: GenerationOverrides) =>
      resolveGeneration({ maxTokens: turn.maxTokens, temperature: turn.temperature, topP: turn.topP, topK: turn.topK, minP: turn.minP, repeatPenalty: turn.repeatPenalty }, { ...ctx.config.generation, ...conversations.generationOf(sessionId) });
    const turns = createTurnRunner({
      store,
      run: ({ maxTokens: _m, temperature: _t, topP: _p, topK: _k, minP: _n, repeatPenalty: _r, ...turn }, emit, signal, hooks) =>
        runTurn(clients, { ...turn, toolRounds: ctx.config.toolRounds, ...generationFor(turn.sessionId, { maxTokens: _m, temperature: _t, topP: _p, topK: _k, minP: _n, repeatPenalty: _r }) }, emit, signal, hooks),
      continueReply: (request, job, emit, signal) =>
        continueReply(clients, { ...job, generation: { ...generationFor(job.result.sessionId, request), ...(request.seed !== undefined ? { seed: request.seed } : {}) } }, emit, signal),
      rememberContinued: (result) => rememberContinued(clients, result),
      openingFor: (sessionId, offered, empty) => conversations.openingFor(sessionId, offered, empty),
      recordOpeningEpisode: (sessionId, episodeId) => conversations.recordOpeningEpisode(sessionId, episodeId),
      completed: (result) => publishTurn(ctx, result),
    });

    return {
      api: {
        turn: (input, { emit, signal }) => turns.turn(input, emit, signal),
        continueTurn: (input, { emit, signal }) => turns.continueTurn(input, emit, signal),
        cancelTurn: ({ turnId }) => ({ cancelled: turns.cancel(turnId) }),
        // a continuation is followed under its own id: what became of it is its turn's outcome
        turnOutcome: ({ turnId }) => store.outcome(turnId) ?? continuationOutcome(store, turnId),
        turnPrompt({ turnId }) {
          const messages = store.prompt(turnId);
          if (messages === undefined) throw new PagiError('NOT_FOUND', `no turn ${turnId} (its conversation may have been deleted)`);
          return { turnId, messages };
        },
        conversationSettings: ({ sessionId }) => conversations.settings(sessionId),
        setConversationSettings: ({ sessionId, generation, inherit }) => conversations.setGeneration(sessionId, generation, inherit),
        history: ({ sessionId, limit }) => store.history(sessionId, limit),
        sessions: ({ limit }) => store.sessions(limit),
        locateTurn({ turnId }) {
          const sessionId = store.sessionOf(turnId);
          if (!sessionId) throw new PagiError('NOT_FOUND', `no turn ${turnId} (its conversation may have been deleted)`);
          return { turnId, sessionId };
        },
        renameSession({ sessionId, title }) {
          store.rename(sessionId, title);
          return { sessionId, title };
        },
        async deleteSession({ sessionId, forgetMemories }) {
          const { episodeIds } = store.deletable(sessionId);
          const openingEpisode = conversations.openingOf(sessionId)?.episodeId;
          if (openingEpisode) episodeIds.push(openingEpisode);
          const forgottenEpisodes = forgetMemories ? await forgetConversation(clients, ctx.log, sessionId, episodeIds) : 0;
          return { deletedTurns: store.deleteSession(sessionId), forgottenEpisodes };
        },
      },
      health: () => ({ ok: db.open }),
    };
  },
});
