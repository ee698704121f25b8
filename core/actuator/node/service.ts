import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import { newId } from '../../contracts/ids.js';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { actuatorContract, policySchema, type InvokeResult } from '../common/contract.js';
import { auditMigrations } from './migrations.js';
import { BUILTIN_TOOLS, type ToolDefinition } from './tools.js';

const configSchema = z.object({
  /** Per-tool defaults; anything not listed is denied until the user allows it. */
  defaults: z.record(z.string(), policySchema).default({}),
  toolTimeoutMs: z.number().int().min(100).default(10_000),
});

export default defineService({
  id: 'actuator',
  contract: actuatorContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'audit.db', auditMigrations);
    const tools = new Map<string, ToolDefinition>(BUILTIN_TOOLS.map((t) => [t.name, t]));
    const now = (): string => new Date().toISOString();

    const policyOf = (tool: string): z.infer<typeof policySchema> =>
      (db.prepare('SELECT policy FROM policies WHERE tool = ?').pluck().get(tool) as z.infer<typeof policySchema> | undefined) ?? ctx.config.defaults[tool] ?? 'deny';
    const audit = (tool: string, caller: string, args: unknown, decision: string, turnId: string | null): number =>
      Number(db.prepare('INSERT INTO audit (at, tool, caller, args, decision, turn_id) VALUES (?, ?, ?, ?, ?, ?)').run(now(), tool, caller, JSON.stringify(args ?? null), decision, turnId).lastInsertRowid);
    const outcome = (id: number, text: string): void => {
      db.prepare('UPDATE audit SET outcome = ? WHERE id = ?').run(text.slice(0, 4_000), id);
    };
    const announce = (tool: string, decision: 'allowed' | 'denied' | 'needs-approval', auditId: number): void => {
      void ctx.bus.publish('tool.invoked', { tool, decision, auditId }).catch(() => undefined);
    };

    const run = async (tool: ToolDefinition, args: unknown, auditId: number): Promise<InvokeResult> => {
      const parsed = tool.args.safeParse(args);
      if (!parsed.success) {
        const e = PagiError.invalidInput(parsed.error, `arguments of ${tool.name}`);
        outcome(auditId, `error: ${e.message}`);
        return { status: 'error', auditId, error: e.message };
      }
      try {
        const result = await tool.run(parsed.data, AbortSignal.timeout(ctx.config.toolTimeoutMs));
        outcome(auditId, `ok: ${JSON.stringify(result)}`);
        return { status: 'ok', auditId, result };
      } catch (err) {
        const e = PagiError.from(err);
        outcome(auditId, `error: ${e.message}`);
        return { status: 'error', auditId, error: e.message };
      }
    };

    return {
      api: {
        listTools: () => [...tools.values()].map((t) => ({ name: t.name, description: t.description, parameters: t.parameters, policy: policyOf(t.name) })),
        setPolicy({ tool, policy }) {
          if (!tools.has(tool)) throw new PagiError('NOT_FOUND', `there is no tool "${tool}" (known: ${[...tools.keys()].join(', ')})`);
          db.prepare('INSERT INTO policies (tool, policy, updated_at) VALUES (?, ?, ?) ON CONFLICT(tool) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at').run(tool, policy, now());
          return { tool, policy };
        },
        async invoke({ tool: name, args, turnId }, { caller }) {
          const tool = tools.get(name);
          if (!tool) {
            const auditId = audit(name, caller, args, 'denied', turnId);
            outcome(auditId, 'unknown tool');
            return { status: 'denied' as const, auditId, reason: `there is no tool "${name}"` };
          }
          const policy = policyOf(name);
          if (policy === 'deny') {
            const auditId = audit(name, caller, args, 'denied', turnId);
            announce(name, 'denied', auditId);
            return { status: 'denied' as const, auditId, reason: `${name} is not allowed (policy: deny). Allow it in Settings → Tools.` };
          }
          if (policy === 'ask') {
            const auditId = audit(name, caller, args, 'needs-approval', turnId);
            const requestId = newId();
            db.prepare('INSERT INTO approval_requests (id, audit_id, tool, args, turn_id, caller, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(requestId, auditId, name, JSON.stringify(args ?? null), turnId, caller, now());
            announce(name, 'needs-approval', auditId);
            return { status: 'needs-approval' as const, auditId, requestId };
          }
          const auditId = audit(name, caller, args, 'allowed', turnId);
          announce(name, 'allowed', auditId);
          return run(tool, args, auditId);
        },
        async decide({ requestId, approve }, { caller }) {
          const req = db.prepare('SELECT * FROM approval_requests WHERE id = ?').get(requestId) as { tool: string; args: string; turn_id: string | null; decided_at: string | null } | undefined;
          if (!req) throw new PagiError('NOT_FOUND', `no approval request ${requestId}`);
          if (req.decided_at) throw new PagiError('CONFLICT', `approval request ${requestId} was already decided`);
          db.prepare('UPDATE approval_requests SET decided_at = ?, approved = ? WHERE id = ?').run(now(), approve ? 1 : 0, requestId);
          const auditId = audit(req.tool, caller, JSON.parse(req.args), approve ? 'approved' : 'rejected', req.turn_id);
          if (!approve) return { status: 'denied' as const, auditId, reason: 'the user declined' };
          const tool = tools.get(req.tool);
          if (!tool) return { status: 'error' as const, auditId, error: `tool ${req.tool} no longer exists` };
          return run(tool, JSON.parse(req.args), auditId);
        },
        audit: ({ limit }) =>
          (db.prepare('SELECT id, at, tool, caller, args, decision, outcome, turn_id FROM audit ORDER BY id DESC LIMIT ?').all(limit) as Array<{ id: number; at: string; tool: string; caller: string; args: string; decision: string; outcome: string | null; turn_id: string | null }>)
            .map((r) => ({ id: r.id, at: r.at, tool: r.tool, caller: r.caller, args: r.args, decision: r.decision, outcome: r.outcome, turnId: r.turn_id })),
      },
      health: () => ({ ok: db.open }),
    };
  },
});
