import type { z } from 'zod';
import type { GenerateChunk, InferenceStatus, inferenceContract } from '../common/contract.js';

type Procedures = typeof inferenceContract.procedures;

export type GenerateInput = z.output<Procedures['generate']['input']>;
export type GenerateOutput = z.output<Procedures['generate']['output']>;
export type GenerateJsonInput = z.output<Procedures['generateJson']['input']>;
export type GenerateJsonOutput = z.output<Procedures['generateJson']['output']>;
export type EmbedOutput = z.output<Procedures['embed']['output']>;

export interface GenerateCall {
  /** `waiting` while queued (local only), `generating` once before any text, then `text`. */
  emit(chunk: GenerateChunk): void;
  signal: AbortSignal;
}

/**
 * What the inference service runs on: this machine's node-llama-cpp (`localEngine.ts`) or an
 * OpenAI-compatible server (`remoteEngine.ts`). The service maps its procedures onto one of them;
 * what an engine cannot do it refuses with a PagiError that says why (decision 0011).
 */
export interface InferenceEngine {
  /** The contract's `status`: what is loaded (or which server answers) and on which backend. */
  status(): InferenceStatus;
  /** Makes the .gguf at `path` the chat model, replacing the one loaded. */
  load(path: string): Promise<void>;
  /** Unloads the chat model (`reason` reaches the generations it cuts short). */
  unload(reason: string): Promise<void>;
  /** The chat model file loaded now; null when none is (and always for a server). */
  loadedPath(): string | null;
  /** A model file is going away: unload it wherever it is loaded (chat or embedding). */
  release(path: string, reason: string): Promise<void>;
  generate(input: GenerateInput, call: GenerateCall): Promise<GenerateOutput>;
  /** The schema was checked for unknown types by the caller. */
  generateJson(input: GenerateJsonInput, signal: AbortSignal): Promise<GenerateJsonOutput>;
  embed(texts: string[], signal: AbortSignal): Promise<EmbedOutput>;
  countTokens(text: string): Promise<{ tokens: number; model: string }>;
  countTokensMany(texts: string[]): Promise<{ counts: number[]; model: string }>;
  /** Unloads what is loaded and stops timers; the native runtime itself is the service's to dispose. */
  dispose(): Promise<void>;
}
