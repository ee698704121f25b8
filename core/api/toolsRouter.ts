import { actuatorContract } from '../actuator/common/contract.js';
import type { ApiContext } from './coreAccess.js';
import { procedure, router } from './trpc.js';

const actuator = (ctx: ApiContext) => ctx.core.client(actuatorContract);
const p = actuatorContract.procedures;

/**
 * The twin's tools: their policies, the folders and hosts they may reach, the approvals waiting for
 * the user, and the audit chain. Every input is the actuator contract's own schema.
 */
export const toolsRouter = router({
  list: procedure.query(({ ctx }) => actuator(ctx).listTools({})),
  setPolicy: procedure.input(p.setPolicy.input).mutation(({ ctx, input }) => actuator(ctx).setPolicy(input)),
  grants: procedure.query(({ ctx }) => actuator(ctx).grants({})),
  grant: procedure.input(p.grant.input).mutation(({ ctx, input }) => actuator(ctx).grant(input)),
  revoke: procedure.input(p.revoke.input).mutation(({ ctx, input }) => actuator(ctx).revoke(input)),
  allowedHosts: procedure.query(({ ctx }) => actuator(ctx).allowedHosts({})),
  setAllowedHosts: procedure.input(p.setAllowedHosts.input).mutation(({ ctx, input }) => actuator(ctx).setAllowedHosts(input)),
  /** Requests still waiting: a reloaded window shows their cards again. */
  pendingApprovals: procedure.query(({ ctx }) => actuator(ctx).pendingApprovals({})),
  decide: procedure.input(p.decide.input).mutation(({ ctx, input }) => actuator(ctx).decide(input)),
  cancelRun: procedure.input(p.cancelRun.input).mutation(({ ctx, input }) => actuator(ctx).cancelRun(input)),
  auditList: procedure.input(p.auditList.input).query(({ ctx, input }) => actuator(ctx).auditList(input)),
  auditVerify: procedure.query(({ ctx }) => actuator(ctx).auditVerify({})),
});
