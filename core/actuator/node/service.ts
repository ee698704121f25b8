import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { episodicMemoryContract } from '../../memory-episodic/common/contract.js';
import { semanticMemoryContract } from '../../memory-semantic/common/contract.js';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { actuatorContract, policySchema, type AuditRow, type InvokeResult } from '../common/contract.js';
import { createApprovalStore, type ApprovalRequest } from './approvals.js';
import { AUDIT_GUARDS, createAuditLog, rechain, type NewAuditRow } from './auditLog.js';
import { createGrantStore } from './grants.js';
import { auditMigrations } from './migrations.js';
import { createDecisionWaiters } from './decisionWaiters.js';
import { createPolicyStore } from './policies.js';
import type { ToolContext, ToolLimits, ToolPreview } from './toolDefinition.js';
import { abortReason, runTimeoutMs, toolMemory } from './toolContext.js';
import { allTools, type ToolDefinition } from './tools.js';

const configSchema = z.object({
  /** Per-tool policies set by config; the user's choice wins, the tool kind's default applies to the rest. */
  defaults: z.record(z.string(), policySchema).default({}),
  toolTimeoutMs: z.number().int().min(100).default(10_000),
  /** A request nobody answers in this time is denied (and audited as expired). */
  approvalTimeoutMs: z.number().int().min(100).default(5 * 60_000),
  maxReadBytes: z.number().int().min(1).default(10 << 20),
  maxOutputChars: z.number().int().min(100).default(20_000),
  shellTimeoutMs: z.number().int().min(100).default(30_000),
  webTimeoutMs: z.number().int().min(100).default(15_000),
  webMaxBytes: z.number().int().min(1).default(5 << 20),
});

const DECISION_WORD = { 'allow-once': 'approved', 'always-allow': 'always-allowed', deny: 'rejected' } as const;
const argsText = (args: unknown): string => {
  try {
    return JSON.stringify(args ?? null) ?? 'null';
  } catch {
    return '"(arguments that cannot be written as JSON)"';
  }
};

