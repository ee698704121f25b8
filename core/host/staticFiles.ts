import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { answerPlain } from './requestGuards.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.map': 'application/json',
};

/** Scripts only from this origin; no inline script or eval; nothing framed; connections back to this host only. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}

/**
 * Serves the built renderer; unknown paths get index.html (client-side routes); nothing outside the folder.
 * `path` is the request's decoded path, already checked (`requestPath`): this never parses the URL itself.
 */
export function serveStatic(root: string, path: string, req: IncomingMessage, res: ServerResponse): void {
  securityHeaders(res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    answerPlain(res, 405, 'method not allowed');
    return;
  }
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    answerPlain(res, 503, 'The UI is not built. Run `npm run build`, then start `pagi serve` again.');
    return;
  }
  let file = normalize(join(root, path));
  if (!file.startsWith(root + sep) && file !== root) {
    answerPlain(res, 404, 'not found');
    return;
  }
  if (!isFile(file)) file = index;
  const headers = {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': file === index ? 'no-store' : 'public, max-age=31536000, immutable',
  };
  if (req.method === 'HEAD') {
    res.writeHead(200, headers).end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('open', () => {
    res.writeHead(200, headers);
    stream.pipe(res);
  });
  // removed or unreadable between the check and the read: before the headers a 404, after them the reply is cut short
  stream.on('error', () => {
    if (res.headersSent) res.destroy();
    else answerPlain(res, 404, 'not found');
  });
  res.on('close', () => stream.destroy());
}

/** Only a regular file is served: a folder, something missing or unreadable means the app's index. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
