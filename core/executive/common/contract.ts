import { z } from 'zod';
import { call, defineContract, stream } from '../../contracts/contract.js';
import { chatMessageSchema, padSchema, provenanceSchema, usageSchema } from '../../contracts/domain.js';
import { wireErrorSchema } from '../../contracts/errors.js';
import { idSchema } from '../../contracts/ids.js';
import { generationChangeSchema, generationFields } from './generation.js';

export const turnChunkSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), turnId: z.string(), sessionId: z.string() }),
  z.object({ type: z.literal('token'), text: z.string() }),
  /** The model is busy with other replies: this one waits behind `ahead` of them. */
  z.object({ type: z.literal('waiting'), ahead: z.number().int().min(0) }),
  /** A tool call of the model: `running`, then `done`, `denied`, `needs-approval` or `failed` with (the start of) its output. */
  z.object({
    type: z.literal('tool'), tool: z.string(), status: z.string(), callId: z.string().optional(), output: z.string().optional(),
    /** While `needs-approval`: what to answer (tools.decide) and what the card shows, until when. */
    approval: z.object({ requestId: z.string(), summary: z.string(), folder: z.string().optional(), command: z.string().optional(), args: z.string(), expiresAt: z.string() }).optional(),
  }),
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
  /** The tools the model called on the way, each with how it ended and (the start of) its output: shown as cards, also when reopened. */
  tools: z.array(z.object({ callId: z.string(), tool: z.string(), status: z.string(), output: z.string() })).default([]),
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
  /** A finished turn's whole result (provenance, mood, usage, timings), so a reopened reply shows all it showed when new; null while running, when failed, and for turns stored before results were kept. */
  result: turnResultSchema.nullable(),
  /** A continuation of this reply being written now (its id, to follow it), or null. */
  continuingId: z.string().nullable().default(null),
});

/** What became of a turn: its result once completed (or stopped), its error once failed. */
export const turnOutcomeSchema = z.object({
  turnId: z.string(),
  sessionId: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']),
  /** Null for a turn still running or failed, and for turns stored before outcomes were kept whole. */
  result: turnResultSchema.nullable(),
  error: wireErrorSchema.nullable(),
});
export type TurnOutcome = z.infer<typeof turnOutcomeSchema>;

/** A turn's own generation settings; absent: the conversation's, else the twin's (null: until the model stops, or the model's default). */
const samplingInput = {
  maxTokens: z.number().int().min(1).max(32_768).nullable().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: generationFields.topP.optional(),
  topK: generationFields.topK.optional(),
  minP: generationFields.minP.optional(),
  repeatPenalty: generationFields.repeatPenalty.optional(),
  seed: z.number().int().min(0).optional(),
};

/** A conversation's own settings: generation values over the twin's, and the greeting it opened with. */
export const conversationSettingsSchema = z.object({
  sessionId: z.string(),
  /** Only the keys this conversation sets; the others are the twin's (Settings → Generation). */
  generation: generationChangeSchema,
  /** The twin's first message (a character card's greeting), or null. */
  opening: z.string().nullable(),
});
export type ConversationSettings = z.infer<typeof conversationSettingsSchema>;

export const executiveContract = defineContract('executive', {
  /**
   * One turn. `turnId` is made by the client, so that sending is idempotent: a turn id the executive
   * already knows is never run again — the call returns the first turn's result (or fails with its
   * error, or waits for it while it runs).
   */
  turn: stream(
    z.object({
      turnId: idSchema.optional(),
      text: z.string().trim().min(1, 'a message needs some text').max(100_000),
      sessionId: z.string().min(1).max(200).optional(),
      ...samplingInput,
      /**
       * The twin's greeting shown at the start of a new conversation (a character card's first message):
       * kept as the conversation's opening and in its context. Ignored once the conversation has turns.
       */
      opening: z.string().trim().min(1).max(20_000).optional(),
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
  /**
   * Writes more of a reply that was stopped or cut at its length limit, from the same prompt: the turn's
   * reply grows and its result is stored again. `continuationId` (made by the client) makes it
   * idempotent: an id seen before never writes again. Only the last reply of its branch can go on.
   */
  continueTurn: stream(
    z.object({ turnId: z.string().min(1).max(100), continuationId: idSchema, ...samplingInput }),
    turnChunkSchema,
    turnResultSchema,
  ),
  /** The messages a reply was written from (system prompt with persona, mood and memories, then the turns); null when not kept (older replies). */
  turnPrompt: call(z.object({ turnId: z.string().min(1).max(100) }), z.object({ turnId: z.string(), messages: z.array(chatMessageSchema).nullable() })),
  conversationSettings: call(z.object({ sessionId: z.string().min(1).max(200) }), conversationSettingsSchema),
  /** Sets this conversation's generation values (null: the model's default or "until it stops"); `inherit` lists keys that go back to the twin's. */
  setConversationSettings: call(
    z.object({ sessionId: z.string().min(1).max(200), generation: generationChangeSchema.default({}), inherit: z.array(z.enum(['maxTokens', 'temperature', 'topP', 'topK', 'minP', 'repeatPenalty'])).max(6).default([]) }).strict()
      .refine((v) => !v.inherit.some((k) => k in v.generation), { message: 'a setting is either given for this conversation or left to the twin, not both', path: ['inherit'] }),
    conversationSettingsSchema,
  ),
  /** Stops a running turn: it ends with the reply so far (stop reason `cancelled`), which its caller still receives. */
  cancelTurn: call(z.object({ turnId: z.string().min(1).max(100) }), z.object({ cancelled: z.boolean() })),
  /** What became of a turn (null: no turn has this id). */
  turnOutcome: call(z.object({ turnId: z.string().min(1).max(100) }), turnOutcomeSchema.nullable()),
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
