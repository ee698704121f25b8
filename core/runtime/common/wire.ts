import { z } from 'zod';
import { wireErrorSchema } from '../../contracts/errors.js';

/** One RPC frame on a logical channel between two endpoints. */
export const wireMessageSchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('req'), id: z.number().int(), m: z.string(), a: z.unknown(), dl: z.number().optional(), s: z.boolean().optional() }),
  z.discriminatedUnion('ok', [
    z.object({ k: z.literal('res'), id: z.number().int(), ok: z.literal(true), v: z.unknown() }),
    z.object({ k: z.literal('res'), id: z.number().int(), ok: z.literal(false), e: wireErrorSchema }),
  ]),
  z.object({ k: z.literal('chk'), id: z.number().int(), v: z.unknown() }),
  /** Cancel; with `stop`, the callee ends early and its answer (what it has so far) is still sent. */
  z.object({ k: z.literal('can'), id: z.number().int(), stop: z.literal(true).optional() }),
]);
export type WireMessage = z.infer<typeof wireMessageSchema>;

/** What a bundle needs from a service's databases (see runtime/node/portableData.ts). */
export const dataRequestSchema = z.discriminatedUnion('op', [
  /** Consistent copies of the service's portable databases into `dir`; `include` adds optional ones (e.g. "events"). */
  z.object({ op: z.literal('export'), dir: z.string(), include: z.array(z.string()) }),
  /** Rebuilds `file` from an untrusted copy at `source` into `targetDir`, ids remapped when `remapSecret` is given. */
  z.object({
    op: z.literal('import'),
    file: z.string(),
    source: z.string(),
    targetDir: z.string(),
    remapSecret: z.string().nullable(),
    twin: z.object({ mode: z.enum(['clone', 'move']), sourceTwinId: z.string(), twinId: z.string() }),
  }),
]);
export type DataRequest = z.infer<typeof dataRequestSchema>;
export const portableFileSchema = z.object({ file: z.string(), bytes: z.number().int(), schemaVersion: z.number().int(), optional: z.string().nullable() });
export type PortableFile = z.infer<typeof portableFileSchema>;

/**
 * Control frames between the supervisor and a service host (channel `$ctl`): a process's life and its
 * logs. Nothing here is answered: a question with an answer is an RPC procedure (decision 0009).
 */
export const controlMessageSchema = z.discriminatedUnion('k', [
  z.object({
    k: z.literal('init'),
    serviceId: z.string(),
    modulePath: z.string(),
    config: z.unknown(),
    dataDir: z.string(),
    twinId: z.string(),
    logLevel: z.string(),
    /** The twin's databases known to have kept data (its manifest): one missing or empty is a loss, never a new twin. */
    guarded: z.array(z.string()).optional(),
  }),
  /**
   * `config`: the service's config as it parsed it, defaults filled in (what Settings shows);
   * `databases`: the files it opened (recorded in the twin's manifest).
   */
  z.object({ k: z.literal('ready'), pid: z.number().int(), config: z.unknown().optional(), databases: z.array(z.string()).optional() }),
  z.object({ k: z.literal('fatal'), error: wireErrorSchema, permanent: z.boolean() }),
  z.object({ k: z.literal('log'), level: z.string(), msg: z.string(), data: z.unknown().optional(), time: z.number() }),
  z.object({ k: z.literal('peerReset'), peer: z.string(), reason: z.string() }),
  z.object({ k: z.literal('shutdown') }),
]);
export type ControlMessage = z.infer<typeof controlMessageSchema>;

export const CONTROL_CHANNEL = '$ctl';
export const HOST_ENDPOINT = '$host';

/** What crosses a process boundary: a frame addressed to (or coming from) a channel. */
export interface Envelope {
  c: string;
  m: unknown;
}

export function isEnvelope(value: unknown): value is Envelope {
  return typeof value === 'object' && value !== null && typeof (value as Envelope).c === 'string' && 'm' in value;
}

const CONTROL_KINDS: ReadonlySet<string> = new Set(controlMessageSchema.options.map((o) => o.shape.k.value));

/**
 * A frame as a person reads it, for logs: the terse keys stay on the wire, where they are cheap.
 * `from`: the channel names the endpoint the frame came from (as delivered), not the one it goes to.
 */
export function describeFrame(env: Envelope, opts: { from?: boolean; now?: number } = {}): string {
  if (env.c === CONTROL_CHANNEL) {
    const k = kindOf(env.m);
    if (k === null || !CONTROL_KINDS.has(k)) return k === null ? 'malformed control frame' : `unknown control frame "${k}"`;
    return controlMessageSchema.safeParse(env.m).success ? `control ${k}` : `malformed control ${k}`;
  }
  const parsed = wireMessageSchema.safeParse(env.m);
  if (!parsed.success) {
    const k = kindOf(env.m);
    return `malformed frame on ${env.c}${k === null ? '' : ` (k "${k}")`}`;
  }
  const m = parsed.data;
  switch (m.k) {
    case 'req': {
      const notes = [m.s ? 'stream' : null, m.dl === undefined ? null : deadline(m.dl, opts.now ?? Date.now())].filter((n) => n !== null);
      return `request #${m.id} ${opts.from ? `${m.m} from ${env.c}` : `${env.c}.${m.m}`}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
    }
    case 'res':
      return m.ok ? `answer #${m.id} ok` : `error #${m.id} ${m.e.code}`;
    case 'chk':
      return `chunk #${m.id}`;
    case 'can':
      return m.stop ? `stop #${m.id}` : `cancel #${m.id}`;
  }
}

function deadline(at: number, now: number): string {
  const s = Math.abs(at - now) / 1000;
  return at >= now ? `deadline in ${s.toFixed(1)} s` : `deadline passed ${s.toFixed(1)} s ago`;
}

/** A frame's `k`, short enough for a log line whatever a broken or hostile sender put there. */
function kindOf(m: unknown): string | null {
  const k = typeof m === 'object' && m !== null ? (m as { k?: unknown }).k : undefined;
  return typeof k === 'string' ? k.slice(0, 24) : null;
}
