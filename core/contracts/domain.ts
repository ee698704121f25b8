import { z } from 'zod';

/** A date-time with its offset (`2024-06-01T10:00:00Z`, `…+02:00`), the one form times take at every boundary. */
export const isoTime = z.iso.datetime({ offset: true, message: 'use an ISO 8601 date-time, e.g. 2024-06-01T10:00:00Z' });

/** Pleasure–arousal–dominance, each in [-1, 1]. */
export const padSchema = z.object({
  pleasure: z.number().min(-1).max(1),
  arousal: z.number().min(-1).max(1),
  dominance: z.number().min(-1).max(1),
});
export type Pad = z.infer<typeof padSchema>;

export const moodSchema = padSchema.extend({
  label: z.string(),
  at: z.string(),
});
export type Mood = z.infer<typeof moodSchema>;

export const personaSchema = z.object({
  description: z.string().max(8000).default('A thoughtful, warm companion who remembers what matters.'),
  traits: z.array(z.string().min(1).max(60)).max(20).default(['curious', 'warm', 'concise']),
  speakingStyle: z.string().max(2000).default(''),
  /** What the twin says to open a new conversation (a character card's first message and its alternates); empty: nothing. */
  greetings: z.array(z.string().trim().min(1).max(20_000)).max(50).default([]),
  baseline: padSchema.default({ pleasure: 0.2, arousal: 0, dominance: 0.1 }),
  /** Half-life, in minutes, of the decay of the mood toward the baseline. */
  moodHalfLifeMinutes: z.number().positive().max(60 * 24 * 30).default(30),
});
export type Persona = z.infer<typeof personaSchema>;

export const lifecycleSchema = z.enum(['active', 'paused']);

/** Characters a name shown everywhere must not hold: controls (a terminal or a log obeys them) and text-direction overrides (a name that reads as another). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
export const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** A twin's name, as the user gives it. */
export const twinNameSchema = z.string().trim().min(1, 'a name needs some text').max(120, 'a name is at most 120 characters')
  .refine((n) => !new RegExp(UNSHOWABLE.source).test(n), { message: 'a name cannot hold control characters or characters that change the direction of text' });

export const twinSchema = z.object({
  id: z.string(),
  name: z.string().min(1).max(120),
  persona: personaSchema,
  parentId: z.string().nullable(),
  generation: z.number().int().min(0),
  lifecycle: lifecycleSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Twin = z.infer<typeof twinSchema>;

export const actorSchema = z.string().min(1).max(120);
export const episodeKindSchema = z.enum(['message', 'action', 'observation', 'reflection']);

export const episodeSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  time: z.string(),
  actor: actorSchema,
  kind: episodeKindSchema,
  text: z.string(),
  mood: padSchema.nullable(),
  importance: z.number().min(0).max(1),
  accessCount: z.number().int().min(0),
  lastAccess: z.string().nullable(),
  ref: z.string().nullable(),
  pinned: z.boolean(),
});
export type Episode = z.infer<typeof episodeSchema>;

export const factKindSchema = z.enum(['fact', 'chunk']);

/**
 * A fact or a document chunk. Two time ranges: `validFrom`/`validTo` is when it is true in the world
 * (null: unknown / still true), `createdAt`/`retiredAt` is when the twin learned it and stopped
 * believing it (superseded or retracted). Nothing contradicted is erased, so "what did the twin
 * believe on date X" has an answer.
 */
export const factSchema = z.object({
  id: z.string(),
  kind: factKindSchema,
  text: z.string(),
  confidence: z.number().min(0).max(1),
  pinned: z.boolean(),
  sourceEpisodeIds: z.array(z.string()),
  /** For chunks: the document they came from and their place in it. */
  source: z.object({ document: z.string(), chunk: z.number().int() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  retiredAt: z.string().nullable(),
  supersededBy: z.string().nullable(),
  accessCount: z.number().int().min(0),
  lastAccess: z.string().nullable(),
  embedded: z.boolean(),
});
export type Fact = z.infer<typeof factSchema>;

export const chatRoleSchema = z.enum(['system', 'user', 'assistant', 'tool']);
/** A tool call the model made, under the id its answer (a `tool` message) refers to. */
export const modelToolCallSchema = z.object({ id: z.string().min(1).max(100), tool: z.string().min(1).max(120), args: z.unknown() });
export type ModelToolCall = z.infer<typeof modelToolCallSchema>;
export const chatMessageSchema = z.object({
  role: chatRoleSchema,
  content: z.string(),
  /** assistant: the tools this message called. */
  toolCalls: z.array(modelToolCallSchema).max(32).optional(),
  /** tool: the call this message answers (its output, as data). */
  toolCallId: z.string().min(1).max(100).optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const toolCallSchema = z.object({
  tool: z.string().min(1).max(120),
  args: z.record(z.string(), z.unknown()),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

export const piiKindSchema = z.enum(['email', 'phone', 'card', 'secret']);
export type PiiKind = z.infer<typeof piiKindSchema>;

export const appraisalSchema = z.object({
  text: z.string(),
  redacted: z.boolean(),
  pii: z.array(z.object({ kind: piiKindSchema, start: z.number().int(), end: z.number().int() })),
  sentiment: z.object({ score: z.number(), comparative: z.number(), positive: z.array(z.string()), negative: z.array(z.string()) }),
  pad: padSchema,
  untrusted: z.boolean(),
});
export type Appraisal = z.infer<typeof appraisalSchema>;

export const memoryTierSchema = z.enum(['working', 'episodic', 'semantic']);

/** Who changed a memory. */
export const changeActorSchema = z.enum(['user', 'twin', 'learning', 'import', 'system']);
export type ChangeActor = z.infer<typeof changeActorSchema>;
export const changeOpSchema = z.enum(['add', 'edit', 'delete', 'pin', 'unpin', 'supersede', 'forget', 'importance', 'undo']);
export type ChangeOp = z.infer<typeof changeOpSchema>;

/** One recorded change to a memory, with the values before and after (null where there was none, or scrubbed by forget). */
export const memoryChangeSchema = z.object({
  id: z.string(),
  at: z.string(),
  tier: z.enum(['episodic', 'semantic']),
  actor: changeActorSchema,
  op: changeOpSchema,
  targetId: z.string(),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  /** For an undo: the change it undid. */
  undoes: z.string().nullable(),
  /** The undo that reversed this change, if any. */
  undoneBy: z.string().nullable(),
  /** The memory was forgotten: its values were wiped from the history too. */
  scrubbed: z.boolean(),
});
export type MemoryChange = z.infer<typeof memoryChangeSchema>;

/** The parts of a hybrid score, each in [0, 1]. */
export const scoreBreakdownSchema = z.object({
  bm25: z.number(),
  vector: z.number(),
  recency: z.number(),
  importance: z.number(),
  salience: z.number(),
  time: z.number(),
});
export const provenanceSchema = z.object({
  tier: memoryTierSchema,
  id: z.string(),
  score: z.number(),
  scores: scoreBreakdownSchema.nullable(),
  tokens: z.number().int(),
});
export type Provenance = z.infer<typeof provenanceSchema>;

export const usageSchema = z.object({
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  promptEvalMs: z.number().min(0),
  timeToFirstTokenMs: z.number().min(0).nullable(),
  totalMs: z.number().min(0),
  tokensPerSecond: z.number().min(0).nullable(),
});
export type Usage = z.infer<typeof usageSchema>;
