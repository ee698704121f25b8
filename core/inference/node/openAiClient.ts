import { randomUUID } from 'node:crypto';
import type { ChatMessage, Usage } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import type { GenerateResult } from './llamaEngine.js';

export interface RemoteOptions {
  /** e.g. http://gpu-box:8000/v1 (vLLM), http://localhost:8080/v1 (llama.cpp server), http://localhost:11434/v1 (Ollama) */
  baseUrl: string;
  apiKey?: string | undefined;
  model: string;
  embeddingModel?: string | undefined;
  timeoutMs: number;
}

export interface ChatCompletionRequest {
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number;
  seed?: number | undefined;
  topP?: number | undefined;
  topK?: number | undefined;
  minP?: number | undefined;
  repeatPenalty?: number | undefined;
  tools: Array<{ name: string; description: string; parameters?: Record<string, unknown> | undefined }>;
  jsonSchema?: Record<string, unknown>;
  signal: AbortSignal;
  onText(text: string): void;
}

interface StreamChunk {
  choices?: Array<{ delta?: { content?: string | null; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

/**
 * The OpenAI-compatible protocol (vLLM, llama.cpp's server, Ollama, a hosted API): streamed chat
 * completions with tool calls returned, JSON-schema output, embeddings; HTTP failures become
 * PagiErrors that say what to check.
 */
/**
 * A history ending with the model's own unfinished message (Continue). Some servers carry such a
 * message on (llama.cpp's prefill), others — OpenAI's own among them — would answer it with a new
 * reply, and no request field works on all of them: so the model is asked in words to go on, which
 * every chat model understands, and its own words stay right before the request.
 */
export const CONTINUE_REQUEST = 'Continue your last reply exactly where it stopped. Do not repeat anything you already wrote, and do not start a new reply.';
/** A continuation that starts a word right after the old reply's last word or sentence needs a space between them. */
function needsSpaceBefore(messages: ChatMessage[], first: string): boolean {
  const prefix = messages.at(-1)?.role === 'assistant' ? (messages.at(-1)?.content ?? '') : '';
  return /[\p{L}\p{N}.,;:!?)"']$/u.test(prefix) && /^[\p{L}\p{N}("']/u.test(first);
}
/**
 * Tool names as OpenAI accepts them (letters, digits, `_` and `-`): our dots travel as `-`, which no
 * tool name of ours holds, and come back as dots.
 */
const toWireName = (name: string): string => name.replaceAll('.', '-');
const fromWireName = (name: string): string => name.replaceAll('-', '.');

/** A message as the chat completions API has it: tool calls on the assistant's, the call's id on a tool's answer. */
function toWireMessage(m: ChatMessage): Record<string, unknown> {
  if (m.role === 'assistant' && m.toolCalls?.length) {
    return { role: 'assistant', content: m.content || null, tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: toWireName(c.tool), arguments: JSON.stringify(c.args ?? {}) } })) };
  }
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? 'unknown', content: m.content };
  return { role: m.role, content: m.content };
}

function continuable(messages: ChatMessage[]): ChatMessage[] {
  return messages.at(-1)?.role === 'assistant' ? [...messages, { role: 'user', content: CONTINUE_REQUEST }] : messages;
}

