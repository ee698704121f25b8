import { PagiError } from '../../contracts/errors.js';
import type { ApiOf, ClientOf, Contract, StreamOptions } from '../../contracts/contract.js';
import type { PeerCallOptions, RequestHandler } from './rpcPeer.js';

/** Answered for every contract, to any caller: it echoes its input. (`$health` and `$data` answer the supervisor only: hostProcedures.ts.) */
export const BUILTIN_PING = '$ping';

/** Serves a contract: validates input (naming the bad fields), runs the handler, validates what it returns. */
export function createContractHandler<C extends Contract>(contract: C, api: ApiOf<C>): RequestHandler {
  const handlers = api as Record<string, (input: unknown, ctx: unknown) => unknown>;
  return async (method, input, ctx) => {
    if (method === BUILTIN_PING) return input;
    const def = contract.procedures[method];
    const handler = handlers[method];
    if (!def || !handler) {
      throw new PagiError('NOT_FOUND', `${contract.id} has no procedure "${method}"`);
    }
    const parsedInput = def.input.safeParse(input);
    if (!parsedInput.success) throw PagiError.invalidInput(parsedInput.error, `input to ${contract.id}.${method}`);
    if (def.kind === 'call') {
      const out = await handler(parsedInput.data, { caller: ctx.caller, signal: ctx.signal });
      return parseOutput(def.output, out, `${contract.id}.${method}`);
    }
    const chunkSchema = def.chunk;
    const out = await handler(parsedInput.data, {
      caller: ctx.caller,
      signal: ctx.signal,
      emit: (chunk: unknown) => ctx.emit(parseOutput(chunkSchema, chunk, `${contract.id}.${method} chunk`)),
    });
    return parseOutput(def.output, out, `${contract.id}.${method}`);
  };
}

function parseOutput(schema: { safeParse(v: unknown): { success: boolean; data?: unknown; error?: unknown } }, value: unknown, where: string): unknown {
  const r = schema.safeParse(value);
  if (!r.success) throw new PagiError('INTERNAL', `${where} produced output that breaks its contract`, { error: String(r.error) });
  return r.data;
}

export type RawCall = (method: string, input: unknown, opts: PeerCallOptions) => Promise<unknown>;

/** A typed client for a contract over any raw call function. */
export function createClient<C extends Contract>(contract: C, rawCall: RawCall): ClientOf<C> {
  const client: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(contract.procedures)) {
    client[name] =
      def.kind === 'call'
        ? (input: unknown, opts?: PeerCallOptions) => rawCall(name, input, { ...opts, onChunk: undefined })
        : (input: unknown, opts: StreamOptions<unknown>) => rawCall(name, input, opts);
  }
  return client as ClientOf<C>;
}
