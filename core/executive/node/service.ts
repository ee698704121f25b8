import { z } from 'zod';
import { PagiError, wireErrorSchema } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { defineService } from '../../runtime/common/defineService.js';
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
import { executiveContract, turnResultSchema, type TurnChunk, type TurnOutcome, type TurnResult } from '../common/contract.js';
import { guardInference } from './inferenceGuard.js';
import { goalsMigrations } from './migrations.js';
import { runTurn, type TurnClients } from './turnLoop.js';

interface TurnRow {
  id: string; session_id: string; user_text: string; reply: string | null; status: 'running' | 'completed' | 'failed' | 'cancelled'; error: string | null; started_at: string; finished_at: string | null;
  parent_turn_id: string | null; user_episode_id: string | null; reply_episode_id: string | null;
}

type TurnInputOf = z.output<typeof executiveContract.procedures.turn.input>;

/** `turns.detail`: the whole result of a finished turn, or the error of a failed one. */
const storedDetailSchema = z.object({ result: turnResultSchema.optional(), error: wireErrorSchema.optional() });
const parseJson = (text: string | null): unknown => {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
};

export default defineService({
  id: 'executive',
  contract: executiveContract,
  configSchema: z.object({
    generateTimeoutMs: z.number().int().min(100).max(3_600_000).default(180_000),
    breaker: z
      .object({ consecutiveTimeouts: z.number().int().min(1).max(100).default(2), halfOpenAfterMs: z.number().int().min(100).default(15_000) })
      .default({ consecutiveTimeouts: 2, halfOpenAfterMs: 15_000 }),
  }),
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'goals.db', goalsMigrations);
    // a turn still "running" in the file was cut off by a crash
    db.prepare("UPDATE turns SET status = 'failed', error = 'interrupted: the executive restarted during this turn', finished_at = ? WHERE status = 'running'").run(new Date().toISOString());
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
    const finish = db.prepare('UPDATE turns SET reply = ?, status = ?, error = ?, detail = ?, finished_at = ? WHERE id = ?');
    const setEpisodes = db.prepare('UPDATE turns SET user_episode_id = ?, reply_episode_id = ? WHERE id = ?');

    /**
     * Where a new turn hangs in the conversation's tree, and the episodes of the turns that are not on
     * its path (other branches), which the context must leave out.
     */
    const placeTurn = (sessionId: string, parentTurnId: string | null | undefined): { parent: string | null; offPath: string[] } => {
      const rows = db.prepare('SELECT id, parent_turn_id, user_episode_id, reply_episode_id FROM turns WHERE session_id = ? ORDER BY started_at').all(sessionId) as TurnRow[];
      const parent = parentTurnId === undefined ? (rows[rows.length - 1]?.id ?? null) : parentTurnId;
      const byId = new Map(rows.map((r) => [r.id, r]));
      if (parent !== null && !byId.has(parent)) throw new PagiError('INVALID_INPUT', `parentTurnId: no turn ${parent} in session ${sessionId}; take a turnId from the session's history`);
      const path = new Set<string>();
      for (let at = parent; at !== null && !path.has(at); at = byId.get(at)?.parent_turn_id ?? null) path.add(at);
      const offPath = rows.filter((r) => !path.has(r.id)).flatMap((r) => [r.user_episode_id, r.reply_episode_id]).filter((id): id is string => id !== null);
      return { parent, offPath };
    };

    /** Turns running now: a second call with the same id waits for the first instead of running again. */
    const running = new Map<string, { done: Promise<TurnResult>; stop: AbortController }>();

    const outcomeOf = (turnId: string): TurnOutcome | null => {
      const r = db.prepare('SELECT id, session_id, status, error, detail FROM turns WHERE id = ?').get(turnId) as Pick<TurnRow, 'id' | 'session_id' | 'status' | 'error'> & { detail: string | null } | undefined;
      if (!r) return null;
      const detail = storedDetailSchema.safeParse(parseJson(r.detail));
      const stored = detail.success ? detail.data : {};
      const error = stored.error ?? (r.error ? { code: r.status === 'cancelled' ? 'CANCELLED' as const : 'INTERNAL' as const, message: r.error } : null);
      return { turnId: r.id, sessionId: r.session_id, status: r.status, result: stored.result ?? null, error: r.status === 'failed' || (r.status === 'cancelled' && !stored.result) ? error : null };
    };

    /** A turn id seen before: its first outcome, never a second run. */
    const replay = (known: TurnOutcome): TurnResult => {
      if (known.result) return known.result;
      if (known.error) throw PagiError.fromWire(known.error);
      throw new PagiError('CONFLICT', `turn ${known.turnId} was already sent; its reply is in the conversation's history`);
    };

    const runNew = async (turnId: string, input: TurnInputOf, emit: (chunk: TurnChunk) => void, signal: AbortSignal): Promise<TurnResult> => {
      const sessionId = input.sessionId ?? newId();
      const { parent, offPath } = placeTurn(sessionId, input.parentTurnId);
      db.prepare("INSERT INTO turns (id, session_id, user_text, status, started_at, parent_turn_id) VALUES (?, ?, ?, 'running', ?, ?)").run(turnId, sessionId, input.text, new Date().toISOString(), parent);
      try {
        const result = await runTurn(clients, { ...input, turnId, sessionId, excludeEpisodes: offPath }, emit, signal);
        setEpisodes.run(result.userEpisodeId, result.replyEpisodeId, turnId);
        const status = result.stopReason === 'cancelled' ? 'cancelled' : 'completed';
        finish.run(result.reply, status, null, JSON.stringify({ result }), new Date().toISOString(), turnId);
        // the reply is the user's; the durable events follow without making them wait
        void Promise.all([
          ctx.bus.publish('turn.completed', {
            turnId, sessionId, userEpisodeId: result.userEpisodeId, replyEpisodeId: result.replyEpisodeId,
            provenance: result.provenance, usage: result.usage,
            mood: { pleasure: result.mood.pleasure, arousal: result.mood.arousal, dominance: result.mood.dominance },
          }),
          ctx.bus.publish('decision.made', { turnId, kind: 'reply', detail: `replied with ${result.usage?.completionTokens ?? 0} tokens (${result.stopReason})` }),
        ]).catch((err: unknown) => ctx.log.warn('turn events not published', { error: PagiError.from(err).message }));
        return result;
      } catch (err) {
        const e = PagiError.from(err);
        finish.run(null, e.code === 'CANCELLED' ? 'cancelled' : 'failed', e.message, JSON.stringify({ error: e.toWire() }), new Date().toISOString(), turnId);
        throw e;
      }
    };

    return {
      api: {
        turn(input, { emit, signal }) {
          const turnId = input.turnId ?? newId();
          const inFlight = running.get(turnId);
          if (inFlight) return inFlight.done;
          const known = outcomeOf(turnId);
          if (known) return Promise.resolve().then(() => replay(known));
          // stopped by its caller going away, or by cancelTurn (the caller then still gets the result)
          const stop = new AbortController();
          const done = runNew(turnId, input, emit, AbortSignal.any([signal, stop.signal])).finally(() => running.delete(turnId));
          running.set(turnId, { done, stop });
          return done;
        },
        cancelTurn({ turnId }) {
          const turn = running.get(turnId);
          turn?.stop.abort();
          return { cancelled: turn !== undefined };
        },
        turnOutcome: ({ turnId }) => outcomeOf(turnId),
        history({ sessionId, limit }) {
          const rows = db.prepare('SELECT * FROM (SELECT * FROM turns WHERE session_id = ? ORDER BY started_at DESC LIMIT ?) ORDER BY started_at').all(sessionId, limit) as TurnRow[];
          return rows.map((r) => ({ turnId: r.id, sessionId: r.session_id, userText: r.user_text, reply: r.reply, status: r.status, error: r.error, startedAt: r.started_at, finishedAt: r.finished_at, parentTurnId: r.parent_turn_id }));
        },
        sessions({ limit }) {
          const rows = db.prepare(
            `SELECT session_id, COUNT(*) AS turns, MAX(started_at) AS last_at,
               COALESCE((SELECT title FROM session_titles s WHERE s.session_id = t.session_id), (SELECT user_text FROM turns t2 WHERE t2.session_id = t.session_id ORDER BY started_at LIMIT 1)) AS first_text
             FROM turns t GROUP BY session_id ORDER BY last_at DESC LIMIT ?`,
          ).all(limit) as Array<{ session_id: string; turns: number; last_at: string; first_text: string }>;
          return rows.map((r) => ({ sessionId: r.session_id, turns: r.turns, lastAt: r.last_at, title: r.first_text.slice(0, 80) }));
        },
        locateTurn({ turnId }) {
          const r = db.prepare('SELECT session_id FROM turns WHERE id = ?').get(turnId) as { session_id: string } | undefined;
          if (!r) throw new PagiError('NOT_FOUND', `no turn ${turnId} (its conversation may have been deleted)`);
          return { turnId, sessionId: r.session_id };
        },
        renameSession({ sessionId, title }) {
          if (!db.prepare('SELECT 1 FROM turns WHERE session_id = ?').get(sessionId)) throw new PagiError('NOT_FOUND', `no conversation ${sessionId}`);
          db.prepare('INSERT INTO session_titles (session_id, title) VALUES (?, ?) ON CONFLICT(session_id) DO UPDATE SET title = excluded.title').run(sessionId, title);
          return { sessionId, title };
        },
        async deleteSession({ sessionId, forgetMemories }) {
          const rows = db.prepare('SELECT id, status, user_episode_id, reply_episode_id FROM turns WHERE session_id = ?').all(sessionId) as TurnRow[];
          if (rows.length === 0) throw new PagiError('NOT_FOUND', `no conversation ${sessionId}`);
          if (rows.some((r) => r.status === 'running')) throw new PagiError('FAILED_PRECONDITION', 'a reply is still being written in this conversation; stop it first');
          let forgottenEpisodes = 0;
          if (forgetMemories) {
            for (const id of rows.flatMap((r) => [r.user_episode_id, r.reply_episode_id]).filter((x): x is string => x !== null)) {
              try {
                await clients.episodic.forget({ id, by: 'user' });
                forgottenEpisodes++;
              } catch (err) {
                if (PagiError.from(err).code !== 'NOT_FOUND') throw err; // already gone: nothing to forget
              }
            }
            await clients.working.clear({ sessionId }).catch((err: unknown) => ctx.log.warn('working memory of a deleted conversation not cleared (it expires on its own)', { error: PagiError.from(err).message }));
          }
          const deletedTurns = db.transaction(() => {
            db.prepare('DELETE FROM session_titles WHERE session_id = ?').run(sessionId);
            return db.prepare('DELETE FROM turns WHERE session_id = ?').run(sessionId).changes;
          })();
          return { deletedTurns, forgottenEpisodes };
        },
      },
      health: () => ({ ok: db.open }),
    };
  },
});
