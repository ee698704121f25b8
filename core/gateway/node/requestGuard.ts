import type { IncomingMessage } from 'node:http';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** DNS-rebinding defence: the Host header must name this loopback server. */
export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  return !!m && LOOPBACK_HOSTS.has((m[1] ?? '').toLowerCase()) && Number(m[2] ?? 80) === port;
}

/** Browsers send Origin on cross-site requests: only loopback pages may call the API. */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return LOOPBACK_HOSTS.has(new URL(origin).hostname);
  } catch {
    return false;
  }
}

export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1] ?? null;
}

/** Beyond this many keys, buckets that are full again are dropped (they hold nothing a new one would not). */
const MAX_BUCKETS = 10_000;

/** Token buckets per key: `perMinute` a minute with bursts up to `burst`. */
function createBuckets(perMinute: number, burst: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const level = (key: string, now: number): { tokens: number; at: number } => {
    const b = buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 60_000) * perMinute);
    b.at = now;
    if (!buckets.has(key) && buckets.size >= MAX_BUCKETS) for (const [k, v] of buckets) if (v.tokens + ((now - v.at) / 60_000) * perMinute >= burst) buckets.delete(k);
    buckets.set(key, b);
    return b;
  };
  return {
    /** Takes one token; false when the bucket is empty. */
    take(key: string, now = Date.now()): boolean {
      const b = level(key, now);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    /** Seconds until a token is there again (0 when one is). */
    waitSeconds(key: string, now = Date.now()): number {
      const b = level(key, now);
      return b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) * 60) / perMinute);
    },
  };
}

/** A token bucket per key: `perMinute` requests a minute with bursts up to `burst`. */
export function createRateLimiter(perMinute: number, burst: number) {
  const buckets = createBuckets(perMinute, burst);
  return (key: string, now = Date.now()): boolean => buckets.take(key, now);
}

/**
 * Wrong API keys per client: a few mistakes pass, guessing does not. While a client's allowance is
 * spent its requests are refused before any key is looked at, so a guess costs time, not a lookup.
 */
export function createFailureThrottle(perMinute: number, burst: number) {
  const buckets = createBuckets(perMinute, burst);
  return {
    /** Seconds this client must wait before its next key is checked (0: go ahead). */
    waitSeconds: (client: string, now = Date.now()): number => buckets.waitSeconds(client, now),
    failed: (client: string, now = Date.now()): void => void buckets.take(client, now),
  };
}
