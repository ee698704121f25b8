import { z } from 'zod';
import { call, defineContract, stream } from '../../contracts/contract.js';
import { busEventSchema } from '../../contracts/events.js';

/** The bus protocol, spoken by every service's bus client and served by the event router. */
export const publishInputSchema = z.object({
  events: z
    .array(z.object({ id: z.string().min(1).max(100), topic: z.string().min(1).max(200), payload: z.unknown() }))
    .min(1)
    .max(5_000),
});

export const busContract = defineContract('event-router', {
  publishBatch: call(
    publishInputSchema,
    z.object({ results: z.array(z.object({ id: z.string(), offset: z.number().int(), duplicate: z.boolean() })) }),
  ),
  subscribe: stream(
    z.object({
      consumer: z.string().min(1).max(200),
      topics: z.array(z.string().min(1)).min(1).max(200),
      /** Start here instead of after the consumer's last ack (replay). */
      fromOffset: z.number().int().min(1).optional(),
      window: z.number().int().min(1).max(10_000).default(512),
    }),
    z.object({ events: z.array(busEventSchema) }),
    z.object({ endedAt: z.number().int() }),
  ),
  ack: call(z.object({ consumer: z.string().min(1).max(200), offset: z.number().int().min(0) }), z.object({ acked: z.number().int() })),
  read: call(
    z.object({
      fromOffset: z.number().int().min(1).default(1),
      limit: z.number().int().min(1).max(10_000).default(100),
      topics: z.array(z.string()).optional(),
    }),
    z.object({ events: z.array(busEventSchema), headOffset: z.number().int(), firstOffset: z.number().int() }),
  ),
  stats: call(
    z.object({}).default({}),
    z.object({
      headOffset: z.number().int(),
      firstOffset: z.number().int(),
      count: z.number().int(),
      consumers: z.array(z.object({ consumer: z.string(), acked: z.number().int(), lag: z.number().int() })),
    }),
  ),
});
