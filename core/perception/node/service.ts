import { z } from 'zod';
import { defineService } from '../../runtime/common/defineService.js';
import { perceptionContract, piiPolicySchema } from '../common/contract.js';
import { appraiseText } from './appraise.js';

const configSchema = z.object({
  pii: piiPolicySchema.default({ email: 'keep', phone: 'keep', card: 'redact', secret: 'redact' }),
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
