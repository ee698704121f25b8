import { z } from 'zod';
import { call, defineContract, type ApiOf } from '../../contracts/contract.js';
import { PagiError } from '../../contracts/errors.js';
import { createContractHandler } from './contractServer.js';
import type { RequestHandler } from './rpcPeer.js';
import { dataRequestSchema, HOST_ENDPOINT, portableFileSchema } from './wire.js';

export const healthReportSchema = z.object({
  rssBytes: z.number(),
  cpuMicros: z.number(),
  /** What the service's own `health()` said (or that it did not say in time). */
  health: z.object({ ok: z.boolean(), detail: z.string().optional() }),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

/**
 * What every service host answers about its process rather than its service: the supervisor's
 * health pings and a twin bundle's data work (portableData.ts). They travel as ordinary RPC, so they
 * get request ids, deadlines and failure on exit like any call (decision 0009).
 */
export const hostContract = defineContract(HOST_ENDPOINT, {
  $health: call(z.object({}), healthReportSchema),
  $data: call(dataRequestSchema, z.array(portableFileSchema)),
});

export function isHostProcedure(method: string): boolean {
  return Object.hasOwn(hostContract.procedures, method);
}

/**
 * Serves the host procedures to the supervisor alone: memory use and every database of the twin are
 * not for other services to read, whatever their contract says.
 */
export function createHostProcedureHandler(api: ApiOf<typeof hostContract>): RequestHandler {
  const serve = createContractHandler(hostContract, api);
  return async (method, input, ctx) => {
    if (ctx.caller !== HOST_ENDPOINT) throw new PagiError('PERMISSION_DENIED', `${method} answers the supervisor only (asked by ${ctx.caller})`);
    return serve(method, input, ctx);
  };
}
