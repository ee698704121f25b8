import { z } from 'zod';
import { call, defineContract } from '../../../contracts/contract.js';
import { defineService } from '../../common/defineService.js';

/** Test fixture: the smallest service there is, for tests of the kernel rather than of a service. */
export const echoContract = defineContract('test.echo', {
  echo: call(z.object({ text: z.string() }), z.object({ text: z.string() })),
});

export default defineService({
  id: 'test.echo',
  contract: echoContract,
  configSchema: z.object({}),
  async start() {
    return {
      api: { echo: ({ text }) => ({ text }) },
      health: () => ({ ok: true }),
    };
  },
});
