import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import { defineService } from '../../runtime/common/defineService.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { workingMemoryContract, workingTurnSchema } from '../common/contract.js';
import { estimateTokens } from '../common/tokens.js';
import { createSessionStore } from './sessionStore.js';

const configSchema = z.object({
  maxTokensPerSession: z.number().int().min(64).max(1_000_000).default(4_096),
  ttlMinutes: z.number().positive().default(360),
  snapshotDelayMs: z.number().int().min(0).default(500),
  /** Turns are measured with the loaded model's tokenizer within this, else estimated. */
  tokenCountTimeoutMs: z.number().int().min(10).default(300),
  tokenCountBackoffMs: z.number().int().min(0).default(15_000),
});

const snapshotSchema = z.object({
  version: z.literal(1),
  sessions: z.array(z.object({ id: z.string(), turns: z.array(workingTurnSchema), vars: z.record(z.string(), z.unknown()), lastActive: z.number() })),
});

export default defineService({
  id: 'memory.working',
  contract: workingMemoryContract,
  configSchema,
  async start(ctx) {
    const store = createSessionStore({ maxTokens: ctx.config.maxTokensPerSession, ttlMs: ctx.config.ttlMinutes * 60_000 });
    const file = join(ctx.paths.twinDir, 'working.json');
    const inference = ctx.client(inferenceContract);
    let countingPausedUntil = 0;

    /** The bound is in the loaded model's tokens; without a model (or while it does not answer) an estimate. */
    const tokensOf = async (text: string): Promise<{ tokens: number; counted: boolean }> => {
      if (Date.now() >= countingPausedUntil) {
        try {
          return { tokens: (await inference.countTokens({ text }, { timeoutMs: ctx.config.tokenCountTimeoutMs })).tokens, counted: true };
        } catch (err) {
          if (PagiError.from(err).code === 'DEADLINE_EXCEEDED') countingPausedUntil = Date.now() + ctx.config.tokenCountBackoffMs;
        }
      }
      return { tokens: estimateTokens(text), counted: false };
    };

    // Working memory survives a restart of this process through a snapshot (validated on load).
    try {
      const parsed = snapshotSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (parsed.success) {
        for (const s of parsed.data.sessions) {
          for (const t of s.turns) store.append(s.id, t);
          const restored = store.sessions.get(s.id);
          if (restored) {
            restored.vars = s.vars;
            restored.lastActive = s.lastActive;
          }
        }
        store.expire();
      } else {
        ctx.log.warn('working.json does not match its schema; starting with empty working memory');
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.log.warn('working.json could not be read; starting empty', { error: String(err) });
    }

    let timer: ReturnType<typeof setTimeout> | null = null;
    const writeSnapshot = (): void => {
      timer = null;
      const data = { version: 1, sessions: [...store.sessions].map(([id, s]) => ({ id, turns: s.turns, vars: s.vars, lastActive: s.lastActive })) };
      writeFileSync(`${file}.tmp`, JSON.stringify(data));
      renameSync(`${file}.tmp`, file);
    };
    const changed = (): void => {
      timer ??= setTimeout(writeSnapshot, ctx.config.snapshotDelayMs);
    };
    const sweep = setInterval(() => {
      if (store.expire() > 0) changed();
    }, 60_000);
    sweep.unref();
    ctx.onDispose(() => {
      clearInterval(sweep);
      // a change still waiting to be written is written now
      if (timer) {
        clearTimeout(timer);
        writeSnapshot();
      }
    });

    return {
      api: {
        async append({ sessionId, id, role, text, tokens }) {
          const measured = tokens !== undefined ? { tokens, counted: true } : await tokensOf(text);
          const { evicted } = store.append(sessionId, { id, role, text, tokens: measured.tokens, at: new Date().toISOString() });
          changed();
          const s = store.sessions.get(sessionId);
          return { turns: s?.turns.length ?? 0, tokens: s?.tokens ?? 0, evicted, counted: measured.counted };
        },
        get: ({ sessionId, maxTokens }) => store.recent(sessionId, maxTokens),
        setVar({ sessionId, key, value }) {
          store.setVar(sessionId, key, value);
          changed();
          return { ok: true as const };
        },
        clear({ sessionId }) {
          const cleared = store.clear(sessionId);
          changed();
          return { cleared };
        },
        sessions: () =>
          [...store.sessions].map(([sessionId, s]) => ({ sessionId, turns: s.turns.length, tokens: s.tokens, lastActive: new Date(s.lastActive).toISOString() })),
      },
    };
  },
});
