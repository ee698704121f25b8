import { z } from 'zod';
import { call, defineContract, stream } from '../../contracts/contract.js';
import { padSchema, provenanceSchema, usageSchema } from '../../contracts/domain.js';

export const turnChunkSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), turnId: z.string(), sessionId: z.string() }),
  z.object({ type: z.literal('token'), text: z.string() }),
  z.object({ type: z.literal('tool'), tool: z.string(), status: z.string() }),
]);
export type TurnChunk = z.infer<typeof turnChunkSchema>;

export const turnResultSchema = z.object({
  turnId: z.string(),
  sessionId: z.string(),
  reply: z.string(),
  stopReason: z.string(),
  usage: usageSchema.nullable(),
  provenance: z.array(provenanceSchema),
  mood: padSchema.extend({ label: z.string() }),
  userEpisodeId: z.string().nullable(),
  replyEpisodeId: z.string().nullable(),
  degraded: z.array(z.string()),
  timings: z.record(z.string(), z.number()),
});
export type TurnResult = z.infer<typeof turnResultSchema>;

export const turnRecordSchema = z.object({
  turnId: z.string(),
  sessionId: z.string(),
  userText: z.string(),
  reply: z.string().nullable(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  parentTurnId: z.string().nullable(),
});

export const executiveContract = defineContract('executive', {
  turn: stream(
    z.object({
      text: z.string().trim().min(1, 'a message needs some text').max(100_000),
      sessionId: z.string().min(1).max(200).optional(),
      maxTokens: z.number().int().min(1).max(8_192).default(256),
      temperature: z.number().min(0).max(2).default(0.7),
      seed: z.number().int().min(0).optional(),
      contextBudgetTokens: z.number().int().min(64).max(100_000).default(768),
      /**
       * The turn this one follows: another reply to the same message (regenerate), an edited message,
       * or any earlier point starts a branch; turns on other branches stay out of the context. Absent:
       * after the session's latest turn. null: from the start of the session.
       */
      parentTurnId: z.string().min(1).max(100).nullable().optional(),
    }),
    turnChunkSchema,
    turnResultSchema,
  ),
  history: call(z.object({ sessionId: z.string().min(1).max(200), limit: z.number().int().min(1).max(1_000).default(100) }), z.array(turnRecordSchema)),
  sessions: call(z.object({ limit: z.number().int().min(1).max(1_000).default(100) }), z.array(z.object({ sessionId: z.string(), turns: z.number().int(), lastAt: z.string(), title: z.string() }))),
  /** Where a turn is (its conversation), for links from other views (the mood chart). */
  locateTurn: call(z.object({ turnId: z.string().min(1).max(100) }), z.object({ turnId: z.string(), sessionId: z.string() })),
  renameSession: call(z.object({ sessionId: z.string().min(1).max(200), title: z.string().trim().min(1, 'a title needs some text').max(120) }), z.object({ sessionId: z.string(), title: z.string() })),
  /** Removes the conversation; with `forgetMemories` its messages are also forgotten (hard-deleted) from episodic memory. */
  deleteSession: call(
    z.object({ sessionId: z.string().min(1).max(200), forgetMemories: z.boolean().default(false) }),
    z.object({ deletedTurns: z.number().int(), forgottenEpisodes: z.number().int() }),
  ),
});
