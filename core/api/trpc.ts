import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { z } from 'zod';
import { PagiError, type ErrorCode } from '../contracts/errors.js';
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

/** Every error leaves the API as `{message, data: {pagiCode, issues?}}`: the message names the bad fields. */
const t = initTRPC.context<ApiContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    if (cause instanceof z.ZodError) {
      const pe = PagiError.invalidInput(cause);
      return { ...shape, message: pe.message, data: { ...shape.data, pagiCode: 'INVALID_INPUT', issues: (pe.data as { issues: unknown }).issues } };
    }
    const pagiCode = cause instanceof PagiError ? cause.code : null;
    return { ...shape, data: { ...shape.data, pagiCode } };
  },
});

export const router = t.router;

/** Procedures whose service errors become typed tRPC errors. */
export const procedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTrpcError(result.error.cause ?? result.error);
  return result;
});
