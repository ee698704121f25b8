import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceSpecs } from '../host/installation.js';
import { identityContract } from '../identity/common/contract.js';
import { createInProcessLauncher } from '../runtime/node/inProcessLauncher.js';
import { Supervisor } from '../runtime/node/supervisor.js';
import { loadServiceFromSource, TEST_TWIN_ID } from './serviceModules.js';
import { gatewayContract } from '../gateway/common/contract.js';
import { createFailureThrottle, createRateLimiter } from '../gateway/node/requestGuard.js';

function get(port: number, headers: Record<string, string>, path = '/health'): Promise<{ status: number; body: { status?: string; twinId?: string; error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as never }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway, when enabled', () => {
  let sup: Supervisor;
  let dataDir: string;
  let port: number;
  let key: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-gateway-'));
    const specs = serviceSpecs({ gateway: { enabled: true, port: 0, requestsPerMinute: 5, failedKeysPerMinute: 1 } }).filter((s) => ['event-router', 'identity', 'gateway'].includes(s.id));
    sup = new Supervisor({ launcher: createInProcessLauncher(loadServiceFromSource), specs, dataDir, twinId: TEST_TWIN_ID, logSink: () => undefined });
    await sup.start();
    const status = await sup.client(gatewayContract).status({});
    expect(status.enabled).toBe(true);
    expect(status.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    port = Number(new URL(status.url as string).port);
    key = (await sup.client(identityContract).createApiKey({ label: 'script' })).key;
  });
  afterAll(async () => {
    await sup?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers GET /health on loopback with a valid API key', async () => {
    expect(await get(port, { authorization: `Bearer ${key}` })).toEqual({ status: 200, body: { status: 'ok', twinId: TEST_TWIN_ID } });
  });

  it.each([
    ['no key', (): Record<string, string> => ({}), 401, /Authorization: Bearer/],
    ['a wrong key', () => ({ authorization: 'Bearer pagi_nope' }), 401, /unknown or revoked/],
    ['a foreign Host header', () => ({ authorization: `Bearer ${key}`, host: 'attacker.example' }), 403, /Host header/],
    ['a foreign Origin', () => ({ authorization: `Bearer ${key}`, origin: 'https://attacker.example' }), 403, /other origins/],
  ])('refuses %s', async (_what, headers, status, message) => {
    const r = await get(port, headers());
    expect(r.status).toBe(status);
    expect(r.body.error?.message).toMatch(message);
  });

  it('refuses unknown routes and revoked keys', async () => {
    expect((await get(port, { authorization: `Bearer ${key}` }, '/v1/nothing')).status).toBe(404);
    const other = await sup.client(identityContract).createApiKey({ label: 'temp' });
    await sup.client(identityContract).revokeApiKey({ id: other.id });
    expect((await get(port, { authorization: `Bearer ${other.key}` })).status).toBe(401);
  });

  it('throttles a client that guesses keys: after a few wrong ones, it waits before any key is checked', async () => {
    const answers: Awaited<ReturnType<typeof get>>[] = [];
    // 300 guesses, ten at a time: a burst of mistakes is answered, the rest wait
    for (let i = 0; i < 300; i += 10) answers.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => get(port, { authorization: `Bearer pagi_guess${i + j}` })))));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(280);
    const refused = answers.find((a) => a.status === 429);
    expect(refused?.body.error?.message).toMatch(/too many wrong API keys from this client; try again in \d+ s/);
    // while the client waits, even a right key is not looked at
    expect((await get(port, { authorization: `Bearer ${key}` })).status).toBe(429);
  });
});

describe('wrong-key throttle', () => {
  it('lets a burst of mistakes through, then says how long to wait, then refills', () => {
    const t = 1_000_000;
    const throttle = createFailureThrottle(6, 2);
    expect(throttle.waitSeconds('a', t)).toBe(0);
    throttle.failed('a', t);
    throttle.failed('a', t);
    expect(throttle.waitSeconds('a', t)).toBe(10);
    expect(throttle.waitSeconds('b', t)).toBe(0);
    expect(throttle.waitSeconds('a', t + 10_000)).toBe(0);
  });
});

describe('rate limiter', () => {
  it('allows a burst, then refills at the configured rate', () => {
    const allow = createRateLimiter(60, 3);
    const t = 1_000_000;
    expect([allow('k', t), allow('k', t), allow('k', t), allow('k', t)]).toEqual([true, true, true, false]);
    expect(allow('k', t + 1_000)).toBe(true);
    expect(allow('other', t)).toBe(true);
  });
});
