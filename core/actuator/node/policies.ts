import type { SqliteDatabase } from '../../../native/sqlite.js';
import type { Policy } from '../common/contract.js';
import type { ToolKind } from './toolDefinition.js';

/**
 * Safe defaults by what a tool can touch: reading (only ever inside granted folders), memory and
 * time run at once; writing, shell, web and every MCP tool ask first.
 */
export const DEFAULT_POLICY: Record<ToolKind, Policy> = { time: 'allow', memory: 'allow', read: 'allow', write: 'ask', shell: 'ask', web: 'ask', mcp: 'ask' };

export interface PolicyStore {
  /** The user's choice, else the config's, else the kind's default; an unknown kind is denied. */
  of(tool: string, kind: ToolKind): { policy: Policy; source: 'user' | 'config' | 'default' };
  set(tool: string, policy: Policy): void;
}

export function createPolicyStore(db: SqliteDatabase, configDefaults: Record<string, Policy>, now: () => string): PolicyStore {
  const get = db.prepare('SELECT policy FROM policies WHERE tool = ?').pluck();
  const put = db.prepare('INSERT INTO policies (tool, policy, updated_at) VALUES (?, ?, ?) ON CONFLICT(tool) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at');
  return {
    of(tool, kind) {
      const user = get.get(tool) as Policy | undefined;
      if (user) return { policy: user, source: 'user' };
      const configured = configDefaults[tool];
      if (configured) return { policy: configured, source: 'config' };
      return { policy: DEFAULT_POLICY[kind] ?? 'deny', source: 'default' };
    },
    set(tool, policy) {
      put.run(tool, policy, now());
    },
  };
}
