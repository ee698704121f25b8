import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import type { ToolDefinition } from './toolDefinition.js';
import { ACTUATOR_TOOLS } from './tools/index.js';

export type { ToolDefinition } from './toolDefinition.js';

const timeArgs = z.object({ timeZone: z.string().max(64).optional() });

export const timeNowTool: ToolDefinition<typeof timeArgs> = {
  name: 'time.now',
  kind: 'time',
  description: 'The current date and time, optionally in an IANA time zone such as "Europe/Paris".',
  args: timeArgs,
  parameters: { type: 'object', properties: { timeZone: { type: 'string', description: 'IANA time zone name' } } },
  preview: ({ timeZone }) => ({ summary: `Read the current time${timeZone ? ` in ${timeZone}` : ''}` }),
  async run({ timeZone }) {
    const now = new Date();
    let local: string;
    try {
      local = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'long', ...(timeZone ? { timeZone } : {}) }).format(now);
    } catch {
      throw new PagiError('INVALID_INPUT', `"${timeZone}" is not a known time zone (use an IANA name such as "Europe/Paris")`);
    }
    return { iso: now.toISOString(), local, timeZone: timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone };
  },
};

/** Every tool the twin can be allowed to use. OS-specific tools come from `native/tools/<platform>`. */
export const BUILTIN_TOOLS: ToolDefinition[] = [timeNowTool as unknown as ToolDefinition];

/** The registry: the built-in tools and the files, shell, web and memory tools; a name twice is a bug caught at start. */
export function allTools(extra: readonly ToolDefinition[] = ACTUATOR_TOOLS): Map<string, ToolDefinition> {
  const tools = new Map<string, ToolDefinition>();
  for (const t of [...BUILTIN_TOOLS, ...extra]) {
    if (tools.has(t.name)) throw new PagiError('INTERNAL', `two tools are named "${t.name}"`);
    tools.set(t.name, t);
  }
  return tools;
}
