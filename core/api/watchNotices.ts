import { z } from 'zod';
import { EVENT_TOPICS, isEventTopic, type BusEvent } from '../contracts/events.js';
import { serviceStateChangeSchema } from '../runtime/common/serviceStatus.js';

/**
 * What `events.watch` tells a client: small "something changed" notices, each naming what to show
 * again. Only download and document progress carry their numbers (they change several times a
 * second, and the pages show them as they come); everything else is fetched again when told.
 */
export const watchAreaSchema = z.enum(['mood', 'memory', 'working', 'documents', 'downloads', 'models', 'twin']);
export type WatchArea = z.infer<typeof watchAreaSchema>;

const downloadProgressSchema = z.object({
  id: z.string(),
  status: z.enum(['downloading', 'verifying', 'done', 'failed', 'cancelled']),
  downloadedBytes: z.number().optional(),
  totalBytes: z.number().optional(),
  bytesPerSecond: z.number().nullable().optional(),
  etaSeconds: z.number().nullable().optional(),
});

export const watchNoticeSchema = z.discriminatedUnion('kind', [
  /** First on every stream: `resumed` when it goes on after the client's last notice, missing none. */
  z.object({ kind: z.literal('ready'), resumed: z.boolean() }),
  /** Notices were lost (the client fell behind, or the log was out of reach): show everything again. */
  z.object({ kind: z.literal('resync'), reason: z.enum(['fell-behind', 'gap', 'twin-switched']) }),
  /** The supervisor: a service changed state (crash, restart, failure), with its restart count. */
  z.object({ kind: z.literal('service'), change: serviceStateChangeSchema }),
  /** The host itself: a `.pagi` file was opened with the app (the desktop host only). */
  z.object({ kind: z.literal('bundle-opened') }),
  /** A new event in the log (`offset`), and what it changes on screen. */
  z.object({
    kind: z.literal('event'),
    offset: z.number().int().positive(),
    topic: z.string(),
    areas: z.array(watchAreaSchema),
    download: downloadProgressSchema.optional(),
    document: EVENT_TOPICS['memory.document.progressed'].optional(),
    /** A model loading: how far (0–1). */
    modelLoading: z.number().min(0).max(1).optional(),
  }),
]);
export type WatchNotice = z.infer<typeof watchNoticeSchema>;
export type EventNotice = Extract<WatchNotice, { kind: 'event' }>;

/** Which screens each topic changes; a topic not named here only adds a row to the event log. */
const AREAS_OF: Partial<Record<string, WatchArea[]>> = {
  'twin.updated': ['twin'],
  'inference.model.loading': ['models'],
  'inference.model.loaded': ['models'],
  'inference.model.unloaded': ['models'],
  'inference.model.imported': ['models'],
  'inference.backend.selected': ['models'],
  'inference.download.progressed': ['downloads'],
  'inference.download.finished': ['downloads', 'models'],
  'emotion.changed': ['mood'],
  'memory.episode.stored': ['memory'],
  'memory.episodes.imported': ['memory'],
  'memory.fact.stored': ['memory'],
  'memory.changed': ['memory'],
  'memory.embedding.progressed': ['memory'],
  'memory.extraction.finished': ['memory'],
  'memory.document.progressed': ['documents', 'memory'],
  // a turn moves the mood, stores episodes and fills working memory
  'turn.completed': ['mood', 'memory', 'working'],
};

/** The notice for one event of the log; its payload is checked against the topic's schema here, at the boundary. */
export function noticeOfEvent(event: BusEvent): EventNotice {
  const notice: EventNotice = { kind: 'event', offset: event.offset, topic: event.topic, areas: AREAS_OF[event.topic] ?? [] };
  if (!isEventTopic(event.topic)) return notice;
  switch (event.topic) {
    case 'inference.download.progressed': {
      const p = EVENT_TOPICS[event.topic].safeParse(event.payload);
      if (p.success) notice.download = { ...p.data, status: 'downloading' };
      break;
    }
    case 'inference.download.finished': {
      const p = EVENT_TOPICS[event.topic].safeParse(event.payload);
      if (p.success) notice.download = { id: p.data.id, status: p.data.status };
      break;
    }
    case 'memory.document.progressed': {
      const p = EVENT_TOPICS[event.topic].safeParse(event.payload);
      if (p.success) notice.document = p.data;
      break;
    }
    case 'inference.model.loading': {
      const p = EVENT_TOPICS[event.topic].safeParse(event.payload);
      if (p.success && p.data.purpose === 'chat') notice.modelLoading = p.data.progress;
      break;
    }
    default:
  }
  return notice;
}
