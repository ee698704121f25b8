import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { padSchema, personaSchema } from '../../contracts/domain.js';

export const socialContract = defineContract('social', {
  condition: call(
    z.object({ twinName: z.string().min(1).max(120), persona: personaSchema, mood: padSchema }),
    z.object({ systemPrompt: z.string(), style: z.array(z.string()), moodLabel: z.string() }),
  ),
  finalize: call(z.object({ text: z.string().max(200_000), mood: padSchema }), z.object({ text: z.string() })),
});
