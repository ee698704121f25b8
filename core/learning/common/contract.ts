import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';

export const feedbackRatingSchema = z.enum(['up', 'down', 'wrong']);

export const learningContract = defineContract('learning', {
  feedback: call(
    z.object({ turnId: z.string().min(1).max(100), rating: feedbackRatingSchema, note: z.string().max(2_000).optional() }),
    z.object({ accepted: z.literal(true), eventId: z.string() }),
  ),
  stats: call(
    z.object({}).default({}),
    z.object({ turnsSeen: z.number().int(), feedback: z.record(z.string(), z.number().int()), adjustments: z.number().int(), lastEventAt: z.string().nullable() }),
  ),
});
