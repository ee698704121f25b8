import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file, streamed (a model may be tens of GB), reporting progress at most every `everyMs`. */
export async function sha256File(path: string, onProgress: (bytes: number) => void, signal: AbortSignal, everyMs = 500): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  let last = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024, signal })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    const now = Date.now();
    if (now - last >= everyMs) {
      last = now;
      onProgress(bytes);
    }
  }
  return hash.digest('hex');
}
