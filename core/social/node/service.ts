import { z } from 'zod';
import { defineService } from '../../runtime/common/defineService.js';
import { socialContract } from '../common/contract.js';
import { buildSystemPrompt, finalizeReply } from './style.js';

export default defineService({
  id: 'social',
  contract: socialContract,
  configSchema: z.object({}),
  async start() {
    return {
      api: {
        condition: ({ twinName, persona, mood }) => buildSystemPrompt(twinName, persona, mood),
        finalize: ({ text }) => ({ text: finalizeReply(text) }),
      },
    };
  },
});
