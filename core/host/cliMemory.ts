import { resolve } from 'node:path';
import type { MemoryChange } from '../contracts/domain.js';
import { PagiError } from '../contracts/errors.js';
import type { CliArgs } from './cliArgs.js';
import { importConversationsCommand } from './cliMemoryImport.js';
import type { HostClient } from './hostClient.js';
import { printable, terminalJson } from './terminalText.js';

type WithHost = <T>(args: CliArgs, fn: (client: HostClient) => Promise<T>) => Promise<T>;

const SUBCOMMANDS = ['import', 'search', 'list', 'show', 'edit', 'pin', 'unpin', 'delete', 'history', 'undo', 'add-fact', 'ingest', 'extractions', 'status'] as const;
const out = (text: string): void => void process.stdout.write(`${printable(text)}\n`);
const json = (value: unknown): void => void process.stdout.write(`${terminalJson(value)}\n`);
const short = (text: string, n = 100): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text).replace(/\s+/g, ' ');
const describeChange = (c: MemoryChange): string => `${c.id}  ${c.at.slice(0, 19)}  ${c.op.padEnd(10)} by ${c.actor.padEnd(8)} ${c.undoneBy ? `(undone by ${c.undoneBy}) ` : ''}${c.after ? short(JSON.stringify(c.after), 80) : c.scrubbed ? '(forgotten)' : ''}`;

const need = (value: string | undefined, what: string): string => {
  if (!value) throw new PagiError('INVALID_INPUT', `pagi memory ${what}`);
  return value;
};

