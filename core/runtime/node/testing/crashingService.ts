import { z } from 'zod';
import { call, defineContract } from '../../../contracts/contract.js';
import { defineService } from '../../common/defineService.js';

/** Test fixture: a service whose process dies during every start (as a native crash would). */
export const crashingContract = defineContract('test.crashing', { noop: call(z.object({}), z.object({})) });

export default defineService({
  id: 'test.crashing',
  contract: crashingContract,
  configSchema: z.object({}).passthrough(),
  async start() {
    await new Promise((r) => setTimeout(r, 20));
    process.exit(13);
  },
});
