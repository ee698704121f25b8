import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { appraisalSchema, piiKindSchema } from '../../contracts/domain.js';

export const piiActionSchema = z.enum(['keep', 'redact'], { message: 'each kind of personal data is either "keep" or "redact"' });
/** What happens to each kind of personal data before anything is stored or sent to a model (config `pii`). */
export const piiPolicySchema = z
  .object({ email: piiActionSchema.default('keep'), phone: piiActionSchema.default('keep'), card: piiActionSchema.default('redact'), secret: piiActionSchema.default('redact') })
  .strict();
export type PiiPolicy = z.infer<typeof piiPolicySchema>;
/** A change to the policy: only the kinds named change. */
export const piiPolicyChangeSchema = z.partialRecord(piiKindSchema, piiActionSchema);

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
