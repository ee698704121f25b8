import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';

export const policySchema = z.enum(['allow', 'ask', 'deny']);

export const invokeResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), auditId: z.number().int(), result: z.unknown() }),
  z.object({ status: z.literal('denied'), auditId: z.number().int(), reason: z.string() }),
  z.object({ status: z.literal('needs-approval'), auditId: z.number().int(), requestId: z.string() }),
  z.object({ status: z.literal('error'), auditId: z.number().int(), error: z.string() }),
]);
export type InvokeResult = z.infer<typeof invokeResultSchema>;

export const actuatorContract = defineContract('actuator', {
  listTools: call(
    z.object({}).default({}),
    z.array(z.object({ name: z.string(), description: z.string(), parameters: z.record(z.string(), z.unknown()), policy: policySchema })),
  ),
  setPolicy: call(z.object({ tool: z.string().min(1).max(120), policy: policySchema }), z.object({ tool: z.string(), policy: policySchema })),
  invoke: call(
    z.object({ tool: z.string().min(1).max(120), args: z.unknown(), turnId: z.string().nullable().default(null) }),
    invokeResultSchema,
  ),
  decide: call(z.object({ requestId: z.string(), approve: z.boolean() }), invokeResultSchema),
  audit: call(
    z.object({ limit: z.number().int().min(1).max(1_000).default(100) }),
    z.array(z.object({ id: z.number().int(), at: z.string(), tool: z.string(), caller: z.string(), args: z.string(), decision: z.string(), outcome: z.string().nullable(), turnId: z.string().nullable() })),
  ),
});
