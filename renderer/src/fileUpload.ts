import type { FileKind } from '../../core/contracts/fileKinds';
import { hostToken } from './trpcClient';

/**
 * Uploads a file to the headless host in chunks (its route: core/host/fileRoutes.ts): the browser
 * reads one slice at a time, so a file of many GB never sits in memory, and each chunk reports its
 * progress. Resolves to the handle that tRPC calls take instead of a path.
 */
export interface UploadProgress { sent: number; total: number }

async function failure(status: number, body: string): Promise<Error> {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return new Error(parsed.error.message);
  } catch {
    // not our JSON: a proxy or the network said it
  }
  return new Error(status === 0 ? 'the connection to PAGI Twin was lost during the upload' : `the upload was refused (${status})`);
}

/** One request with upload progress (fetch has none for a request body). */
function send(method: string, url: string, body: Blob | null, onSent: (bytes: number) => void, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('authorization', `Bearer ${hostToken() ?? ''}`);
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.responseText ? JSON.parse(xhr.responseText) : null);
      else void failure(xhr.status, xhr.responseText).then(reject);
    };
    xhr.onerror = () => void failure(0, '').then(reject);
    xhr.onabort = () => reject(new DOMException('the upload was cancelled', 'AbortError'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

export async function uploadFile(file: File, kind: FileKind, onProgress: (p: UploadProgress) => void, signal: AbortSignal): Promise<string> {
  const begun = (await send('POST', `/files/uploads?${new URLSearchParams({ kind, name: file.name, size: String(file.size) })}`, null, () => undefined, signal)) as { upload: string; chunkBytes: number };
  const url = `/files/uploads/${begun.upload}`;
  try {
    for (let offset = 0; offset < file.size; offset += begun.chunkBytes) {
      const chunk = file.slice(offset, offset + begun.chunkBytes);
      await send('PUT', `${url}?offset=${offset}`, chunk, (sent) => onProgress({ sent: offset + sent, total: file.size }), signal);
      onProgress({ sent: Math.min(file.size, offset + chunk.size), total: file.size });
    }
  } catch (err) {
    // a cancelled or failed upload leaves nothing on the host (it removes a chunk cut short itself)
    if (signal.aborted) void fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${hostToken() ?? ''}` } }).catch(() => undefined);
    throw err;
  }
  return begun.upload;
}
