import { createReadStream, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import streamJson from 'stream-json';
import streamArrayModule from 'stream-json/streamers/StreamArray.js';
import { PagiError } from '../../contracts/errors.js';
import { conversationUtterances, type ImportedUtterance } from '../../memory-episodic/common/chatgptExport.js';

export interface ChatGptImport {
  conversations: number;
  episodes: number;
  skipped: Array<{ conversation: number; title: string | null; error: string }>;
}

type Store = (episodes: Array<{ sessionId: string; actor: string; kind: 'message'; text: string; time: string; ref: string }>) => Promise<void>;

const BATCH = 500;

/**
 * A ChatGPT data export's `conversations.json` into episodes, one conversation at a time (the file
 * is streamed: exports of several hundred MB do not have to fit in memory). A conversation that
 * cannot be read is reported with its number and title and skipped; the others are kept.
 */
export async function importChatGptExport(file: string, store: Store, onProgress: (p: { phase: string; doneBytes: number; totalBytes: number }) => void): Promise<ChatGptImport> {
  let total: number;
  try {
    total = statSync(file).size;
  } catch {
    throw new PagiError('INVALID_INPUT', `there is no file at ${file}`);
  }
  const result: ChatGptImport = { conversations: 0, episodes: 0, skipped: [] };
  let batch: ImportedUtterance[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const episodes = batch.map((u) => ({ sessionId: u.session, actor: u.speaker, kind: 'message' as const, text: u.text, time: u.time, ref: u.ref }));
    batch = [];
    await store(episodes);
    result.episodes += episodes.length;
  };
  let read = 0;
  const source = createReadStream(file);
  source.on('data', (chunk) => {
    read += chunk.length;
    onProgress({ phase: 'import', doneBytes: read, totalBytes: total });
  });
  const consume = new Writable({
    objectMode: true,
    write(item: { key: number; value: unknown }, _e, done) {
      result.conversations++;
      const r = conversationUtterances(item.value);
      if (!r.ok) {
        const title = item.value && typeof item.value === 'object' && typeof (item.value as { title?: unknown }).title === 'string' ? ((item.value as { title: string }).title).slice(0, 200) : null;
        result.skipped.push({ conversation: item.key + 1, title, error: r.error });
        return done();
      }
      batch.push(...r.utterances);
      if (batch.length < BATCH) return done();
      flush().then(() => done(), done);
    },
  });
  try {
    await pipeline(source, streamJson.parser(), streamArrayModule.streamArray(), consume);
  } catch (err) {
    if (err instanceof PagiError) throw err;
    throw new PagiError('INVALID_INPUT', `${file} is not a ChatGPT conversations.json (${(err as Error).message}); the ${result.episodes} messages before the problem were kept`);
  }
  await flush();
  if (result.conversations === 0) throw new PagiError('INVALID_INPUT', `${file} holds no conversations: use the conversations.json of a ChatGPT data export`);
  return result;
}
