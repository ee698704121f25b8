import type { ConversationImportResult } from '../api/coreAccess.js';
import { PagiError } from '../contracts/errors.js';
import type { CliArgs } from './cliArgs.js';
import { runFileWork } from './cliFileWork.js';
import type { HostClient } from './hostClient.js';
import { printable, terminalJson } from './terminalText.js';

type WithHost = <T>(args: CliArgs, fn: (client: HostClient) => Promise<T>) => Promise<T>;

/** The result as this command has always printed it with --json: by lines for JSON Lines, by conversations for ChatGPT. */
function asPrinted(r: ConversationImportResult): unknown {
  if (r.format === 'chatgpt') return { conversations: r.items, episodes: r.episodes, skipped: r.skipped.map((s) => ({ conversation: s.at, title: s.title, error: s.error })), skippedTotal: r.skippedTotal, extraction: r.extraction };
  return { imported: r.episodes, skipped: r.skipped.map((s) => ({ line: s.at, error: s.error })), skippedTotal: r.skippedTotal, extraction: r.extraction };
}

/**
 * `pagi memory import FILE.jsonl | conversations.json [--extract]`: the host streams the file into
 * episodes (bad lines or conversations reported by number and skipped); `--extract` then has the
 * loaded model turn the imported turns into facts. `file` is absolute (resolved where the CLI runs).
 */
export async function importConversationsCommand(args: CliArgs, file: string, withHost: WithHost): Promise<number> {
  const r = await withHost(args, (c) =>
    runFileWork<ConversationImportResult>(
      (operationId) => c.imports.conversations.mutate({ operationId, file, extract: args.extract ?? false }),
      (operationId, h) => c.imports.conversationEvents.subscribe({ operationId }, h),
      args.json ?? false,
    ),
  );
  const failedJobs = r.extraction !== null && r.extraction.failed > 0;
  if (args.json) {
    process.stdout.write(`${terminalJson(asPrinted(r))}\n`);
    return failedJobs ? 1 : 0;
  }
  const what = r.format === 'chatgpt' ? 'conversation' : 'line';
  for (const s of r.skipped) process.stderr.write(printable(`${what} ${s.at}${s.title ? ` ("${s.title}")` : ''}: ${s.error} — skipped\n`));
  if (r.skippedTotal > r.skipped.length) process.stderr.write(`… and ${r.skippedTotal - r.skipped.length} more ${what}s skipped\n`);
  const from = r.format === 'chatgpt' ? `${r.items} ChatGPT conversations` : file;
  process.stdout.write(printable(`imported ${r.episodes} episodes from ${from}${r.skippedTotal ? ` (${r.skippedTotal} bad ${what}s skipped)` : ''}\n`));
  const x = r.extraction;
  if (x) process.stdout.write(printable(`facts: ${x.added} added, ${x.updated} updated, ${x.superseded} superseded from ${x.done}/${x.jobs} extraction jobs${x.failed ? `; ${x.failed} failed: ${x.errors.join('; ')} (retry with \`pagi memory extractions --retry\`)` : ''}\n`));
  if (r.episodes === 0 && r.skippedTotal > 0) throw new PagiError('INVALID_INPUT', `nothing in ${file} could be imported`);
  return failedJobs ? 1 : 0;
}
