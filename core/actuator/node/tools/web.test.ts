import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolContext } from '../toolDefinition.js';
import { isPublicAddress, type ResolveHost } from './publicAddress.js';
import { testToolContext } from './testContext.js';
import { createWebFetchTool, type WebFetchResult } from './webFetch.js';

const ARTICLE = `<!doctype html><html><head><title>Tide tables</title><script>window.evil = 1</script><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<article><h1>Tide tables</h1><p>${'High tide at Saint-Malo is at 07:42 on Monday, and the coefficient is 95, one of the largest of the year. '.repeat(4)}</p>
<p>${'Low tide follows about six hours later, uncovering the causeway to Grand Bé for walkers who check the time. '.repeat(4)}</p></article>
<footer>© Harbour office</footer></body></html>`;

// names the test's resolver answers: nothing here reaches a real DNS server
const FAKE_DNS: Record<string, Array<{ address: string; family: number }>> = {
  'allowed.test': [{ address: '127.0.0.1', family: 4 }],
  'rebind.test': [{ address: '10.0.0.5', family: 4 }],
  'mixed.test': [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }],
  'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
};
const fakeResolve: ResolveHost = async (name) => {
  const found = FAKE_DNS[name];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return found;
};
const tool = createWebFetchTool(fakeResolve);
const fetchPage = (url: string, ctx: ToolContext): Promise<WebFetchResult> => tool.run(tool.args.parse({ url }), ctx) as Promise<WebFetchResult>;

