import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { moodSchema, padSchema } from '../../contracts/domain.js';

export const moodPointSchema = moodSchema.extend({ cause: z.string(), turnId: z.string().nullable() });

export const emotionContract = defineContract('emotion', {
  current: call(z.object({}).default({}), moodSchema.extend({ baseline: padSchema, halfLifeMinutes: z.number() })),
  apply: call(
    z.object({ appraisal: padSchema, cause: z.string().min(1).max(200), turnId: z.string().nullable().default(null), weight: z.number().min(0).max(1).default(1) }),
    z.object({ before: moodSchema, after: moodSchema }),
  ),
  history: call(
    z.object({ from: z.iso.datetime().optional(), to: z.iso.datetime().optional(), limit: z.number().int().min(1).max(10_000).default(500) }),
    z.array(moodPointSchema),
  ),
  setBaseline: call(z.object({ baseline: padSchema, halfLifeMinutes: z.number().positive().max(43_200).optional() }), z.object({ baseline: padSchema, halfLifeMinutes: z.number() })),
});
