import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';

export const workingTurnSchema = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant', 'system', 'tool']),
  text: z.string(),
  tokens: z.number().int().min(0),
  at: z.string(),
});
export type WorkingTurn = z.infer<typeof workingTurnSchema>;

export const sessionIdSchema = z.string().min(1).max(200);

export const workingMemoryContract = defineContract('memory.working', {
  append: call(
    z.object({ sessionId: sessionIdSchema, id: z.string().min(1).max(100), role: workingTurnSchema.shape.role, text: z.string().max(200_000), tokens: z.number().int().min(0).optional() }),
    /** `counted`: measured with the model's tokenizer (false: estimated, no model loaded). */
    z.object({ turns: z.number().int(), tokens: z.number().int(), evicted: z.number().int(), counted: z.boolean() }),
  ),
  get: call(
    z.object({ sessionId: sessionIdSchema, maxTokens: z.number().int().min(1).optional() }),
    z.object({ turns: z.array(workingTurnSchema), vars: z.record(z.string(), z.unknown()), tokens: z.number().int() }),
  ),
  setVar: call(z.object({ sessionId: sessionIdSchema, key: z.string().min(1).max(200), value: z.unknown() }), z.object({ ok: z.literal(true) })),
  clear: call(z.object({ sessionId: sessionIdSchema }), z.object({ cleared: z.boolean() })),
  sessions: call(z.object({}).default({}), z.array(z.object({ sessionId: z.string(), turns: z.number().int(), tokens: z.number().int(), lastActive: z.string() }))),
});
