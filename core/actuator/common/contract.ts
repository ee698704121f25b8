import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';

export const policySchema = z.enum(['allow', 'ask', 'deny']);
export type Policy = z.infer<typeof policySchema>;
export const toolKindSchema = z.enum(['time', 'memory', 'read', 'write', 'shell', 'web', 'mcp']);

/** What an approval card shows: one line, the granted folder a call touches, the exact shell command. */
export const toolPreviewSchema = z.object({ summary: z.string(), folder: z.string().optional(), command: z.string().optional() });

export const invokeResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), auditId: z.number().int(), result: z.unknown() }),
  z.object({ status: z.literal('denied'), auditId: z.number().int(), reason: z.string() }),
  z.object({ status: z.literal('needs-approval'), auditId: z.number().int(), requestId: z.string(), preview: toolPreviewSchema, expiresAt: z.string() }),
  z.object({ status: z.literal('error'), auditId: z.number().int(), error: z.string() }),
]);
export type InvokeResult = z.infer<typeof invokeResultSchema>;

/** Allow once, always allow (the tool's policy becomes `allow`, then it runs), or deny. */
export const approvalDecisionSchema = z.enum(['allow-once', 'always-allow', 'deny']);

export const pendingApprovalSchema = z.object({
  requestId: z.string(), auditId: z.number().int(), tool: z.string(), kind: toolKindSchema, args: z.unknown(),
  preview: toolPreviewSchema, turnId: z.string().nullable(), caller: z.string(), createdAt: z.string(), expiresAt: z.string(),
});

/**
 * One row of the append-only audit chain. A `request` row records a call and the policy's decision;
 * `decision` rows (an approval answered, expired or cancelled) and `outcome` rows (how the run
 * ended) point at it with `refSeq`; `setting` rows record policy, grant and host changes.
 */
export const auditKindSchema = z.enum(['request', 'decision', 'outcome', 'setting']);
export const auditRowSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  kind: auditKindSchema,
  refSeq: z.number().int().nullable(),
  tool: z.string(),
  caller: z.string(),
  args: z.string().nullable(),
  decision: z.string().nullable(),
  approvedBy: z.string().nullable(),
  outcome: z.string().nullable(),
  turnId: z.string().nullable(),
  requestId: z.string().nullable(),
  resultBytes: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  error: z.string().nullable(),
  detail: z.string().nullable(),
  hash: z.string(),
});
export type AuditRow = z.infer<typeof auditRowSchema>;

const isoTime = z.iso.datetime({ offset: true, message: 'since must be an ISO 8601 date-time, e.g. 2026-05-01T00:00:00Z' });
export const auditListInput = z.object({
  since: isoTime.optional(),
  tool: z.string().min(1).max(120).optional(),
  decision: z.string().min(1).max(40).optional(),
  limit: z.number().int().min(1).max(1_000).default(100),
});

/** An absolute path as the caller's machine writes it (the CLI resolves a relative one against its own folder). */
export const folderInput = z.object({
  folder: z.string().min(1).max(4_096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'folder must be an absolute path'),
});
const grantSchema = z.object({ folder: z.string(), grantedAt: z.string() });
const hostName = z.string().trim().toLowerCase().min(1).max(253).regex(/^[a-z0-9.:[\]-]+$/, 'a host is a name or an address, e.g. 192.168.1.20 or nas.local');

export const actuatorContract = defineContract('actuator', {
  listTools: call(
    z.object({}).default({}),
    z.array(z.object({ name: z.string(), description: z.string(), kind: toolKindSchema, parameters: z.record(z.string(), z.unknown()), policy: policySchema, policySource: z.enum(['user', 'config', 'default']) })),
  ),
  setPolicy: call(z.object({ tool: z.string().min(1).max(120), policy: policySchema }), z.object({ tool: z.string(), policy: policySchema })),
  invoke: call(
    z.object({ tool: z.string().min(1).max(120), args: z.unknown(), turnId: z.string().nullable().default(null) }),
    invokeResultSchema,
  ),
  /** Answers a pending request; `approve` is the first contract's yes/no (yes = allow once). */
  decide: call(
    z.object({ requestId: z.string().min(1).max(100), decision: approvalDecisionSchema.optional(), approve: z.boolean().optional() })
      .refine((d) => (d.decision === undefined) !== (d.approve === undefined), 'give either decision (allow-once, always-allow, deny) or approve')
      .transform(({ requestId, decision, approve }) => ({ requestId, decision: decision ?? (approve ? 'allow-once' as const : 'deny' as const) })),
    invokeResultSchema,
  ),
  /**
   * Waits for the answer to a request that asked first, and returns what came of it: the run's
   * result when allowed, `denied` when declined, expired or withdrawn. The caller's call deadline
   * should outlast the request's `expiresAt`.
   */
  awaitDecision: call(z.object({ requestId: z.string().min(1).max(100) }), invokeResultSchema),
  /** Requests still waiting for an answer (a reloaded window shows them again). */
  pendingApprovals: call(z.object({}).default({}), z.array(pendingApprovalSchema)),
  /** Stops a run (by its request row's audit id, or its approval request id); a pending request is withdrawn. */
  cancelRun: call(
    z.object({ auditId: z.number().int().optional(), requestId: z.string().min(1).max(100).optional() }).refine((c) => (c.auditId === undefined) !== (c.requestId === undefined), 'give either auditId or requestId'),
    z.object({ cancelled: z.boolean() }),
  ),
  grants: call(z.object({}).default({}), z.array(grantSchema)),
  /** A folder the files tools may work in, stored with symlinks resolved. */
  grant: call(folderInput, grantSchema),
  revoke: call(folderInput, z.object({ folder: z.string(), revoked: z.boolean() })),
  /** Private, loopback or link-local hosts the web tools may reach anyway. */
  allowedHosts: call(z.object({}).default({}), z.array(z.string())),
  setAllowedHosts: call(z.object({ hosts: z.array(hostName).max(200) }), z.array(z.string())),
  auditList: call(auditListInput, z.array(auditRowSchema)),
  /** Recomputes the whole chain: the first row whose hash or link does not hold is named. */
  auditVerify: call(
    z.object({}).default({}),
    z.object({ ok: z.boolean(), rows: z.number().int(), firstBroken: z.object({ seq: z.number().int(), reason: z.string() }).nullable() }),
  ),
  /** The first contract's name for `auditList`, kept for its callers. */
  audit: call(auditListInput, z.array(auditRowSchema)),
});
