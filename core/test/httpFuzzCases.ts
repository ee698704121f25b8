import type { ClientCase, FuzzCase, RawCase, Rng } from './httpFuzzKit.js';

export interface Target { port: number; token: string }

const QUERIES = ['system.info', 'system.status', 'system.events', 'twin.get', 'twin.list', 'chat.history', 'chat.sessions', 'memory.search', 'memory.get', 'memory.recent', 'memory.stats', 'emotion.current', 'models.list', 'models.status', 'settings.get', 'bundles.opened'];
const SUBSCRIPTIONS = ['chat.events', 'bundles.exportEvents', 'bundles.importEvents'];
/** Mutations that take input: with the token they are only ever sent bodies that are not JSON, so none runs. */
const MUTATIONS = ['system.restart', 'chat.send', 'chat.cancel', 'memory.edit', 'memory.delete', 'settings.setInference', 'twin.activate', 'bundles.import', 'bundles.export'];
const NONSENSE = ['nope', 'nope.nothing', 'system', 'system.info.x', '__proto__', 'constructor', 'system.__proto__', 'system.constructor', 'toString', '..', '%2e%2e', '', '.', 'a'.repeat(300), 'system.info%00', 'ünï.cödé'];
const WEIRD_TARGETS = ['*', 'http://evil/', 'http://evil.example/trpc/system.info', '//[', '//evil.example/', '127.0.0.1:80', '/%', '/%zz', '/%E0%A4%A', '/%C0%AF', '/%00', '/..%2f..%2fetc/passwd', '/\\..\\..\\etc\\passwd', '/?', '/#x', '/;', '/%2e%2e/%2e%2e/etc/passwd', '/trpc', '/trpc/', '/trpc//', '/trpc/%', '/trpc/%E0%A4%A', '/trpc/system.info/..%2F..%2F'];
const BAD_JSON = ['{', '[', '"', '{"0":', '{"id":', 'null\u0000', '\uFEFF{"id":"x"', '{"id":"x"}}', '{"json":{"__proto__":{"x":1}}', '[[[[[[[[[[[[[[[[[[[[', 'NaN', '{"a":1e999999}', '\uD800', '{"0":{"json":null},"99999999":{}', '\u202e{}'];
const PATH_BITS = ['..', '.', '', '%2e%2e', '%2f', '%5c', '%', '%zz', '%E0%A4%A', '%C0%AE', '%00', 'index.html', 'assets', 'ü', '\u{1F4A9}', '\u202e', 'a'.repeat(500), '~', ';x', '%F0%9F%92%A9', 'con', 'NUL'];
const METHODS_ODD = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'get', 'G ET', '', 'FOO', 'GET\u0000', 'X'.repeat(200)];
const VERSIONS_ODD = ['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'http/1.1', 'HTTP/01.1', '', 'HTTP/9', 'HTTP/1.1 extra'];

function hostOf(t: Target): string {
  return `127.0.0.1:${t.port}`;
}

/** A string that JSON.parse refuses, whatever it started as. */
export function notJson(s: string): string {
  try {
    JSON.parse(s);
    return `${s}}{`;
  } catch {
    return s;
  }
}

function enc(r: Rng, s: string): string {
  if (r.chance(0.3)) return s;
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as bytes
  }
}

function garbage(r: Rng): string {
  switch (r.int(5)) {
    case 0: return r.pick(BAD_JSON);
    case 1: return r.bytes(r.int(64)).toString('latin1');
    case 2: return notJson(JSON.stringify({ id: r.pick([...NONSENSE, 1, null, [], {}]), text: 'x'.repeat(r.int(2_000)) }).slice(0, -1));
    case 3: return Array.from({ length: r.int(40) }, () => String.fromCharCode(r.int(0x3000))).join('');
    default: return `${r.pick(BAD_JSON)}${r.bytes(r.int(16)).toString('latin1')}`;
  }
}

