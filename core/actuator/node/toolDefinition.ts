import type { z } from 'zod';

/**
 * What a tool can touch, for its default policy (reading in granted folders, memory and time are
 * allowed; writing, shell, web and every MCP tool ask first) and for what an approval card shows.
 */
export type ToolKind = 'time' | 'memory' | 'read' | 'write' | 'shell' | 'web' | 'mcp';

/** The memory a tool may use on purpose: the twin's own search, and adding a fact with its source. */
export interface ToolMemory {
  recall(query: string, limit: number, signal: AbortSignal): Promise<Array<{ id: string; tier: string; text: string; score: number; time: string | null }>>;
  remember(text: string, sourceTurnId: string | null, signal: AbortSignal): Promise<{ id: string; text: string }>;
}

/** Bounds every tool run keeps (settings of the actuator; tests make them small). */
export interface ToolLimits {
  /** Largest file a read or search opens. */
  maxReadBytes: number;
  /** Most characters a result may return to the model (longer is cut, and says so). */
  maxOutputChars: number;
  shellTimeoutMs: number;
  webTimeoutMs: number;
  webMaxBytes: number;
}

/** What a run is given: nothing else of the machine is a tool's to reach. */
export interface ToolContext {
  /** Stops the run: cancel, timeout, the service stopping. A tool that starts processes kills their whole tree on it. */
  signal: AbortSignal;
  /** Folders the user granted, absolute and with symlinks resolved; files tools touch nothing outside them. */
  grants: readonly string[];
  /** Hosts the user allowed although they are private, loopback or link-local (web tools refuse those otherwise). */
  allowedHosts: readonly string[];
  turnId: string | null;
  memory: ToolMemory;
  limits: ToolLimits;
}

/** What an approval card shows about one call, in the user's words. */
export interface ToolPreview {
  /** One line: what the tool is about to do. */
  summary: string;
  /** The granted folder the call touches, when it touches files. */
  folder?: string;
  /** The exact command, for shell. */
  command?: string;
}

/**
 * One tool. `args` is checked before `run` sees anything (a failure goes back to the model as a
 * tool error); `parameters` is the JSON schema models are given. A refusal the user should read
 * (outside the granted folders, too large, a private address) is thrown as a PagiError with words
 * that say what to do; `run` never touches what `ctx` does not grant.
 */
export interface ToolDefinition<A extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  kind: ToolKind;
  args: A;
  parameters: Record<string, unknown>;
  preview?(args: z.output<A>, ctx: Pick<ToolContext, 'grants'>): ToolPreview;
  run(args: z.output<A>, ctx: ToolContext): Promise<unknown>;
}
