import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback OpenAI-compatible server (chat completions over SSE, embeddings) whose reply is chosen by
 * the test: `reply(userText)`. It stands in for a remote model so a test can decide what the "model"
 * says — e.g. hostile Markdown — which a real tiny model cannot be made to write. `requests` holds
 * every request body with its path, for tests that check what the engine sent. With `chunkDelayMs`
 * the reply streams slowly (12 characters a chunk), so a test can stop it half-way. A reply may also
 * say how it ends (`finish: 'length'`: cut at its limit) and stream slowly on its own (`delayMs`);
 * `reply` sees the whole request, e.g. a trailing assistant message (a reply being continued).
 */
export type FakeReply = string | { text: string; finish?: 'stop' | 'length'; delayMs?: number; toolCalls?: Array<{ name: string; args: unknown; id?: string }> };
export function fakeOpenAi(reply: (userText: string, request: { messages: Array<{ role: string; content: string }> }) => FakeReply, opts: { chunkDelayMs?: number } = {}): Promise<{ server: Server; url: string; requests: Array<Record<string, unknown>> }> {
  const requests: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as { messages?: Array<{ role: string; content: string }>; input?: string[] };
      requests.push({ path: req.url, ...body });
      if (req.url === '/v1/embeddings') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: (body.input ?? []).map((t, index) => ({ index, embedding: [t.length % 7, 1, 0.5] })) }));
        return;
      }
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const lastUser = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
      // (a tool's answer comes back as a `tool` message after the user's: `reply` sees the whole request)
      const answer = reply(lastUser, { messages: body.messages ?? [] });
      const { text, finish: given = 'stop', delayMs = opts.chunkDelayMs, toolCalls = [] } = typeof answer === 'string' ? { text: answer } : answer;
      const finishReason = toolCalls.length ? 'tool_calls' : given;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (o: unknown): void => void res.write(`data: ${JSON.stringify(o)}\n\n`);
      const pieces: string[] = [];
      for (let i = 0; i < text.length; i += 12) pieces.push(text.slice(i, i + 12));
      const finish = (): void => {
        // as OpenAI streams them: the id and name first, the arguments in pieces after
        toolCalls.forEach((call, index) => {
          const args = JSON.stringify(call.args);
          send({ choices: [{ delta: { tool_calls: [{ index, id: call.id ?? `call_${index}_${requests.length}`, type: 'function', function: { name: call.name, arguments: '' } }] } }] });
          for (let i = 0; i < args.length; i += 16) send({ choices: [{ delta: { tool_calls: [{ index, function: { arguments: args.slice(i, i + 16) } }] } }] });
        });
        send({ choices: [{ delta: {}, finish_reason: finishReason }] });
        send({ choices: [], usage: { prompt_tokens: 10, completion_tokens: Math.ceil(text.length / 4) } });
        res.end('data: [DONE]\n\n');
      };
      if (!delayMs) {
        for (const piece of pieces) send({ choices: [{ delta: { content: piece } }] });
        finish();
        return;
      }
      // slowly, until the client hangs up (a stopped reply)
      let next = 0;
      const timer = setInterval(() => {
        if (res.destroyed || res.writableEnded) return clearInterval(timer);
        const piece = pieces[next++];
        if (piece === undefined) {
          clearInterval(timer);
          finish();
        } else send({ choices: [{ delta: { content: piece } }] });
      }, delayMs);
      res.on('close', () => clearInterval(timer));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests })));
}