export async function memoryCommand(args: CliArgs, withHost: WithHost): Promise<number> {
  const [sub, target, ...rest] = args.positionals;
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) throw new PagiError('INVALID_INPUT', `pagi memory needs one of: ${SUBCOMMANDS.join(', ')}${sub ? ` (got "${sub}")` : ''}`);
  const tier = args.tier === 'all' ? undefined : args.tier;

  switch (sub) {
    case 'import':
      return importConversationsCommand(args, resolve(need(target, 'import needs a JSON Lines file (one utterance a line) or a ChatGPT export\'s conversations.json')), withHost);
    case 'search': {
      const query = [target, ...rest].filter(Boolean).join(' ');
      if (!query.trim()) throw new PagiError('INVALID_INPUT', 'pagi memory search needs a query: pagi memory search "where does Ana work"');
      const r = await withHost(args, (c) => c.memory.search.query({ query, k: args.k ?? 10, tier: args.tier ?? 'all', ...(args.session ? { sessionId: args.session } : {}), ...(args.now ? { now: args.now } : {}), ...(args['as-of'] ? { asOf: args['as-of'] } : {}) }));
      if (args.json) {
        json(r.hits.map((h) => ({ id: h.id, tier: h.tier, ref: h.ref, text: h.text, time: h.time, score: h.score, scores: h.scores })));
        for (const note of r.notes) process.stderr.write(`note: ${printable(note)}\n`);
        return 0;
      }
      for (const note of r.notes) out(`note: ${note}`);
      if (r.hits.length === 0) out('nothing found');
      for (const h of r.hits) {
        const s = h.scores;
        out(`${h.score.toFixed(3)}  ${h.tier.padEnd(8)} ${h.time.slice(0, 16)}  ${h.actor ? `${h.actor}: ` : ''}${short(h.text)}\n        id ${h.id}${h.ref ? `  ref ${h.ref}` : ''}  bm25 ${s.bm25.toFixed(2)} vector ${s.vector.toFixed(2)} recency ${s.recency.toFixed(2)} importance ${s.importance.toFixed(2)}${s.time < 1 ? ` time ×${s.time}` : ''}`);
      }
      return 0;
    }
    case 'list': {
      const r = await withHost(args, (c) => c.memory.list.query({ tier: tier ?? 'episodic', limit: args.limit ?? 20, offset: args.offset ?? 0, ...(args.session ? { sessionId: args.session } : {}), includeRetired: args.all ?? false }));
      if (args.json) return json(r.tier === 'episodic' ? r.episodes : r.facts), 0;
      for (const e of r.episodes) out(`${e.id}  ${e.time.slice(0, 16)}  ${e.sessionId}  ${e.actor}: ${short(e.text)}${e.pinned ? '  [pinned]' : ''}`);
      for (const f of r.facts) out(`${f.id}  ${f.kind}  ${short(f.text)}${f.pinned ? '  [pinned]' : ''}${f.retiredAt ? `  [retired ${f.retiredAt.slice(0, 10)}${f.supersededBy ? ` → ${f.supersededBy}` : ''}]` : ''}`);
      if (r.episodes.length + r.facts.length === 0) out(`no ${r.tier} memories`);
      return 0;
    }
    case 'show': {
      const id = need(target, 'show needs a memory id (see `pagi memory list`)');
      const r = await withHost(args, (c) => c.memory.get.query({ id, ...(tier ? { tier } : {}) }));
      if (args.json) return json(r), 0;
      const m = r.episode ?? r.fact;
      out(JSON.stringify(m, null, 2));
      out('history:');
      for (const c of r.history) out(`  ${describeChange(c)}`);
      return 0;
    }
    case 'edit': {
      const id = need(target, 'edit needs a memory id and what to change: pagi memory edit ID --text "…" [--importance 0.8] [--confidence 0.9]');
      const change = await withHost(args, (c) => c.memory.edit.mutate({ id, ...(tier ? { tier } : {}), ...(args.text !== undefined ? { text: args.text } : {}), ...(args.importance !== undefined ? { importance: args.importance } : {}), ...(args.confidence !== undefined ? { confidence: args.confidence } : {}) }));
      if (args.json) return json(change), 0;
      out(change.change ? `changed (${change.change.id}; undo with \`pagi memory undo ${change.change.id}\`)` : 'nothing changed: the values are the same');
      return 0;
    }
    case 'pin':
    case 'unpin': {
      const id = need(target, `${sub} needs a memory id`);
      const r = await withHost(args, (c) => c.memory.pin.mutate({ id, pinned: sub === 'pin', ...(tier ? { tier } : {}) }));
      if (args.json) return json(r), 0;
      out(r.change ? `${sub}ned (${r.change.id})` : `already ${sub}ned`);
      return 0;
    }
    case 'delete': {
      const id = need(target, 'delete needs a memory id; add --hard to forget it for good');
      const change = await withHost(args, (c) => c.memory.delete.mutate({ id, hard: args.hard ?? false, ...(tier ? { tier } : {}) }));
      if (args.json) return json(change), 0;
      out(args.hard ? `forgotten: ${id} and every copy of its text are gone (this cannot be undone)` : `deleted (${change.id}; undo with \`pagi memory undo ${change.id}\`)`);
      return 0;
    }
    case 'history': {
      const id = need(target, 'history needs a memory id');
      const changes = await withHost(args, (c) => c.memory.history.query({ id, ...(tier ? { tier } : {}) }));
      if (args.json) return json(changes), 0;
      for (const c of changes) out(describeChange(c));
      return 0;
    }
    case 'undo': {
      const changeId = need(target, 'undo needs a change id (see `pagi memory history ID`)');
      const change = await withHost(args, (c) => c.memory.undo.mutate({ changeId, ...(tier ? { tier } : {}) }));
      if (args.json) return json(change), 0;
      out(`undone (${change.id}; undo that to redo)`);
      return 0;
    }
    case 'add-fact': {
      const text = [target, ...rest].filter(Boolean).join(' ');
      if (!text.trim()) throw new PagiError('INVALID_INPUT', 'pagi memory add-fact needs the fact: pagi memory add-fact "Ana works at the library"');
      const fact = await withHost(args, (c) => c.memory.addFact.mutate({ text, ...(args.confidence !== undefined ? { confidence: args.confidence } : {}) }));
      if (args.json) return json(fact), 0;
      out(`added ${fact.id}`);
      return 0;
    }
    case 'ingest': {
      const file = resolve(need(target, 'ingest needs a .txt, .md or .pdf file'));
      const doc = await withHost(args, async (c) => {
        let d = await c.memory.ingest.mutate({ path: file });
        while (d.status === 'ingesting') {
          if (!args.json) process.stderr.write(`\ringesting ${printable(d.name)}: ${d.chunks}/${d.totalChunks} chunks`);
          await new Promise((r) => setTimeout(r, 200));
          d = await c.memory.document.query({ id: d.id });
        }
        return d;
      });
      if (args.json) return json(doc), doc.status === 'done' ? 0 : 1;
      process.stderr.write('\n');
      out(doc.status === 'done' ? `ingested ${doc.name}: ${doc.totalChunks} chunks (document ${doc.id})` : `ingesting ${doc.name} failed: ${doc.error ?? 'unknown error'}`);
      return doc.status === 'done' ? 0 : 1;
    }
    case 'extractions': {
      const r = await withHost(args, async (c) => {
        const requeued = args.retry ? (await c.memory.retryExtraction.mutate({ ...(target ? { id: target } : {}) })).requeued : null;
        return { requeued, jobs: await c.memory.extractions.query({ limit: args.limit ?? 20 }) };
      });
      if (args.json) return json(r), 0;
      if (r.requeued !== null) out(`${r.requeued} failed job(s) queued again`);
      for (const j of r.jobs) out(`${j.id}  ${j.status.padEnd(7)}  ${j.episodeIds.length} turns  tries ${j.attempts}${j.result ? `  +${j.result.added} ~${j.result.updated} ⇄${j.result.superseded}` : ''}${j.error ? `  error: ${j.error}` : ''}`);
      if (r.jobs.length === 0) out('no extraction jobs');
      return 0;
    }
    case 'status': {
      const s = await withHost(args, (c) => c.memory.stats.query());
      if (args.json) return json(s), 0;
      out(`episodes ${s.episodes} · facts ${s.facts} (retired ${s.retired}) · chunks ${s.chunks} · documents ${s.documents}`);
      for (const [name, e] of Object.entries(s.embedding)) out(`${name} embeddings: ${e.embedded}/${e.total} ${e.model ? `with ${e.model} (${e.dims} dims)` : '(no embedding model yet)'} — ${e.state}${e.note ? `: ${e.note}` : ''}`);
      out(`extraction jobs: ${Object.entries(s.extractions).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`);
      return 0;
    }
  }
  return 0;
}
