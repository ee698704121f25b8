import { z } from 'zod';
import { padSchema, provenanceSchema, usageSchema } from './domain.js';

/** Every bus topic (past tense) and the schema its payload must satisfy. The event router rejects the rest. */
export const EVENT_TOPICS = {
  'twin.updated': z.object({ twinId: z.string(), name: z.string() }),
  'inference.model.loading': z.object({ path: z.string(), progress: z.number().min(0).max(1), purpose: z.enum(['chat', 'embedding']) }),
  'inference.model.loaded': z.object({ path: z.string(), backend: z.string(), contextSize: z.number().int(), purpose: z.enum(['chat', 'embedding']) }),
  'inference.model.imported': z.object({ id: z.string(), path: z.string(), source: z.enum(['reference', 'copy', 'download']) }),
  'inference.download.progressed': z.object({ id: z.string(), downloadedBytes: z.number(), totalBytes: z.number(), bytesPerSecond: z.number().nullable(), etaSeconds: z.number().nullable() }),
  'inference.download.finished': z.object({ id: z.string(), status: z.enum(['downloading', 'verifying', 'done', 'failed', 'cancelled']), error: z.string().optional() }),
  'inference.model.unloaded': z.object({ path: z.string(), reason: z.string() }),
  'inference.backend.selected': z.object({ backend: z.string(), gpu: z.string().nullable(), reason: z.string() }),
  'emotion.changed': z.object({ before: padSchema, after: padSchema, label: z.string(), cause: z.string(), turnId: z.string().nullable() }),
  'memory.episode.stored': z.object({ id: z.string(), sessionId: z.string(), actor: z.string(), kind: z.string(), importance: z.number() }),
  'memory.episodes.imported': z.object({ count: z.number().int(), sessionIds: z.array(z.string()), firstId: z.string(), lastId: z.string() }),
  'memory.fact.stored': z.object({ id: z.string(), text: z.string() }),
  'memory.changed': z.object({ tier: z.enum(['episodic', 'semantic']), changeId: z.string(), op: z.string(), targetId: z.string(), actor: z.string() }),
  'memory.embedding.progressed': z.object({
    tier: z.enum(['episodic', 'semantic']), model: z.string().nullable(), dims: z.number().int().nullable(), embedded: z.number().int(), total: z.number().int(),
    state: z.enum(['idle', 'embedding', 'waiting-for-model', 'failed']), note: z.string().nullable(),
  }),
  'memory.extraction.finished': z.object({ jobId: z.string(), status: z.enum(['done', 'failed']), added: z.number().int(), updated: z.number().int(), superseded: z.number().int(), error: z.string().nullable() }),
  'memory.document.progressed': z.object({ documentId: z.string(), name: z.string(), chunks: z.number().int(), totalChunks: z.number().int(), status: z.enum(['ingesting', 'done', 'failed']), error: z.string().nullable() }),
  'turn.completed': z.object({
    turnId: z.string(),
    sessionId: z.string(),
    userEpisodeId: z.string().nullable(),
    replyEpisodeId: z.string().nullable(),
    provenance: z.array(provenanceSchema),
    usage: usageSchema.nullable(),
    mood: padSchema,
  }),
  'decision.made': z.object({ turnId: z.string(), kind: z.enum(['reply', 'tool-call', 'refusal']), detail: z.string() }),
  'feedback.given': z.object({ turnId: z.string(), rating: z.enum(['up', 'down', 'wrong']), note: z.string().optional() }),
  'tool.invoked': z.object({ tool: z.string(), decision: z.enum(['allowed', 'denied', 'needs-approval']), auditId: z.number().int() }),
  /** A row was appended to the actuator's audit chain (a request, an approval's answer, a run's outcome, a setting). */
  'audit.appended': z.object({
    seq: z.number().int(), kind: z.enum(['request', 'decision', 'outcome', 'setting']), refSeq: z.number().int().nullable(), tool: z.string(), caller: z.string(),
    decision: z.string().nullable(), outcome: z.string().nullable(), turnId: z.string().nullable(), hash: z.string(),
  }),
  /** A service's process ended unasked (recorded by the host from the supervisor): it restarts, or has failed for good. */
  'service.crashed': z.object({ service: z.string(), how: z.string(), restarts: z.number().int(), next: z.enum(['restart', 'failed']) }),
  /** A service runs again after a crash or a restart someone asked for. */
  'service.restarted': z.object({ service: z.string(), restarts: z.number().int() }),
  'test.ping': z.object({ n: z.number().int(), pad: z.string().optional() }),
} as const;

export type EventTopic = keyof typeof EVENT_TOPICS;
export type EventPayload<T extends EventTopic> = z.infer<(typeof EVENT_TOPICS)[T]>;

export function isEventTopic(value: string): value is EventTopic {
  return Object.hasOwn(EVENT_TOPICS, value);
}

export const busEventSchema = z.object({
  offset: z.number().int().positive(),
  id: z.string(),
  topic: z.string(),
  payload: z.unknown(),
  source: z.string(),
  time: z.string(),
});
export type BusEvent = z.infer<typeof busEventSchema>;