function trpcTarget(r: Rng, t: Target, authed: boolean, method: string): string {
  const bodyMethod = method !== 'GET' && method !== 'HEAD';
  // with the token, a body-carrying method goes only where no procedure can run
  const names = authed && bodyMethod ? [...MUTATIONS, ...NONSENSE, ...QUERIES] : [...QUERIES, ...SUBSCRIPTIONS, ...MUTATIONS, ...NONSENSE];
  const batch = r.chance(0.25);
  const path = batch ? Array.from({ length: 1 + r.int(4) }, () => r.pick(names)).join(',') : r.pick(names);
  const params: string[] = [];
  if (batch) params.push(r.pick(['batch=1', 'batch=0', 'batch=', 'batch=1&batch=1', 'batch=yes']));
  if (r.chance(0.6)) params.push(`input=${enc(r, garbage(r))}`);
  if (r.chance(0.25)) params.push(`connectionParams=${enc(r, r.pick([garbage(r), JSON.stringify({ token: 'wrong' }), JSON.stringify({ token: 1 }), '[]']))}`);
  if (r.chance(0.1)) params.push(`lastEventId=${enc(r, garbage(r))}`);
  if (r.chance(0.1)) params.push(`${enc(r, garbage(r))}=${enc(r, garbage(r))}`);
  return `/trpc/${path}${params.length ? `?${params.join('&')}` : ''}`;
}

function target(r: Rng, t: Target, authed: boolean, method: string): string {
  const kind = r.int(10);
  if (kind < 5) return trpcTarget(r, t, authed, method);
  if (kind < 9) return `/${Array.from({ length: 1 + r.int(5) }, () => r.pick(PATH_BITS)).join(r.pick(['/', '/', '//', '\\']))}${r.chance(0.2) ? `?${enc(r, garbage(r))}` : ''}`;
  return r.pick(WEIRD_TARGETS);
}

function authHeader(r: Rng, t: Target): { value: string | null; authed: boolean } {
  const roll = r.next();
  if (roll < 0.45) return { value: null, authed: false };
  if (roll < 0.65) return { value: r.pick(['Bearer wrong', 'Bearer', `Bearer ${t.token} x`, `Basic ${t.token}`, `Bearer ${'a'.repeat(5_000)}`, `bearer ${t.token.slice(1)}`]), authed: false };
  return { value: `Bearer ${t.token}`, authed: true };
}

function bodyFor(r: Rng, authed: boolean): Buffer {
  if (r.chance(0.1)) return r.bytes(r.int(4_096));
  const text = r.chance(0.15) ? 'x'.repeat(r.int(200_000)) : garbage(r);
  return Buffer.from(authed ? notJson(text) : text, r.chance(0.2) ? 'latin1' : 'utf8');
}

