import type { ConversationImportResult, OperationProgress } from '../../api/coreAccess.js';
import { PagiError } from '../../contracts/errors.js';
import type { ConversationSource, Utterance } from './conversationSources.js';

const BATCH = 500;
/** Reported in full up to this many; beyond it only counted (a file of garbage must not make a huge result). */
const MAX_REPORTED_SKIPS = 1_000;
/** Turns of one session per extraction job: enough context for the model, small enough for a tiny one. */
const EXTRACT_WINDOW = 10;

type ExtractionSummary = NonNullable<ConversationImportResult['extraction']>;

export interface ConversationSinks {
  /** Stores a batch of episodes (one transaction) and returns their ids, in order. */
  store(episodes: Array<{ sessionId: string; actor: string; kind: 'message'; text: string; time: string; ref: string | null }>): Promise<string[]>;
  /** Queues fact extraction for some turns; returns the job's id. */
  extract?(episodeIds: string[]): Promise<string>;
  /** A job's state, to follow it to the end. */
  job?(id: string): Promise<{ status: string; error: string | null; result: { added: number; updated: number; superseded: number } | null }>;
}

/**
 * The one import pipeline for conversations from elsewhere (JSON Lines, ChatGPT exports): the source
 * streams, utterances are stored in batches of 500 (one transaction each), unreadable items are
 * reported by number and skipped, and — when asked — the imported turns are queued for fact
 * extraction per session and followed to the end. Everything stored before a fatal problem is kept.
 */
export async function importConversations(source: ConversationSource, sinks: ConversationSinks, opts: { extract: boolean; onProgress(p: OperationProgress): void; signal?: AbortSignal }): Promise<ConversationImportResult> {
  const result: ConversationImportResult = { format: source.format, items: 0, episodes: 0, skipped: [], skippedTotal: 0, extraction: null };
  const bySession = new Map<string, string[]>();
  let batch: Utterance[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    // taken out before storing: a batch whose store failed is never sent twice
    const pending = batch;
    batch = [];
    const ids = await sinks.store(pending.map((u) => ({ sessionId: u.session, actor: u.speaker, kind: 'message' as const, text: u.text, time: u.time, ref: u.ref })));
    if (opts.extract) pending.forEach((u, i) => bySession.set(u.session, [...(bySession.get(u.session) ?? []), ids[i] as string]));
    result.episodes += ids.length;
  };
  try {
    for await (const item of source.items) {
      if (opts.signal?.aborted) throw new PagiError('CANCELLED', 'the import was stopped');
      result.items++;
      if ('skipped' in item) {
        result.skippedTotal++;
        if (result.skipped.length < MAX_REPORTED_SKIPS) result.skipped.push(item.skipped);
        continue;
      }
      batch.push(...item.utterances);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
  } catch (err) {
    const e = PagiError.from(err);
    // what was read whole before the problem is kept
    if (e.code !== 'CANCELLED') await flush().catch(() => undefined);
    if (result.episodes === 0) throw e;
    throw new PagiError(e.code, `${e.message}; the ${result.episodes} messages before the problem were kept`);
  }
  if (opts.extract && result.episodes > 0) result.extraction = await extractFacts([...bySession.values()], sinks, opts.onProgress);
  return result;
}

/** Queues the imported turns for fact extraction in windows per session and follows the jobs to the end. */
async function extractFacts(sessions: string[][], sinks: ConversationSinks, onProgress: (p: OperationProgress) => void): Promise<ExtractionSummary> {
  if (!sinks.extract || !sinks.job) throw new PagiError('UNSUPPORTED', 'fact extraction is not available here');
  const jobs: string[] = [];
  for (const ids of sessions) for (let i = 0; i < ids.length; i += EXTRACT_WINDOW) jobs.push(await sinks.extract(ids.slice(i, i + EXTRACT_WINDOW)));
  const summary: ExtractionSummary = { jobs: jobs.length, done: 0, failed: 0, added: 0, updated: 0, superseded: 0, errors: [] };
  const open = new Set(jobs);
  while (open.size > 0) {
    for (const id of [...open]) {
      const job = await sinks.job(id);
      if (job.status !== 'done' && job.status !== 'failed') continue;
      open.delete(id);
      if (job.status === 'done') {
        summary.done++;
        summary.added += job.result?.added ?? 0;
        summary.updated += job.result?.updated ?? 0;
        summary.superseded += job.result?.superseded ?? 0;
      } else {
        summary.failed++;
        if (job.error && !summary.errors.includes(job.error)) summary.errors.push(job.error);
      }
    }
    onProgress({ phase: 'extracting facts', done: summary.done + summary.failed, total: summary.jobs, unit: 'jobs' });
    if (open.size > 0) await new Promise((r) => setTimeout(r, 250));
  }
  return summary;
}