describe('web.fetch', () => {
  let server: Server;
  let port: number;
  let ctx: ToolContext;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const send = (type: string, body: string | Buffer, headers: Record<string, string> = {}): void => {
        res.writeHead(200, { 'content-type': type, ...headers });
        res.end(body);
      };
      switch (req.url) {
        case '/article': return send('text/html; charset=utf-8', ARTICLE);
        case '/plain': return send('text/plain', 'just text');
        case '/json': return send('application/json', '{"ok":true}');
        case '/latin1': return send('text/plain; charset=iso-8859-1', Buffer.from([0x63, 0x61, 0x66, 0xe9]));
        case '/image': return send('image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        case '/big': return send('text/plain', 'b'.repeat(200_000));
        case '/gzip': return send('text/plain', gzipSync('g'.repeat(200_000)), { 'content-encoding': 'gzip' });
        case '/to-loopback': res.writeHead(302, { location: `http://127.0.0.1:${port}/plain` }); return res.end();
        case '/to-plain': res.writeHead(301, { location: '/plain' }); return res.end();
        case '/loop': res.writeHead(302, { location: '/loop' }); return res.end();
        case '/slow': return; // never answers
        default: res.writeHead(404, { 'content-type': 'text/plain' }); return res.end('no such page');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    ctx = testToolContext({ allowedHosts: ['allowed.test'], limits: { webMaxBytes: 64 * 1024, webTimeoutMs: 2_000, maxOutputChars: 100_000 } });
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('returns the readable text of an HTML page, without menus, scripts or styles', async () => {
    const page = await fetchPage(`http://allowed.test:${port}/article`, ctx);
    expect(page).toMatchObject({ status: 200, contentType: 'text/html', title: 'Tide tables' });
    expect(page.text).toContain('High tide at Saint-Malo is at 07:42');
    expect(page.text).toContain('Low tide follows');
    expect(page.text).not.toMatch(/window\.evil|color: red|About/);
  });

  it('returns plain text and JSON as they are, decoding the stated charset, following a redirect', async () => {
    expect(await fetchPage(`http://allowed.test:${port}/json`, ctx)).toMatchObject({ text: '{"ok":true}', contentType: 'application/json' });
    expect((await fetchPage(`http://allowed.test:${port}/latin1`, ctx)).text).toBe('café');
    expect(await fetchPage(`http://allowed.test:${port}/to-plain`, ctx)).toMatchObject({ url: `http://allowed.test:${port}/plain`, text: 'just text' });
    expect(await fetchPage(`http://allowed.test:${port}/missing`, ctx)).toMatchObject({ status: 404, text: 'no such page' });
  });

  it('refuses loopback and private addresses that are not allowed, as literals or through DNS', async () => {
    await expect(fetchPage(`http://127.0.0.1:${port}/plain`, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/127\.0\.0\.1 is a private, loopback or link-local address/) });
    await expect(fetchPage(`http://[::1]:${port}/plain`, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(fetchPage(`http://[::ffff:127.0.0.1]:${port}/plain`, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(fetchPage(`http://2130706433:${port}/plain`, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(fetchPage(`http://rebind.test:${port}/plain`, ctx)).rejects.toThrow(/rebind\.test resolves to 10\.0\.0\.5, which is a private/);
    await expect(fetchPage(`http://mixed.test:${port}/plain`, ctx)).rejects.toThrow(/resolves to 127\.0\.0\.1/);
    await expect(fetchPage(`http://mapped.test:${port}/plain`, ctx)).rejects.toThrow(/resolves to ::ffff:127\.0\.0\.1/);
    // allowing the address itself lets it through
    expect((await fetchPage(`http://127.0.0.1:${port}/plain`, { ...ctx, allowedHosts: ['127.0.0.1'] })).text).toBe('just text');
  });

  it('checks every redirect again: an allowed host redirecting to 127.0.0.1 is refused', async () => {
    await expect(fetchPage(`http://allowed.test:${port}/to-loopback`, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/^127\.0\.0\.1 is a private/) });
    await expect(fetchPage(`http://allowed.test:${port}/loop`, ctx)).rejects.toThrow(/redirected more than 5 times/);
  });

  it('refuses content that is not text, naming its type, and other schemes', async () => {
    await expect(fetchPage(`http://allowed.test:${port}/image`, ctx)).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/is image\/png, not a text page/) });
    await expect(fetchPage('file:///etc/passwd', ctx)).rejects.toThrow(/only http and https/);
    await expect(fetchPage('ftp://example.com/', ctx)).rejects.toThrow(/only http and https/);
    await expect(fetchPage(`http://user:pw@allowed.test:${port}/plain`, ctx)).rejects.toThrow(/user name or password/);
  });

  it('cuts bodies over the size cap, counting after decompression', async () => {
    const big = await fetchPage(`http://allowed.test:${port}/big`, ctx);
    expect(big.text).toBe('b'.repeat(64 * 1024));
    expect(big.note).toMatch(/larger than 65536 bytes; only its start was read/);
    const zipped = await fetchPage(`http://allowed.test:${port}/gzip`, ctx);
    expect(zipped.text).toBe('g'.repeat(64 * 1024));
    expect(zipped.note).toBeDefined();
    const short = await fetchPage(`http://allowed.test:${port}/big`, { ...ctx, limits: { ...ctx.limits, maxOutputChars: 10 } });
    expect(short.text).toBe(`${'b'.repeat(10)}\n…cut, ${64 * 1024 - 10} more characters`);
  });

  it('gives up at the time limit and on cancel', async () => {
    await expect(fetchPage(`http://allowed.test:${port}/slow`, { ...ctx, limits: { ...ctx.limits, webTimeoutMs: 300 } })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    const controller = new AbortController();
    const pending = fetchPage(`http://allowed.test:${port}/slow`, { ...ctx, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('knows public from non-public addresses', () => {
    for (const a of ['8.8.8.8', '93.184.216.34', '2606:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of ['0.0.0.0', '10.1.2.3', '100.64.0.1', '127.0.0.1', '169.254.169.254', '172.16.0.1', '172.31.255.255', '192.168.1.1', '224.0.0.1', '255.255.255.255', '::', '::1', 'fc00::1', 'fd12::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:7f00:1', 'not an ip']) expect(isPublicAddress(a), a).toBe(false);
  });
});
