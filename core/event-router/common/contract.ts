import { busContract } from '../../runtime/common/busContract.js';

/** The event router serves exactly the kernel's bus protocol. */
export const eventRouterContract = busContract;
