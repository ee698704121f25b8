import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import type { ClientOf } from '../../contracts/contract.js';
import type { inferenceContract } from '../../inference/common/contract.js';
import { cleanProposal, DECIDE_SYSTEM, decisionSchema, decisionValueSchema, EXTRACT_SYSTEM, PROPOSAL_SCHEMA, proposalSchema } from '../common/extraction.js';
import type { FactHit } from './factSearch.js';
import type { FactStore } from './factStore.js';

export interface ExtractionJob {
  id: string; sessionId: string | null; episodeIds: string[]; status: 'pending' | 'running' | 'done' | 'failed'; attempts: number; error: string | null;
  result: { added: number; updated: number; superseded: number; unchanged: number; decisions: Array<{ proposal: string; action: string; factId: string | null }> } | null;
  createdAt: string; updatedAt: string;
}
interface JobRow { id: string; session_id: string | null; episode_ids: string; text: string; status: ExtractionJob['status']; attempts: number; error: string | null; result: string | null; created_at: string; updated_at: string }
const toJob = (r: JobRow): ExtractionJob => ({
  id: r.id, sessionId: r.session_id, episodeIds: JSON.parse(r.episode_ids) as string[], status: r.status, attempts: r.attempts, error: r.error,
  result: r.result ? (JSON.parse(r.result) as ExtractionJob['result']) : null, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** How a job that failed for want of a model says so; `retryWaitingForModel` finds them by it. */
const WAITING_FOR_MODEL = 'the job runs again when one is loaded';

export interface ExtractionDeps {
  db: SqliteDatabase;
  facts: FactStore;
  inference: ClientOf<typeof inferenceContract>;
  /** Similar current facts for a proposal (hybrid search). */
  similar: (text: string) => Promise<FactHit[]>;
  /** A fact was added or changed: embed it, publish. */
  onFact: (id: string) => void;
  onFinished: (job: ExtractionJob) => void;
  timeoutMs: number;
  /** Below this hybrid score an existing fact is not "similar" and the proposal is added without asking. */
  similarityFloor: number;
}

/**
 * Fact extraction as durable jobs: turns in, proposals from the loaded model under a JSON schema,
 * then per proposal ADD / UPDATE / SUPERSEDE / NONE against similar known facts. A job that fails
 * keeps its error and can be retried; nothing fails silently.
 */
export function createFactExtraction(deps: ExtractionDeps) {
  const { db } = deps;
  const byId = db.prepare('SELECT * FROM extraction_jobs WHERE id = ?');
  let working = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const update = (id: string, fields: { status: ExtractionJob['status']; error?: string | null; result?: unknown; attemptsDelta?: number }): void => {
    db.prepare('UPDATE extraction_jobs SET status = ?, error = ?, result = COALESCE(?, result), attempts = attempts + ?, updated_at = ? WHERE id = ?')
      .run(fields.status, fields.error ?? null, fields.result ? JSON.stringify(fields.result) : null, fields.attemptsDelta ?? 0, new Date().toISOString(), id);
  };
  const get = (id: string): ExtractionJob => {
    const r = byId.get(id) as JobRow | undefined;
    if (!r) throw PagiError.hinted('NOT_FOUND', `no extraction job ${id}`, { cli: '`pagi memory extractions` lists them' });
    return toJob(r);
  };

  const runJob = async (job: JobRow): Promise<void> => {
    update(job.id, { status: 'running', attemptsDelta: 1 });
    const sources = JSON.parse(job.episode_ids) as string[];
    const proposed = await deps.inference.generateJson({
      messages: [{ role: 'system', content: EXTRACT_SYSTEM }, { role: 'user', content: `Conversation:\n${job.text}\n\nFacts as JSON:` }],
      schema: PROPOSAL_SCHEMA as unknown as Record<string, unknown>, maxTokens: 400, temperature: 0,
    }, { timeoutMs: deps.timeoutMs });
    const parsed = proposalSchema.safeParse(proposed.value);
    if (!parsed.success) throw new PagiError('INTERNAL', `the model's answer did not match the fact schema: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
    const result = { added: 0, updated: 0, superseded: 0, unchanged: 0, decisions: [] as Array<{ proposal: string; action: string; factId: string | null }> };
    const seen = new Set<string>();
    for (const raw of parsed.data.facts) {
      const p = cleanProposal(raw);
      if (!p || seen.has(p.text.toLowerCase())) continue;
      seen.add(p.text.toLowerCase());
      const similar = (await deps.similar(p.text)).filter((h) => h.score >= deps.similarityFloor).slice(0, 3);
      let action: string = 'ADD';
      let target = 0;
      let text = p.text;
      if (similar.length > 0) {
        const decided = await deps.inference.generateJson({
          messages: [
            { role: 'system', content: DECIDE_SYSTEM },
            { role: 'user', content: `EXISTING:\n${similar.map((h, i) => `${i + 1}. ${h.fact.text}`).join('\n')}\n\nNEW: ${p.text}\n\nDecision as JSON:` },
          ],
          schema: decisionSchema(similar.length), maxTokens: 200, temperature: 0,
        }, { timeoutMs: deps.timeoutMs });
        const d = decisionValueSchema.safeParse(decided.value);
        if (!d.success) throw new PagiError('INTERNAL', `the model's decision did not match its schema: ${d.error.issues[0]?.message ?? 'unknown'}`);
        action = d.data.action;
        target = d.data.target;
        text = cleanProposal({ text: d.data.text, confidence: p.confidence })?.text ?? p.text;
      }
      const existing = similar[target - 1]?.fact ?? null;
      if (action === 'ADD' || (action !== 'NONE' && !existing)) {
        const fact = deps.facts.add({ text: p.text, confidence: p.confidence, pinned: false, sourceEpisodeIds: sources }, 'learning');
        deps.onFact(fact.id);
        result.added++;
        result.decisions.push({ proposal: p.text, action: 'ADD', factId: fact.id });
      } else if (action === 'UPDATE' && existing) {
        const { memory: fact } = deps.facts.edit(existing.id, { text }, 'learning');
        deps.onFact(fact.id);
        result.updated++;
        result.decisions.push({ proposal: p.text, action, factId: fact.id });
      } else if (action === 'SUPERSEDE' && existing) {
        const { fact } = deps.facts.supersede(existing.id, { text, confidence: p.confidence, pinned: false, sourceEpisodeIds: sources }, 'learning');
        deps.onFact(fact.id);
        result.superseded++;
        result.decisions.push({ proposal: p.text, action, factId: fact.id });
      } else {
        result.unchanged++;
        result.decisions.push({ proposal: p.text, action: 'NONE', factId: existing?.id ?? null });
      }
    }
    update(job.id, { status: 'done', result });
  };

  const work = async (): Promise<void> => {
    if (working) return;
    working = true;
    try {
      for (;;) {
        const job = db.prepare("SELECT * FROM extraction_jobs WHERE status = 'pending' AND not_before <= ? ORDER BY not_before LIMIT 1").get(new Date().toISOString()) as JobRow | undefined;
        if (!job) break;
        try {
          await runJob(job);
        } catch (err) {
          const e = PagiError.from(err);
          // only "no model" is retried by itself when a model loads; a crash or a bad answer waits for the user
          const hint = e.code === 'FAILED_PRECONDITION' ? ` — load a model (\`pagi models load\`); ${WAITING_FOR_MODEL}` : ' — retry with `pagi memory extractions --retry`';
          update(job.id, { status: 'failed', error: `${e.message}${hint}` });
        }
        deps.onFinished(get(job.id));
      }
      const next = db.prepare("SELECT MIN(not_before) FROM extraction_jobs WHERE status = 'pending'").pluck().get() as string | null;
      if (next) schedule(Math.max(0, Date.parse(next) - Date.now()));
    } finally {
      working = false;
    }
  };
  function schedule(ms: number): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void work();
    }, ms);
    timer.unref?.();
  }

  return {
    get,
    /** Queues turns for extraction; with `sessionId` and a delay, turns of one session that keep coming join the waiting job. */
    enqueue(input: { episodeIds: string[]; text: string; sessionId?: string | null; delayMs?: number }): ExtractionJob {
      const now = new Date();
      const notBefore = new Date(now.getTime() + (input.delayMs ?? 0)).toISOString();
      const waiting = input.sessionId
        ? (db.prepare("SELECT * FROM extraction_jobs WHERE status = 'pending' AND session_id = ? AND attempts = 0").get(input.sessionId) as JobRow | undefined)
        : undefined;
      if (waiting) {
        const ids = [...(JSON.parse(waiting.episode_ids) as string[]), ...input.episodeIds];
        db.prepare('UPDATE extraction_jobs SET episode_ids = ?, text = ?, not_before = ?, updated_at = ? WHERE id = ?')
          .run(JSON.stringify(ids), `${waiting.text}\n${input.text}`.slice(-8_000), notBefore, now.toISOString(), waiting.id);
        schedule(input.delayMs ?? 0);
        return get(waiting.id);
      }
      const id = newId();
      db.prepare('INSERT INTO extraction_jobs (id, session_id, episode_ids, text, status, not_before, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, input.sessionId ?? null, JSON.stringify(input.episodeIds), input.text.slice(-8_000), 'pending', notBefore, now.toISOString(), now.toISOString());
      schedule(input.delayMs ?? 0);
      return get(id);
    },
    list(status: ExtractionJob['status'] | undefined, limit: number): ExtractionJob[] {
      const rows = status
        ? db.prepare('SELECT * FROM extraction_jobs WHERE status = ? ORDER BY created_at DESC LIMIT ?').all(status, limit)
        : db.prepare('SELECT * FROM extraction_jobs ORDER BY created_at DESC LIMIT ?').all(limit);
      return (rows as JobRow[]).map(toJob);
    },
    /** Puts failed jobs (one, or all) back in the queue. */
    retry(id?: string): number {
      const n = id
        ? db.prepare("UPDATE extraction_jobs SET status = 'pending', not_before = ?, error = NULL WHERE id = ? AND status = 'failed'").run(new Date().toISOString(), id).changes
        : db.prepare("UPDATE extraction_jobs SET status = 'pending', not_before = ?, error = NULL WHERE status = 'failed'").run(new Date().toISOString()).changes;
      if (id && n === 0) {
        const job = get(id);
        throw new PagiError('FAILED_PRECONDITION', `extraction job ${id} is ${job.status}; only failed jobs can be retried`);
      }
      if (n > 0) schedule(0);
      return n;
    },
    /** Jobs that failed for want of a model get their chance now that one is loaded. */
    retryWaitingForModel(): void {
      const requeued = db.prepare("UPDATE extraction_jobs SET status = 'pending', error = NULL, not_before = ? WHERE status = 'failed' AND error LIKE ?").run(new Date().toISOString(), `%${WAITING_FOR_MODEL}%`).changes;
      if (requeued > 0) schedule(0);
    },
    /** A job interrupted by a crash runs again. */
    recover(): void {
      db.prepare("UPDATE extraction_jobs SET status = 'pending' WHERE status = 'running'").run();
      schedule(0);
    },
    counts: () => Object.fromEntries((db.prepare('SELECT status, COUNT(*) AS n FROM extraction_jobs GROUP BY status').all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n])),
    stop(): void {
      if (timer) clearTimeout(timer);
    },
  };
}
