import { z } from 'zod';

export const serviceStateSchema = z.enum(['stopped', 'starting', 'running', 'restarting', 'failed', 'stopping']);
export type ServiceState = z.infer<typeof serviceStateSchema>;

export const serviceStatusSchema = z.object({
  id: z.string(),
  state: serviceStateSchema,
  pid: z.number().int().nullable(),
  restarts: z.number().int(),
  rssBytes: z.number().nullable(),
  cpuMicros: z.number().nullable(),
  lastError: z.string().nullable(),
  startedAt: z.number().nullable(),
  dependsOn: z.array(z.string()),
  healthy: z.boolean().nullable(),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

/** A service moved to another state, or its restart count or last error changed; `at` is epoch ms. */
export const serviceStateChangeSchema = z.object({
  id: z.string(),
  state: serviceStateSchema,
  restarts: z.number().int(),
  lastError: z.string().nullable(),
  at: z.number(),
  /**
   * Only on the change a process's end caused: how it ended, and whether someone asked for it (a
   * restart, a stop) or not (a crash). The event log records crashes from this, not from guesses.
   */
  ended: z.object({ how: z.string(), asked: z.boolean() }).optional(),
});
export type ServiceStateChange = z.infer<typeof serviceStateChangeSchema>;
export type ServiceStateListener = (change: ServiceStateChange) => void;

export interface LogEntry {
  service: string;
  level: string;
  msg: string;
  data?: unknown;
  time: number;
}
export type LogSink = (entry: LogEntry) => void;
