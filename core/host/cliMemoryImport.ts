import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseUtteranceLine } from '../memory-episodic/common/utteranceLine.js';
import type { HostClient } from './hostClient.js';
import { printable } from './terminalText.js';

const BATCH = 500;
/** Turns of one session per extraction job: enough context for the model, small enough for a tiny one. */
const EXTRACT_WINDOW = 10;

export interface ImportResult {
  imported: number;
  skipped: Array<{ line: number; error: string }>;
  extraction: { jobs: number; done: number; failed: number; added: number; updated: number; superseded: number; errors: string[] } | null;
}

/** `pagi memory import FILE`: JSON Lines of utterances become episodes; bad lines are reported and skipped. */
export async function importFile(client: HostClient, file: string, opts: { json: boolean; extract: boolean }): Promise<ImportResult> {
  const skipped: ImportResult['skipped'] = [];
  const ids: Array<{ id: string; sessionId: string }> = [];
  let batch: Array<{ sessionId: string; actor: string; kind: 'message'; text: string; time: string; ref: string | null }> = [];
  const say = (text: string): void => {
    if (!opts.json) process.stderr.write(text);
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const stored = await client.memory.importEpisodes.mutate({ episodes: batch, by: 'import' });
    stored.ids.forEach((id, i) => ids.push({ id, sessionId: batch[i]?.sessionId ?? '' }));
    batch = [];
    say(`\rimported ${ids.length} episodes…`);
  };
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    n++;
    if (!line.trim()) continue;
    const parsed = parseUtteranceLine(line);
    if (!parsed.ok) {
      skipped.push({ line: n, error: parsed.error });
      say(`\nline ${n}: ${printable(parsed.error)} — skipped\n`);
      continue;
    }
    const u = parsed.value;
    batch.push({ sessionId: u.session, actor: u.speaker, kind: 'message', text: u.text, time: u.time, ref: u.ref ?? null });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  say('\n');
  return { imported: ids.length, skipped, extraction: opts.extract && ids.length > 0 ? await extractAll(client, ids, say) : null };
}

/** Queues the imported turns for fact extraction in windows per session and follows the jobs to the end. */
async function extractAll(client: HostClient, ids: Array<{ id: string; sessionId: string }>, say: (t: string) => void): Promise<NonNullable<ImportResult['extraction']>> {
  const bySession = new Map<string, string[]>();
  for (const { id, sessionId } of ids) bySession.set(sessionId, [...(bySession.get(sessionId) ?? []), id]);
  const jobs: string[] = [];
  for (const sessionIds of bySession.values()) {
    for (let i = 0; i < sessionIds.length; i += EXTRACT_WINDOW) jobs.push((await client.memory.extract.mutate({ episodeIds: sessionIds.slice(i, i + EXTRACT_WINDOW) })).id);
  }
  const result = { jobs: jobs.length, done: 0, failed: 0, added: 0, updated: 0, superseded: 0, errors: [] as string[] };
  const open = new Set(jobs);
  while (open.size > 0) {
    for (const id of [...open]) {
      const job = await client.memory.extraction.query({ id });
      if (job.status === 'done' || job.status === 'failed') {
        open.delete(id);
        if (job.status === 'done') {
          result.done++;
          result.added += job.result?.added ?? 0;
          result.updated += job.result?.updated ?? 0;
          result.superseded += job.result?.superseded ?? 0;
        } else {
          result.failed++;
          if (job.error && !result.errors.includes(job.error)) result.errors.push(job.error);
        }
      }
    }
    say(`\rextracting facts: ${result.done + result.failed}/${result.jobs} jobs — ${result.added} added, ${result.updated} updated, ${result.superseded} superseded, ${result.failed} failed`);
    if (open.size > 0) await new Promise((r) => setTimeout(r, 250));
  }
  say('\n');
  return result;
}
