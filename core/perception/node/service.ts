import { z } from 'zod';
import { defineService } from '../../runtime/common/defineService.js';
import { perceptionContract } from '../common/contract.js';
import { appraiseText } from './appraise.js';

const policyValue = z.enum(['keep', 'redact']);
const configSchema = z.object({
  /** What happens to each kind of personal data before anything is stored or sent to a model. */
  pii: z
    .object({ email: policyValue.default('keep'), phone: policyValue.default('keep'), card: policyValue.default('redact'), secret: policyValue.default('redact') })
    .default({ email: 'keep', phone: 'keep', card: 'redact', secret: 'redact' }),
});

export default defineService({
  id: 'perception',
  contract: perceptionContract,
  configSchema,
  async start(ctx) {
    return {
      api: {
        appraise: ({ text, source }) => appraiseText(text, source, ctx.config.pii),
      },
    };
  },
});
