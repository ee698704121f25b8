import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PagiError } from '../contracts/errors.js';
import { parseUtteranceLine } from '../memory-episodic/common/utteranceLine.js';
import type { CliArgs } from './cliArgs.js';
import type { HostClient } from './hostClient.js';

type WithHost = <T>(args: CliArgs, fn: (client: HostClient) => Promise<T>) => Promise<T>;

const BATCH = 500;

/** `pagi memory import FILE`: JSON Lines of utterances become episodes; bad lines are reported and skipped. */
async function importFile(client: HostClient, file: string, json: boolean): Promise<{ imported: number; skipped: Array<{ line: number; error: string }> }> {
  const skipped: Array<{ line: number; error: string }> = [];
  let imported = 0;
  let batch: Array<{ sessionId: string; actor: string; kind: 'message'; text: string; time: string; ref: string | null }> = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const { ids } = await client.memory.importEpisodes.mutate({ episodes: batch });
    imported += ids.length;
    batch = [];
    if (!json) process.stderr.write(`\rimported ${imported} episodes…`);
  };
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    n++;
    if (!line.trim()) continue;
    const parsed = parseUtteranceLine(line);
    if (!parsed.ok) {
      skipped.push({ line: n, error: parsed.error });
      if (!json) process.stderr.write(`\nline ${n}: ${parsed.error} — skipped\n`);
      continue;
    }
    const u = parsed.value;
    batch.push({ sessionId: u.session, actor: u.speaker, kind: 'message', text: u.text, time: u.time, ref: u.ref ?? null });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  if (!json) process.stderr.write('\n');
  return { imported, skipped };
}

export async function memoryCommand(args: CliArgs, withHost: WithHost): Promise<number> {
  const [sub, target] = args.positionals;
  if (sub !== 'import') throw new PagiError('INVALID_INPUT', `pagi memory needs import${sub ? ` (got "${sub}")` : ''}`);
  if (!target) throw new PagiError('INVALID_INPUT', 'pagi memory import needs a JSON Lines file');
  if (!existsSync(target)) throw new PagiError('NOT_FOUND', `no file at ${target}`);
  const result = await withHost(args, (c) => importFile(c, target, args.json ?? false));
  process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `imported ${result.imported} episodes from ${target}${result.skipped.length ? ` (${result.skipped.length} bad lines skipped)` : ''}\n`);
  return 0;
}
