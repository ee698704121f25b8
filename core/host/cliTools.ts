import { resolve } from 'node:path';
import { PagiError } from '../contracts/errors.js';
import type { CliArgs } from './cliArgs.js';
import type { HostClient } from './hostClient.js';
import { printable, terminalJson } from './terminalText.js';

type WithHost = <T>(args: CliArgs, fn: (client: HostClient) => Promise<T>) => Promise<T>;

const TOOLS_SUBCOMMANDS = ['list', 'policy', 'grant', 'revoke', 'grants'] as const;
const POLICIES = ['allow', 'ask', 'deny'] as const;
const out = (text: string): void => void process.stdout.write(`${printable(text)}\n`);
const json = (value: unknown): number => (process.stdout.write(`${terminalJson(value)}\n`), 0);

/** `pagi tools list | policy TOOL allow|ask|deny | grant FOLDER | revoke FOLDER | grants`. */
export async function toolsCommand(args: CliArgs, withHost: WithHost): Promise<number> {
  const [sub, target, value] = args.positionals;
  if (!sub || !(TOOLS_SUBCOMMANDS as readonly string[]).includes(sub)) throw new PagiError('INVALID_INPUT', `pagi tools needs one of: ${TOOLS_SUBCOMMANDS.join(', ')}${sub ? ` (got "${sub}")` : ''}`);
  switch (sub) {
    case 'list': {
      const tools = await withHost(args, (c) => c.tools.list.query());
      if (args.json) return json(tools.map(({ parameters: _p, ...t }) => t));
      for (const t of tools) out(`${t.name.padEnd(22)} ${t.kind.padEnd(7)} ${t.policy.padEnd(6)}${t.policySource === 'user' ? '' : ` (${t.policySource})`}  ${t.description}`);
      return 0;
    }
    case 'policy': {
      if (!target || !value || !(POLICIES as readonly string[]).includes(value)) throw new PagiError('INVALID_INPUT', 'pagi tools policy needs a tool and allow, ask or deny: pagi tools policy shell.run ask');
      const r = await withHost(args, (c) => c.tools.setPolicy.mutate({ tool: target, policy: value as (typeof POLICIES)[number] }));
      if (args.json) return json(r);
      out(`${r.tool}: ${r.policy}`);
      return 0;
    }
    case 'grant':
    case 'revoke': {
      if (!target) throw new PagiError('INVALID_INPUT', `pagi tools ${sub} needs a folder: pagi tools ${sub} ~/Documents/notes`);
      // a relative folder means the one the user typed it in, not the host's
      const folder = resolve(target);
      if (sub === 'grant') {
        const g = await withHost(args, (c) => c.tools.grant.mutate({ folder }));
        if (args.json) return json(g);
        out(`granted ${g.folder}: the files tools may read and (when you approve) write there`);
        return 0;
      }
      const r = await withHost(args, (c) => c.tools.revoke.mutate({ folder }));
      if (args.json) return json(r);
      out(r.revoked ? `revoked ${r.folder}` : `${r.folder} was not granted (see \`pagi tools grants\`)`);
      return r.revoked ? 0 : 1;
    }
    default: {
      const list = await withHost(args, (c) => c.tools.grants.query());
      if (args.json) return json(list);
      if (list.length === 0) out('no folders granted (grant one with `pagi tools grant FOLDER`)');
      for (const g of list) out(`${g.folder}  (since ${g.grantedAt.slice(0, 16)})`);
      return 0;
    }
  }
}

/** `pagi audit list [--since ISO] [--tool NAME] [--limit N] [--json] | verify`. */
export async function auditCommand(args: CliArgs, withHost: WithHost): Promise<number> {
  const [sub] = args.positionals;
  if (sub === 'verify') {
    const r = await withHost(args, (c) => c.tools.auditVerify.query());
    if (args.json) return json(r), r.ok ? 0 : 1;
    if (r.ok) {
      out(`the audit chain holds: ${r.rows} rows verified`);
      return 0;
    }
    process.stderr.write(`${printable(`the audit chain is broken at row ${r.firstBroken?.seq}: ${r.firstBroken?.reason} (${r.rows} rows)`)}\n`);
    return 1;
  }
  if (sub !== 'list') throw new PagiError('INVALID_INPUT', `pagi audit needs list or verify${sub ? ` (got "${sub}")` : ''}`);
  const rows = await withHost(args, (c) => c.tools.auditList.query({ limit: args.limit ?? 50, ...(args.since ? { since: args.since } : {}), ...(args.tool ? { tool: args.tool } : {}) }));
  if (args.json) return json(rows);
  if (rows.length === 0) out('no audit rows');
  for (const r of [...rows].reverse()) {
    const what = r.kind === 'request' ? `${r.decision ?? ''} ${r.args ?? ''}` : r.kind === 'outcome' ? `→ ${r.outcome ?? ''}${r.error ? `: ${r.error}` : ''}${r.durationMs !== null ? ` (${r.durationMs} ms${r.resultBytes !== null ? `, ${r.resultBytes} B` : ''})` : ''}` : `${r.decision ?? ''}${r.detail ? ` ${r.detail}` : ''}`;
    out(`${String(r.seq).padStart(6)}  ${r.at.slice(0, 19)}  ${r.kind.padEnd(8)} ${r.tool.padEnd(18)} ${r.caller.padEnd(10)} ${what.slice(0, 160)}${r.refSeq !== null ? `  [#${r.refSeq}]` : ''}${r.approvedBy ? `  by ${r.approvedBy}` : ''}`);
  }
  return 0;
}
