import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { z } from 'zod';
import { hintOf, PagiError, type ErrorCode } from '../contracts/errors.js';
import type { ApiContext } from './coreAccess.js';

const TRPC_CODE: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID_INPUT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PERMISSION_DENIED: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FAILED_PRECONDITION: 'PRECONDITION_FAILED',
  RESOURCE_EXHAUSTED: 'TOO_MANY_REQUESTS',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  DEADLINE_EXCEEDED: 'TIMEOUT',
  CANCELLED: 'CLIENT_CLOSED_REQUEST',
  UNSUPPORTED: 'NOT_IMPLEMENTED',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

export function toTrpcError(err: unknown): TRPCError {
  if (err instanceof TRPCError) return err;
  const e = PagiError.from(err);
  return new TRPCError({ code: TRPC_CODE[e.code], message: e.message, cause: e });
}

/**
 * Every error leaves the API as `{message, data: {pagiCode, issues?}}`: the message names the bad fields.
 * Never a stack, whatever NODE_ENV says: it names this machine's folders to whoever reads the body.
 */
const t = initTRPC.context<ApiContext>().create({
  isDev: false,
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    const cause = error.cause;
    if (cause instanceof z.ZodError) {
      const pe = PagiError.invalidInput(cause);
      return { ...shape, message: pe.message, data: { ...data, pagiCode: 'INVALID_INPUT', issues: (pe.data as { issues: unknown }).issues } };
    }
    const pagiCode = cause instanceof PagiError ? cause.code : null;
    return { ...shape, data: { ...data, pagiCode, hint: hintOf(cause) } };
  },
});

export const router = t.router;

/** Procedures whose service errors become typed tRPC errors. */
export const procedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const { error } = result;
    // tRPC's own refusals (input it could not parse, …) keep their code; what a service threw is mapped
    const fromService = error.code === 'INTERNAL_SERVER_ERROR' || error.cause instanceof PagiError || error.cause instanceof z.ZodError;
    throw fromService ? toTrpcError(error.cause ?? error) : error;
  }
  return result;
});
