import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';

export interface ToolDefinition<A extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  args: A;
  /** JSON schema of the arguments, given to models that call tools. */
  parameters: Record<string, unknown>;
  run(args: z.output<A>, signal: AbortSignal): Promise<unknown>;
}

const timeArgs = z.object({ timeZone: z.string().max(64).optional() });

export const timeNowTool: ToolDefinition<typeof timeArgs> = {
  name: 'time.now',
  description: 'The current date and time, optionally in an IANA time zone such as "Europe/Paris".',
  args: timeArgs,
  parameters: { type: 'object', properties: { timeZone: { type: 'string', description: 'IANA time zone name' } } },
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