export function createOpenAiClient(opts: RemoteOptions) {
  const url = (path: string): string => `${opts.baseUrl.replace(/\/+$/, '')}${path}`;
  const headers = (): Record<string, string> => ({ 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) });

  const post = async (path: string, body: unknown, signal: AbortSignal): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(url(path), { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)]) });
    } catch (err) {
      if (signal.aborted) throw new PagiError('CANCELLED', 'the request to the remote server was cancelled');
      throw new PagiError('UNAVAILABLE', `cannot reach the remote inference server at ${opts.baseUrl}: ${(err as Error).message}`);
    }
    if (res.ok) return res;
    const text = (await res.text().catch(() => '')).slice(0, 300);
    if (res.status === 401 || res.status === 403) throw new PagiError('UNAUTHENTICATED', `the remote inference server refused the API key (${res.status}): check inference.remote.apiKey`);
    if (res.status === 404) throw new PagiError('NOT_FOUND', `the remote server has no ${path} (404): is ${opts.baseUrl} the OpenAI-compatible base URL, ending in /v1?`);
    if (res.status === 429) throw new PagiError('RESOURCE_EXHAUSTED', `the remote server is rate-limiting (429): ${text}`);
    throw new PagiError('UNAVAILABLE', `the remote server answered ${res.status}: ${text}`);
  };

  const chat = async (req: ChatCompletionRequest): Promise<GenerateResult> => {
    const started = performance.now();
    let firstAt: number | null = null;
    const body = {
      model: opts.model,
      messages: continuable(req.messages).map(toWireMessage),
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      ...(req.topP !== undefined ? { top_p: req.topP } : {}),
      // not OpenAI's own, but what vLLM, llama.cpp's server and Ollama's OpenAI endpoint read
      ...(req.topK !== undefined ? { top_k: req.topK } : {}),
      ...(req.minP !== undefined ? { min_p: req.minP } : {}),
      ...(req.repeatPenalty !== undefined ? { repetition_penalty: req.repeatPenalty, repeat_penalty: req.repeatPenalty } : {}),
      stream: true,
      stream_options: { include_usage: true },
      ...(req.tools.length ? { tools: req.tools.map((t) => ({ type: 'function', function: { name: toWireName(t.name), description: t.description, parameters: t.parameters ?? { type: 'object', properties: {} } } })) } : {}),
      ...(req.jsonSchema ? { response_format: { type: 'json_schema', json_schema: { name: 'output', schema: req.jsonSchema, strict: true } } } : {}),
    };
    const res = await post('/chat/completions', body, req.signal);
    let text = '';
    let finish: string | null = null;
    let usage: StreamChunk['usage'] = null;
    const calls = new Map<number, { id: string; name: string; args: string }>();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(part, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trim();
          if (data === '[DONE]') continue;
          let chunk: StreamChunk;
          try {
            chunk = JSON.parse(data) as StreamChunk;
          } catch {
            throw new PagiError('UNAVAILABLE', `the remote server sent a stream line that is not JSON: ${data.slice(0, 120)}`);
          }
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices?.[0];
          if (choice?.finish_reason) finish = choice.finish_reason;
          const delta = choice?.delta;
          if (delta?.content) {
            // asked to go on in words, a model writes a new message: it is joined to the old one as a sentence would be
            const piece = text === '' && needsSpaceBefore(req.messages, delta.content) ? ` ${delta.content}` : delta.content;
            firstAt ??= performance.now();
            text += piece;
            req.onText(piece);
          }
          for (const tc of delta?.tool_calls ?? []) {
            const c = calls.get(tc.index) ?? { id: tc.id ?? '', name: '', args: '' };
            if (tc.id && !c.id) c.id = tc.id;
            c.name += tc.function?.name ?? '';
            c.args += tc.function?.arguments ?? '';
            calls.set(tc.index, c);
          }
        }
      }
    } catch (err) {
      if (req.signal.aborted) finish = 'cancelled';
      else throw PagiError.from(err);
    }
    const totalMs = performance.now() - started;
    const completionTokens = usage?.completion_tokens ?? 0;
    const genMs = firstAt !== null ? totalMs - (firstAt - started) : 0;
    const usageOut: Usage = {
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens,
      promptEvalMs: firstAt !== null ? firstAt - started : totalMs,
      timeToFirstTokenMs: firstAt !== null ? firstAt - started : null,
      totalMs,
      tokensPerSecond: genMs > 0 && completionTokens > 1 ? ((completionTokens - 1) * 1000) / genMs : null,
    };
    return {
      text,
      stopReason: finish === 'cancelled' ? 'cancelled' : finish === 'length' ? 'max-tokens' : finish === 'tool_calls' ? 'tool-calls' : 'eos',
      toolCalls: [...calls.values()].map((c) => {
        const id = c.id || `call-${randomUUID()}`;
        try {
          return { id, tool: fromWireName(c.name), args: JSON.parse(c.args || '{}') as unknown };
        } catch {
          return { id, tool: fromWireName(c.name), args: { raw: c.args } };
        }
      }),
      usage: usageOut,
    };
  };

  const embed = async (texts: string[], signal: AbortSignal): Promise<{ model: string; vectors: number[][] }> => {
    const model = opts.embeddingModel ?? opts.model;
    const res = await post('/embeddings', { model, input: texts }, signal);
    const body = (await res.json()) as { data?: Array<{ index?: number; embedding?: number[] }> };
    const data = [...(body.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    if (data.length !== texts.length || data.some((d) => !Array.isArray(d.embedding))) {
      throw new PagiError('UNAVAILABLE', `the remote server returned ${data.length} embeddings for ${texts.length} texts`);
    }
    return { model: `remote:${model}`, vectors: data.map((d) => d.embedding as number[]) };
  };

  return { chat, embed, describe: () => `an OpenAI-compatible server at ${opts.baseUrl} (model ${opts.model})` };
}
