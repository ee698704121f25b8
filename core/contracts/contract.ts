import type { z } from 'zod';

export interface CallDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  kind: 'call';
  input: I;
  output: O;
}

export interface StreamDef<I extends z.ZodType = z.ZodType, C extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  kind: 'stream';
  input: I;
  chunk: C;
  output: O;
}

export type ProcedureDef = CallDef | StreamDef;

export interface Contract<Id extends string = string, P extends Record<string, ProcedureDef> = Record<string, ProcedureDef>> {
  id: Id;
  procedures: P;
}

export function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O): CallDef<I, O> {
  return { kind: 'call', input, output };
}

export function stream<I extends z.ZodType, C extends z.ZodType, O extends z.ZodType>(input: I, chunk: C, output: O): StreamDef<I, C, O> {
  return { kind: 'stream', input, chunk, output };
}

/** `id` is the service id (a manifest id; test fixtures and plugins use their own). */
export function defineContract<Id extends string, P extends Record<string, ProcedureDef>>(id: Id, procedures: P): Contract<Id, P> {
  return { id, procedures };
}

export interface CallOptions {
  /** Milliseconds until the call fails with DEADLINE_EXCEEDED (and the callee's signal aborts). */
  timeoutMs?: number;
  /** Cancels: the call fails with CANCELLED at once and the callee stops. */
  signal?: AbortSignal;
  /** Asks the callee to finish early (its signal aborts); the call still resolves with what it returns. */
  stop?: AbortSignal;
}

export interface StreamOptions<C> extends CallOptions {
  onChunk: (chunk: C) => void;
}

/** The typed client a contract gives its callers. */
export type ClientOf<C extends Contract> = {
  [K in keyof C['procedures']]: C['procedures'][K] extends CallDef<infer I, infer O>
    ? (input: z.input<I>, opts?: CallOptions) => Promise<z.output<O>>
    : C['procedures'][K] extends StreamDef<infer I, infer Ch, infer O>
      ? (input: z.input<I>, opts: StreamOptions<z.output<Ch>>) => Promise<z.output<O>>
      : never;
};

export interface HandlerContext {
  /** Id of the caller: a service id, or `$host`. */
  caller: string;
  signal: AbortSignal;
}

export interface StreamHandlerContext<C> extends HandlerContext {
  emit(chunk: C): void;
}

/** What a service implements for its contract. */
export type ApiOf<C extends Contract> = {
  [K in keyof C['procedures']]: C['procedures'][K] extends CallDef<infer I, infer O>
    ? (input: z.output<I>, ctx: HandlerContext) => Promise<z.input<O>> | z.input<O>
    : C['procedures'][K] extends StreamDef<infer I, infer Ch, infer O>
      ? (input: z.output<I>, ctx: StreamHandlerContext<z.input<Ch>>) => Promise<z.input<O>>
      : never;
};