/** A request built from plausible parts, then (sometimes) damaged byte by byte. */
export function randomRawCase(r: Rng, t: Target, i: number): RawCase {
  const method = r.chance(0.75) ? r.pick(['GET', 'POST', 'HEAD']) : r.pick(METHODS_ODD);
  const auth = authHeader(r, t);
  const eol = r.chance(0.9) ? '\r\n' : r.pick(['\n', '\r', '\n\r']);
  const headers: string[] = [];
  const hostRoll = r.next();
  if (hostRoll < 0.85) headers.push(`Host: ${hostOf(t)}`);
  else if (hostRoll < 0.9) headers.push(`Host: ${hostOf(t)}`, `Host: ${r.pick([hostOf(t), 'evil.example'])}`);
  else if (hostRoll < 0.95) headers.push(`Host: ${r.pick(['evil.example', 'localhost:99999999', '127.0.0.1:1@evil', '[::1', ''])}`);
  if (auth.value !== null) headers.push(`Authorization: ${auth.value}`);
  if (r.chance(0.7)) headers.push(`Content-Type: ${r.pick(['application/json', 'application/json', 'text/plain', 'multipart/form-data', 'application/octet-stream', 'application/json; charset=latin1', garbage(r)])}`);
  for (let n = r.chance(0.5) ? 0 : 1 + r.int(3); n > 0; n--) headers.push(r.pick([`X-${r.int(1e6)}: ${garbage(r)}`, `${garbage(r)}: x`, `Cookie: ${garbage(r)}`, `Expect: ${r.pick(['100-continue', 'nonsense'])}`, `Connection: ${r.pick(['close', 'keep-alive', 'upgrade', garbage(r)])}`, `Upgrade: websocket`, `X-Long: ${'v'.repeat(r.int(20_000))}`, ` folded-continuation`]));
  const hasBody = method === 'POST' ? r.chance(0.85) : r.chance(0.1);
  let body: Buffer = hasBody ? bodyFor(r, auth.authed) : Buffer.alloc(0);
  const framing = r.next();
  if (hasBody) {
    if (framing < 0.6) headers.push(`Content-Length: ${body.length}`);
    else if (framing < 0.75) headers.push(`Content-Length: ${r.pick([body.length + 1 + r.int(1_000), Math.max(0, body.length - 1 - r.int(10)), -1, 'abc', '1e3', `${body.length}, ${body.length + 1}`, '99999999999999999999'])}`);
    else if (framing < 0.95) {
      headers.push('Transfer-Encoding: chunked');
      const size = r.chance(0.7) ? body.length.toString(16) : r.pick(['zz', '-1', 'ffffffffffffffffffff', `${body.length.toString(16)};ext=${garbage(r)}`, '']);
      body = Buffer.concat([Buffer.from(`${size}\r\n`), body, Buffer.from(r.chance(0.8) ? '\r\n0\r\n\r\n' : '\r\n')]);
    }
  }
  const version = r.chance(0.85) ? 'HTTP/1.1' : r.pick(VERSIONS_ODD);
  let bytes: Buffer = Buffer.concat([Buffer.from(`${method} ${target(r, t, auth.authed, method)} ${version}${eol}${headers.join(eol)}${eol}${eol}`), body]);
  if (r.chance(0.15)) bytes = damage(r, bytes);
  return { via: 'raw', name: `random raw #${i}`, bytes };
}

/** Flips, inserts, cuts or repeats a few bytes. */
function damage(r: Rng, bytes: Buffer): Buffer {
  let b = Buffer.from(bytes);
  for (let n = 1 + r.int(3); n > 0 && b.length > 0; n--) {
    const at = r.int(b.length);
    switch (r.int(4)) {
      case 0: b[at] = r.int(256); break;
      case 1: b = Buffer.concat([b.subarray(0, at), r.bytes(1 + r.int(8)), b.subarray(at)]); break;
      case 2: b = b.subarray(0, at); break;
      default: b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + r.int(64)), b.subarray(at)]);
    }
  }
  return b;
}