export default defineService({
  id: 'actuator',
  contract: actuatorContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'audit.db', auditMigrations, {
      portable: {
        // granted folders and allowed hosts name this machine's paths and network: they stay here
        excludeTables: ['grants', 'allowed_hosts'],
        onImport(copy, twin) {
          // nothing to re-chain in an empty log (nor to say so)
          if (twin.mode !== 'clone' || copy.prepare('SELECT COUNT(*) FROM audit_log').pluck().get() === 0) return;
          // a clone's ids were remapped inside the rows, so their hashes no longer hold: the chain is
          // made again from the genesis, and says so in a row of its own
          copy.exec('DROP TRIGGER audit_log_no_update');
          rechain(copy);
          copy.exec(AUDIT_GUARDS[0] as string);
          createAuditLog(copy).append({ kind: 'setting', tool: '$audit', caller: '$import', decision: 'rechained', detail: `ids remapped for a clone of twin ${twin.sourceTwinId}` });
        },
      },
    });
    const cfg = ctx.config;
    const now = (): string => new Date().toISOString();
    const tools = allTools();
    const log = createAuditLog(db);
    const policies = createPolicyStore(db, cfg.defaults, now);
    const grants = createGrantStore(db, now);
    const approvals = createApprovalStore(db);
    const limits: ToolLimits = { maxReadBytes: cfg.maxReadBytes, maxOutputChars: cfg.maxOutputChars, shellTimeoutMs: cfg.shellTimeoutMs, webTimeoutMs: cfg.webTimeoutMs, webMaxBytes: cfg.webMaxBytes };
    const memory = toolMemory({ episodic: ctx.client(episodicMemoryContract), semantic: ctx.client(semanticMemoryContract) });
    /** Runs in flight by their request row, so a cancel (by audit id or request id) can stop them. */
    const running = new Map<number, { controller: AbortController; requestId: string | null }>();
    const expiries = new Map<string, ReturnType<typeof setTimeout>>();
    const waiters = createDecisionWaiters();

    const record = (row: NewAuditRow): AuditRow => {
      const r = log.append(row);
      void ctx.bus.publish('audit.appended', { seq: r.seq, kind: r.kind, refSeq: r.refSeq, tool: r.tool, caller: r.caller, decision: r.decision, outcome: r.outcome, turnId: r.turnId, hash: r.hash }).catch(() => undefined);
      return r;
    };
    const announce = (tool: string, decision: 'allowed' | 'denied' | 'needs-approval', auditId: number): void => {
      void ctx.bus.publish('tool.invoked', { tool, decision, auditId }).catch(() => undefined);
    };
    const previewOf = (tool: ToolDefinition, args: unknown): ToolPreview =>
      tool.preview?.(args, { grants: grants.folders() }) ?? { summary: `${tool.name} ${argsText(args).slice(0, 200)}` };

    const run = async (tool: ToolDefinition, args: unknown, requestSeq: number, turnId: string | null, requestId: string | null): Promise<InvokeResult> => {
      const controller = new AbortController();
      running.set(requestSeq, { controller, requestId });
      const timeoutMs = runTimeoutMs(tool.kind, limits, cfg.toolTimeoutMs);
      const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutMs), ctx.signal]);
      const toolCtx: ToolContext = { signal, grants: grants.folders(), allowedHosts: grants.hosts(), turnId, memory, limits };
      const started = performance.now();
      const ended = { kind: 'outcome' as const, refSeq: requestSeq, tool: tool.name, caller: '$actuator', turnId, requestId };
      try {
        // a tool that ignores its signal still cannot hold the caller past the deadline
        const stopped = new Promise<never>((_, reject) => {
          const onAbort = (): void => reject(new PagiError('CANCELLED', 'stopped'));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        });
        const result = await Promise.race([tool.run(args, toolCtx), stopped]);
        record({ ...ended, outcome: 'ok', resultBytes: Buffer.byteLength(argsText(result)), durationMs: Math.round(performance.now() - started) });
        return { status: 'ok', auditId: requestSeq, result };
      } catch (err) {
        const durationMs = Math.round(performance.now() - started);
        if (signal.aborted) {
          const why = abortReason(controller.signal.aborted ? controller.signal : signal, timeoutMs);
          record({ ...ended, outcome: why.outcome, error: why.message, durationMs });
          return { status: 'error', auditId: requestSeq, error: why.message };
        }
        const e = PagiError.from(err);
        record({ ...ended, outcome: 'error', error: e.message, durationMs });
        return { status: 'error', auditId: requestSeq, error: e.message };
      } finally {
        running.delete(requestSeq);
      }
    };

    const expire = (req: ApprovalRequest): boolean => {
      clearTimeout(expiries.get(req.id));
      expiries.delete(req.id);
      if (!approvals.settle(req.id, 'expired', '$timeout', now())) return false;
      record({ kind: 'decision', refSeq: req.requestSeq, tool: req.tool, caller: '$timeout', decision: 'expired', turnId: req.turnId, requestId: req.id, detail: `no answer within ${Math.round(cfg.approvalTimeoutMs / 1000)} s: denied` });
      waiters.settle(req.id, { status: 'denied', auditId: req.requestSeq, reason: `nobody answered within ${Math.round(cfg.approvalTimeoutMs / 1000)} s, so it was denied` });
      return true;
    };
    const expireOverdue = (): void => {
      for (const req of approvals.expiredBy(now())) expire(req);
    };
    const schedule = (req: Pick<ApprovalRequest, 'id' | 'expiresAt'>): void => {
      const timer = setTimeout(() => {
        const current = approvals.get(req.id);
        if (current && !current.decidedAt) expire(current);
      }, Math.max(0, Date.parse(req.expiresAt) - Date.now()));
      timer.unref?.();
      expiries.set(req.id, timer);
    };
    // requests survive a restart: the overdue ones are denied now, the rest wait for their time
    expireOverdue();
    for (const req of approvals.pending()) schedule(req);
    ctx.onDispose(() => {
      for (const t of expiries.values()) clearTimeout(t);
      for (const r of running.values()) r.controller.abort(new PagiError('CANCELLED', 'the actuator is stopping'));
      waiters.dispose();
    });

    const withdraw = (req: ApprovalRequest, caller: string): boolean => {
      if (!approvals.settle(req.id, 'cancelled', caller, now())) return false;
      clearTimeout(expiries.get(req.id));
      expiries.delete(req.id);
      record({ kind: 'decision', refSeq: req.requestSeq, tool: req.tool, caller, decision: 'cancelled', turnId: req.turnId, requestId: req.id, detail: 'withdrawn before an answer' });
      waiters.settle(req.id, { status: 'denied', auditId: req.requestSeq, reason: 'the request was withdrawn before an answer' });
      return true;
    };
    const setting = (tool: string, caller: string, decision: string, detail: string | null = null): void => void record({ kind: 'setting', tool, caller, decision, detail });

    /** Answers a pending request: its run's result, or why it did not run. */
    const decideNow = async ({ requestId, decision }: { requestId: string; decision: 'allow-once' | 'always-allow' | 'deny' }, { caller }: { caller: string }): Promise<InvokeResult> => {
      const req = approvals.get(requestId);
      if (!req) throw new PagiError('NOT_FOUND', `no approval request ${requestId}`);
      if (!req.decidedAt && Date.parse(req.expiresAt) <= Date.now()) expire(req);
      const current = approvals.get(requestId) as ApprovalRequest;
      if (current.decision === 'expired') return { status: 'denied' as const, auditId: req.requestSeq, reason: `the request expired: nobody answered within ${Math.round(cfg.approvalTimeoutMs / 1000)} s, so it was denied` };
      if (current.decision === 'cancelled') return { status: 'denied' as const, auditId: req.requestSeq, reason: 'the request was withdrawn before an answer' };
      if (current.decidedAt || !approvals.settle(requestId, decision, caller, now())) throw new PagiError('CONFLICT', `approval request ${requestId} was already answered (${current.decision ?? 'just now'})`);
      clearTimeout(expiries.get(requestId));
      expiries.delete(requestId);
      record({ kind: 'decision', refSeq: req.requestSeq, tool: req.tool, caller, decision: DECISION_WORD[decision], approvedBy: decision === 'deny' ? null : caller, turnId: req.turnId, requestId });
      if (decision === 'deny') return { status: 'denied' as const, auditId: req.requestSeq, reason: 'the user declined' };
      const tool = tools.get(req.tool);
      if (!tool) return { status: 'error' as const, auditId: req.requestSeq, error: `tool ${req.tool} no longer exists` };
      if (decision === 'always-allow') {
        policies.set(tool.name, 'allow');
        setting(tool.name, caller, 'policy:allow', `always allow, from request ${requestId}`);
      }
      const parsed = tool.args.safeParse(req.args);
      if (!parsed.success) return { status: 'error' as const, auditId: req.requestSeq, error: PagiError.invalidInput(parsed.error, `arguments of ${tool.name}`).message };
      return run(tool, parsed.data, req.requestSeq, req.turnId, requestId);
    };

    return {
      api: {
        listTools: () => [...tools.values()].map((t) => {
          const { policy, source } = policies.of(t.name, t.kind);
          return { name: t.name, description: t.description, kind: t.kind, parameters: t.parameters, policy, policySource: source };
        }),
        setPolicy({ tool, policy }, { caller }) {
          if (!tools.has(tool)) throw new PagiError('NOT_FOUND', `there is no tool "${tool}" (known: ${[...tools.keys()].join(', ')})`);
          policies.set(tool, policy);
          setting(tool, caller, `policy:${policy}`);
          return { tool, policy };
        },
        async invoke({ tool: name, args, turnId }, { caller }) {
          const request = { kind: 'request' as const, tool: name, caller, args: argsText(args), turnId };
          const tool = tools.get(name);
          if (!tool) {
            const row = record({ ...request, decision: 'denied', detail: 'unknown tool' });
            announce(name, 'denied', row.seq);
            return { status: 'denied' as const, auditId: row.seq, reason: `there is no tool "${name}"` };
          }
          const { policy, source } = policies.of(name, tool.kind);
          if (policy === 'deny') {
            const row = record({ ...request, decision: 'denied', detail: `policy deny (${source})` });
            announce(name, 'denied', row.seq);
            return { status: 'denied' as const, auditId: row.seq, reason: `${name} is not allowed (policy: deny). Allow it in Settings → Tools.` };
          }
          const requestId = policy === 'ask' ? newId() : null;
          const row = record({ ...request, decision: policy === 'ask' ? 'needs-approval' : 'allowed', requestId, detail: `policy ${policy} (${source})` });
          announce(name, policy === 'ask' ? 'needs-approval' : 'allowed', row.seq);
          const parsed = tool.args.safeParse(args);
          if (!parsed.success) {
            // nobody is asked to approve a call that cannot run
            const e = PagiError.invalidInput(parsed.error, `arguments of ${tool.name}`);
            record({ kind: 'outcome', refSeq: row.seq, tool: name, caller: '$actuator', outcome: 'error', error: e.message, turnId, requestId });
            return { status: 'error' as const, auditId: row.seq, error: e.message };
          }
          if (!requestId) return run(tool, parsed.data, row.seq, turnId, null);
          let preview: ToolPreview;
          try {
            preview = previewOf(tool, parsed.data);
          } catch (err) {
            // e.g. a path outside the granted folders: refused before anyone is asked
            const e = PagiError.from(err);
            record({ kind: 'outcome', refSeq: row.seq, tool: name, caller: '$actuator', outcome: 'error', error: e.message, turnId, requestId });
            return { status: 'error' as const, auditId: row.seq, error: e.message };
          }
          const createdAt = now();
          const expiresAt = new Date(Date.parse(createdAt) + cfg.approvalTimeoutMs).toISOString();
          approvals.create({ id: requestId, requestSeq: row.seq, tool: name, args, turnId, caller, createdAt, expiresAt });
          schedule({ id: requestId, expiresAt });
          return { status: 'needs-approval' as const, auditId: row.seq, requestId, preview, expiresAt };
        },
        async decide(input, call) {
          const result = await decideNow(input, call);
          // a turn paused on this request goes on with what came of it
          if (result.status !== 'needs-approval') waiters.settle(input.requestId, result);
          return result;
        },
        async awaitDecision({ requestId }, { signal }) {
          const req = approvals.get(requestId);
          if (!req) throw new PagiError('NOT_FOUND', `no approval request ${requestId}`);
          const now = waiters.wait(requestId, signal);
          if (!(now instanceof Promise)) return now;
          if (req.decidedAt) return { status: 'denied' as const, auditId: req.requestSeq, reason: `the request was answered (${req.decision ?? 'answered'}) while the tool service restarted; ask again` };
          const result = await now;
          return result ?? { status: 'denied' as const, auditId: req.requestSeq, reason: 'the turn stopped waiting for the answer' };
        },
        pendingApprovals() {
          expireOverdue();
          return approvals.pending().flatMap((req) => {
            const tool = tools.get(req.tool);
            if (!tool) return [];
            const parsed = tool.args.safeParse(req.args);
            let preview: ToolPreview = { summary: `${tool.name} ${argsText(req.args).slice(0, 200)}` };
            try {
              if (parsed.success) preview = previewOf(tool, parsed.data);
            } catch {
              /* a grant revoked since: the generic line still lets the user answer */
            }
            return [{ requestId: req.id, auditId: req.requestSeq, tool: req.tool, kind: tool.kind, args: req.args, preview, turnId: req.turnId, caller: req.caller, createdAt: req.createdAt, expiresAt: req.expiresAt }];
          });
        },
        cancelRun({ auditId, requestId }, { caller }) {
          const req = requestId !== undefined ? approvals.get(requestId) : approvals.byRequestSeq(auditId as number);
          if (req && !req.decidedAt) return { cancelled: withdraw(req, caller) };
          const seq = auditId ?? req?.requestSeq;
          const run = seq === undefined ? undefined : running.get(seq);
          if (!run) return { cancelled: false };
          run.controller.abort(new PagiError('CANCELLED', `cancelled by ${caller}`));
          return { cancelled: true };
        },
        grants: () => grants.list(),
        grant({ folder }, { caller }) {
          const g = grants.grant(folder);
          setting('$grants', caller, 'grant', g.folder);
          return g;
        },
        revoke({ folder }, { caller }) {
          const r = grants.revoke(folder);
          if (r.revoked) setting('$grants', caller, 'revoke', r.folder);
          return r;
        },
        allowedHosts: () => grants.hosts(),
        setAllowedHosts({ hosts }, { caller }) {
          const list = grants.setHosts(hosts);
          setting('$allowedHosts', caller, 'set', list.join(', ') || '(none)');
          return list;
        },
        auditList: (q) => log.list(q),
        auditVerify: () => log.verify(),
        audit: (q) => log.list(q),
      },
      health: () => ({ ok: db.open }),
    };
  },
});
