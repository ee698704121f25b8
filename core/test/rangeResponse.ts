import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Answers a GET/HEAD for `data` with range support, streaming `chunkBytes` every `intervalMs` (to make
 * downloads slow on purpose); with `breakHalfWay` the connection drops after half the range.
 */
export function sendWithRanges(req: IncomingMessage, res: ServerResponse, data: Buffer, opts: { chunkBytes: () => number; intervalMs: number; breakHalfWay?: boolean }): { start: number; end: number } {
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const end = m?.[2] ? Number(m[2]) : data.length - 1;
  const headers: Record<string, string | number> = { 'accept-ranges': 'bytes', 'content-length': end - start + 1, 'content-type': 'application/octet-stream' };
  if (m) {
    headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
    res.writeHead(206, headers);
  } else res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return { start, end };
  }
  let pos = start;
  const breakAt = opts.breakHalfWay ? start + Math.floor((end - start) / 2) : Infinity;
  const timer = setInterval(() => {
    if (pos >= breakAt) {
      clearInterval(timer);
      res.destroy();
      return;
    }
    if (pos > end) {
      clearInterval(timer);
      res.end();
      return;
    }
    const n = Math.min(opts.chunkBytes(), end + 1 - pos);
    res.write(data.subarray(pos, pos + n));
    pos += n;
  }, opts.intervalMs);
  req.on('close', () => clearInterval(timer));
  return { start, end };
}