/** What Node's own client will send: valid tokens and header characters, but any path, header and body. */
export function randomClientCase(r: Rng, t: Target, i: number): ClientCase {
  const method = r.pick(['GET', 'POST', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND', 'FOO']);
  const auth = authHeader(r, t);
  const path = target(r, t, auth.authed, method).replace(/[^\u0021-\u00ff]/gu, (ch) => encodeURIComponent(ch.length === 1 && ch >= '\uD800' && ch <= '\uDFFF' ? '?' : ch));
  const headers: Record<string, string> = { host: r.chance(0.9) ? hostOf(t) : r.pick(['evil.example', 'localhost', `localhost:${t.port}`, '[::1]']) };
  if (auth.value !== null) headers.authorization = auth.value;
  if (r.chance(0.7)) headers['content-type'] = r.pick(['application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream']);
  for (let n = r.int(3); n > 0; n--) headers[`x-fuzz-${n}`] = r.bytes(r.int(r.chance(0.1) ? 20_000 : 100)).toString('latin1').replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
  const chunks = method === 'GET' || method === 'HEAD' ? (r.chance(0.1) ? [bodyFor(r, auth.authed)] : []) : Array.from({ length: r.int(4) }, () => bodyFor(r, auth.authed));
  if (chunks.length === 1 && r.chance(0.5)) headers['content-length'] = String(chunks[0]?.length ?? 0);
  return { via: 'client', name: `random client #${i}`, method, path, headers, chunks };
}

function raw(name: string, text: string | Buffer): RawCase {
  return { via: 'raw', name, bytes: typeof text === 'string' ? Buffer.from(text, 'latin1') : text };
}

/** Known-nasty requests, each named for what it probes. */
export function corpus(t: Target): FuzzCase[] {
  const h = `Host: ${hostOf(t)}`;
  const auth = `Authorization: Bearer ${t.token}`;
  const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\n${h}\r\n${extra}\r\n`;
  const post = (path: string, body: string, extra = ''): string => `POST ${path} HTTP/1.1\r\n${h}\r\n${auth}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n${extra}\r\n${body}`;
  const cases: FuzzCase[] = [
    ...['/%E0%A4%A', '//[', '/..%2f..%2fetc/passwd', '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/%00', '/index.html%00.js', '/%C0%AE%C0%AE/', '/%F0%9F%92%A9', '/\u00fc\u00f1\u00ef', '/trpc/%E0%A4%A', '/%', '/%%', '/trpc/..%2F..%2Fetc%2Fpasswd'].map((p) => raw(`path ${p}`, get(p))),
    raw('raw UTF-8 path', Buffer.concat([Buffer.from('GET /'), Buffer.from('日本語/\u{1F4A9}', 'utf8'), Buffer.from(` HTTP/1.1\r\n${h}\r\n\r\n`)])),
    raw('NUL in the path', `GET /\u0000 HTTP/1.1\r\n${h}\r\n\r\n`),
    raw('NUL in a header value', get('/', 'X-A: a\u0000b\r\n')),
    raw('NUL in a header name', get('/', 'X-\u0000: b\r\n')),
    raw('overlong header', get('/', `X-Long: ${'a'.repeat(70_000)}\r\n`)),
    raw('3000 headers', get('/', Array.from({ length: 3_000 }, (_, i) => `X-${i}: v\r\n`).join(''))),
    raw('overlong request line', get(`/${'a'.repeat(70_000)}`)),
    raw('duplicate Host (one evil)', get('/trpc/system.info', `Host: evil.example\r\n${auth}\r\n`)),
    raw('duplicate Host (same)', get('/', `${h}\r\n`)),
    raw('no Host (1.1)', 'GET / HTTP/1.1\r\n\r\n'),
    raw('no Host (1.0)', 'GET / HTTP/1.0\r\n\r\n'),
    raw('absolute-form', `GET http://evil/ HTTP/1.1\r\n${h}\r\n\r\n`),
    raw('absolute-form to the API with the token', `GET http://${hostOf(t)}/trpc/system.info HTTP/1.1\r\n${h}\r\n${auth}\r\n\r\n`),
    raw('asterisk-form', `OPTIONS * HTTP/1.1\r\n${h}\r\n\r\n`),
    raw('CONNECT', `CONNECT 127.0.0.1:22 HTTP/1.1\r\n${h}\r\n\r\n`),
    raw('CONNECT elsewhere', 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n'),
    ...['TRACE', 'OPTIONS', 'DELETE', 'PUT', 'PATCH', 'PROPFIND', 'get'].flatMap((m) => [raw(`${m} /`, `${m} / HTTP/1.1\r\n${h}\r\n\r\n`), raw(`${m} /trpc/system.info`, `${m} /trpc/system.info HTTP/1.1\r\n${h}\r\n${auth}\r\n\r\n`)]),
    ...['zz', '-1', 'ffffffffffffffffffffff', '5;ext=\u0000', '', '0x5'].map((size) => raw(`chunk size ${JSON.stringify(size)}`, `POST /trpc/system.restart HTTP/1.1\r\n${h}\r\n${auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n{"id"\r\n0\r\n\r\n`)),
    raw('chunked without the last chunk', `POST /trpc/system.restart HTTP/1.1\r\n${h}\r\n${auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"id"\r\n`),
    raw('chunk longer than said', `POST /trpc/system.restart HTTP/1.1\r\n${h}\r\n${auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{"id":\r\n0\r\n\r\n`),
    raw('Content-Length and chunked', `POST /trpc/system.restart HTTP/1.1\r\n${h}\r\n${auth}\r\nContent-Type: application/json\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{"\r\n0\r\n\r\n`),
    raw('Content-Length larger than the body', post('/trpc/system.restart', '{"id":', '').replace(/Content-Length: \d+/, 'Content-Length: 100')),
    raw('Content-Length smaller than the body', post('/trpc/system.restart', '{"id":"nonsense"}GET / HTTP/1.1\r\n\r\n').replace(/Content-Length: \d+/, 'Content-Length: 2')),
    raw('Content-Length negative', post('/trpc/system.restart', '{').replace(/Content-Length: \d+/, 'Content-Length: -1')),
    raw('Content-Length twice, differing', post('/trpc/system.restart', '{', 'Content-Length: 7\r\n')),
    raw('Content-Length not a number', post('/trpc/system.restart', '{').replace(/Content-Length: \d+/, 'Content-Length: abc')),
    raw('body on GET', `GET /trpc/system.info HTTP/1.1\r\n${h}\r\n${auth}\r\nContent-Length: 5\r\n\r\nhello`),
    raw('body on GET without the token', `GET / HTTP/1.1\r\n${h}\r\nContent-Length: 5\r\n\r\nhello`),
    ...BAD_JSON.map((body) => raw(`bad JSON ${JSON.stringify(body)}`, post('/trpc/system.restart', body))),
    ...BAD_JSON.map((body) => raw(`bad JSON batch ${JSON.stringify(body)}`, post('/trpc/system.restart,chat.send?batch=1', body))),
    raw('invalid UTF-8 JSON', post('/trpc/system.restart', '{"id":"\u00ff\u00fe"')),
    raw('multipart without a boundary', post('/trpc/system.restart', '--x\r\n', '').replace('application/json', 'multipart/form-data')),
    raw('octet-stream to a mutation', post('/trpc/system.restart', 'abc').replace('application/json', 'application/octet-stream')),
    raw('no content type on POST', post('/trpc/system.restart', '{').replace('Content-Type: application/json\r\n', '')),
    raw('huge ?input= (under the header limit)', get(`/trpc/system.info?input=${'%7B'.repeat(4_000)}`, `${auth}\r\n`)),
    raw('huge ?input= (over the header limit)', get(`/trpc/system.info?input=${'a'.repeat(1_000_000)}`, `${auth}\r\n`)),
    raw('huge ?connectionParams=', get(`/trpc/chat.events?connectionParams=${encodeURIComponent(JSON.stringify({ token: 'x'.repeat(12_000) }))}`)),
    ...['not-json', '%7B', '[]', '{"token":1}', 'null', '{"token":{}}', '%E0%A4%A'].map((p) => raw(`connectionParams ${p}`, get(`/trpc/chat.events?connectionParams=${p}&input=%7B%7D`))),
    ...['/trpc/nope', '/trpc/', '/trpc/system', '/trpc/__proto__', '/trpc/constructor', '/trpc/system.info.toString', '/trpc/system.__proto__.info', '/trpc/..%2F'].map((p) => raw(`no procedure ${p}`, get(p, `${auth}\r\n`))),
    ...['?batch=1&input=%7B%220%22%3A', '?batch=1&input=[]', '?batch=1&input=%7B%220%22%3A%7B%7D%2C%2299999999%22%3A%7B%7D%7D', '?batch=1&input=%7B%7D', '?batch=1', '?batch=1&input=%22x%22'].map((q) => raw(`batch ${q}`, get(`/trpc/system.info,system.status${q}`, `${auth}\r\n`))),
    raw('batch of 1000 commas', get(`/trpc/${','.repeat(1_000)}?batch=1`, `${auth}\r\n`)),
    raw('batch naming a subscription and a query', get('/trpc/chat.events,system.info?batch=1&input=%7B%7D', `${auth}\r\n`)),
    raw('HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
    raw('TLS ClientHello', Buffer.from('160301002e0100002a0303000000000000000000000000000000000000000000000000000000000000000000000002002f0100', 'hex')),
    raw('empty lines only', '\r\n\r\n\r\n'),
    raw('nothing but garbage', Buffer.from('\u0000\u00ff\u0001garbage\r\n\r\n', 'latin1')),
    raw('Expect 100-continue, then silence', `POST /trpc/system.restart HTTP/1.1\r\n${h}\r\n${auth}\r\nContent-Type: application/json\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n`),
    raw('Expect nonsense', get('/', 'Expect: nonsense\r\n')),
    raw('WebSocket upgrade', get('/trpc/system.info', `${auth}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n`)),
    raw('Transfer-Encoding gzip', post('/trpc/system.restart', '{').replace(/Content-Length: \d+/, 'Transfer-Encoding: gzip')),
    raw('pipelined, then garbage', `${get('/', '')}GARBAGE\u0000\r\n\r\n`),
    raw('HEAD on the API', `HEAD /trpc/system.info HTTP/1.1\r\n${h}\r\n\r\n`),
    raw('HEAD on a page', `HEAD / HTTP/1.1\r\n${h}\r\n\r\n`),
    raw('obs-fold header', get('/', 'X-A: a\r\n  b\r\n')),
    raw('LF line endings', `GET / HTTP/1.1\n${h}\n\n`),
    raw('bare CR line endings', `GET / HTTP/1.1\r${h}\r\r`),
    raw('Host with a huge port', get('/trpc/system.info', `${auth}\r\n`).replace(h, 'Host: 127.0.0.1:99999999')),
    raw('Host with userinfo', get('/trpc/system.info', `${auth}\r\n`).replace(h, 'Host: 127.0.0.1:1@evil.example')),
    raw('query with bad percent-encoding', get('/trpc/system.info?input=%', `${auth}\r\n`)),
    raw('wrong token, POST with a body', post('/trpc/system.restart', '{"id":"nonsense"}').replace(auth, 'Authorization: Bearer wrong')),
  ];
  const client = (name: string, method: string, path: string, headers: Record<string, string | string[]>, chunks: Buffer[] = []): ClientCase => ({ via: 'client', name, method, path, headers: { host: hostOf(t), ...headers }, chunks });
  const bearer = { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' };
  cases.push(
    client('chunked bad JSON', 'POST', '/trpc/system.restart', bearer, [Buffer.from('{"id":'), Buffer.from('"x"'), Buffer.from('\u0000')]),
    client('1 MB of bad JSON', 'POST', '/trpc/system.restart', bearer, [Buffer.from(`{"id":"${'x'.repeat(1_000_000)}`)]),
    client('body on GET', 'GET', '/trpc/system.info', bearer, [Buffer.from('{"a":1}')]),
    client('another host name', 'GET', '/trpc/system.info', { host: 'evil.example', authorization: `Bearer ${t.token}` }),
    client('TRACE', 'TRACE', '/', {}),
    client('OPTIONS on the API', 'OPTIONS', '/trpc/system.info', {}),
    client('long path', 'GET', `/${'a/'.repeat(7_000)}`, {}),
    client('encoded unicode path', 'GET', `/${encodeURIComponent('ünïcödé/\u{1F4A9}')}`, {}),
    client('query with connectionParams and a token in it', 'GET', `/trpc/system.info?connectionParams=${encodeURIComponent(JSON.stringify({ token: t.token }))}`, {}),
  );
  return cases;
}
