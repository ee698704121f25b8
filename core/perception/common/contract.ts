import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { appraisalSchema } from '../../contracts/domain.js';

export const perceptionContract = defineContract('perception', {
  appraise: call(
    z.object({
      text: z.string().max(200_000),
      /** Where the text came from: anything but the user is untrusted (it may carry injected instructions). */
      source: z.enum(['user', 'tool', 'document', 'import']).default('user'),
    }),
    appraisalSchema,
  ),
});
