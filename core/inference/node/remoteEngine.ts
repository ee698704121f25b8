import { PagiError } from '../../contracts/errors.js';
import type { InferenceStatus } from '../common/contract.js';
import type { InferenceEngine } from './engine.js';
import { createOpenAiClient, type RemoteOptions } from './openAiClient.js';

export type { RemoteOptions } from './openAiClient.js';

/** The protocol carries no tokenizer: counts arrive only as a reply's usage. */
const cannotCount = (): PagiError => new PagiError('UNSUPPORTED', 'the OpenAI-compatible protocol has no way to count tokens; counts come with each reply');

/**
 * An OpenAI-compatible server as the inference engine. The server holds its own models and queue,
 * so there is nothing to load, unload or wait for here; loading a .gguf and counting tokens are
 * refused with the reason.
 */
export function createRemoteEngine(opts: RemoteOptions): InferenceEngine {
  const server = createOpenAiClient(opts);
  const model = `remote:${opts.model}`;

  const status = (): InferenceStatus => ({
    state: 'ready', loadProgress: null, error: null,
    model: { path: model, name: opts.model, architecture: null, fileBytes: 0, trainedContextLength: null, contextSize: 0, parallelSequences: 0, embeddingLength: null, chatTemplate: 'applied by the server' },
    embeddingModel: opts.embeddingModel ? { path: `remote:${opts.embeddingModel}`, state: 'ready', dims: null } : null,
    backend: { name: 'remote', gpu: null, reason: `inference runs on ${server.describe()}`, threads: 0 },
  });

  return {
    status,
    load() {
      return Promise.reject(new PagiError(
        'UNSUPPORTED',
        `inference runs on ${server.describe()}, which serves its own models: a .gguf cannot be loaded into it; set the inference provider to "local" to run one on this machine`,
      ));
    },
    // nothing of the server's is held here: there is nothing to unload or release
    unload: () => Promise.resolve(),
    loadedPath: () => null,
    release: () => Promise.resolve(),
    async generate(input, { emit, signal }) {
      // the server keeps its own queue, out of sight: from here the reply starts at once
      emit({ type: 'generating' });
      const result = await server.chat({ ...input, signal, onText: (text) => emit({ type: 'text', text }) });
      return { ...result, model };
    },
    async generateJson({ schema, ...input }, signal) {
      const result = await server.chat({ ...input, tools: [], jsonSchema: schema, signal, onText: () => undefined });
      try {
        return { value: JSON.parse(result.text) as unknown, text: result.text, usage: result.usage, model };
      } catch {
        throw new PagiError('UNAVAILABLE', 'the remote server did not return valid JSON for the schema (does it support response_format json_schema?)');
      }
    },
    async embed(texts, signal) {
      const r = await server.embed(texts, signal);
      return { model: r.model, dims: r.vectors[0]?.length ?? 0, vectors: r.vectors };
    },
    countTokens: () => Promise.reject(cannotCount()),
    countTokensMany: () => Promise.reject(cannotCount()),
    dispose: () => Promise.resolve(),
  };
}
