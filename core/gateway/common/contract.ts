import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';

export const gatewayContract = defineContract('gateway', {
  status: call(z.object({}).default({}), z.object({ enabled: z.boolean(), url: z.string().nullable(), requests: z.number().int(), rejected: z.number().int() })),
});
