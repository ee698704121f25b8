import { createReadStream, statSync, type ReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import streamJson from 'stream-json';
import streamArrayModule from 'stream-json/streamers/StreamArray.js';
import { PagiError } from '../../contracts/errors.js';
import { conversationUtterances } from '../../memory-episodic/common/chatgptExport.js';
import { parseUtteranceLine } from '../../memory-episodic/common/utteranceLine.js';

/** One spoken line on its way to becoming an episode. */
export interface Utterance { session: string; speaker: string; text: string; time: string; ref: string | null }

/** What a source yields: utterances to keep, or an item it cannot read (reported by number, skipped). */
export type SourceItem = { utterances: Utterance[] } | { skipped: { at: number; title: string | null; error: string } };

export type ConversationFormat = 'jsonl' | 'chatgpt';

export interface ConversationSource {
  format: ConversationFormat;
  bytes: number;
  items: AsyncIterable<SourceItem>;
}

/** A ChatGPT export is `conversations.json`; anything else ending in .jsonl/.ndjson is one utterance a line. */
export function formatOf(file: string): ConversationFormat {
  if (/\.json$/i.test(file)) return 'chatgpt';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  throw new PagiError('INVALID_INPUT', `${file}: import a JSON Lines file (.jsonl, one utterance a line) or a ChatGPT export's conversations.json`);
}

function sizeOf(file: string): number {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new PagiError('INVALID_INPUT', `${file} is not a file`);
    return st.size;
  } catch (err) {
    if (err instanceof PagiError) throw err;
    throw new PagiError('NOT_FOUND', `no file at ${file}`);
  }
}

/** Lines of `{session, time, speaker, text, ref?}`; a bad line is reported with its number. */
async function* jsonlItems(input: ReadStream): AsyncGenerator<SourceItem> {
  let n = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (!line.trim()) continue;
    const parsed = parseUtteranceLine(line);
    if (!parsed.ok) {
      yield { skipped: { at: n, title: null, error: parsed.error } };
      continue;
    }
    const u = parsed.value;
    yield { utterances: [{ session: u.session, speaker: u.speaker, text: u.text, time: u.time, ref: u.ref ?? null }] };
  }
}

/** The conversations of `conversations.json`, streamed (exports of hundreds of MB need not fit in memory). */
async function* chatGptItems(input: ReadStream, file: string): AsyncGenerator<SourceItem> {
  const parser = streamJson.parser();
  const array = streamArrayModule.streamArray();
  // `pipe` does not pass errors along: a broken file must end the loop below, not hang it
  input.on('error', (err) => array.destroy(err));
  parser.on('error', (err) => array.destroy(err));
  input.pipe(parser).pipe(array);
  let conversations = 0;
  try {
    for await (const item of array as AsyncIterable<{ key: number; value: unknown }>) {
      conversations++;
      const r = conversationUtterances(item.value);
      if (r.ok) {
        yield { utterances: r.utterances };
        continue;
      }
      const v = item.value as { title?: unknown } | null;
      yield { skipped: { at: item.key + 1, title: v && typeof v === 'object' && typeof v.title === 'string' ? v.title.slice(0, 200) : null, error: r.error } };
    }
  } catch (err) {
    throw new PagiError('INVALID_INPUT', `${file} is not a ChatGPT conversations.json (${(err as Error).message})`);
  } finally {
    input.destroy();
  }
  if (conversations === 0) throw new PagiError('INVALID_INPUT', `${file} holds no conversations: use the conversations.json of a ChatGPT data export`);
}

/** Opens `file` as a source of utterances; `onBytes` follows how much of it has been read. */
export function openConversationSource(file: string, onBytes: (read: number) => void): ConversationSource {
  const format = formatOf(file);
  const bytes = sizeOf(file);
  const input = createReadStream(file, format === 'jsonl' ? { encoding: 'utf8' } : {});
  let read = 0;
  input.on('data', (chunk) => {
    read += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    onBytes(read);
  });
  return { format, bytes, items: format === 'jsonl' ? jsonlItems(input) : chatGptItems(input, file) };
}
