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

/** Control frames between the supervisor and a service host (channel `$ctl`). */
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
  z.object({ k: z.literal('ping'), n: z.number().int() }),
  z.object({
    k: z.literal('pong'),
    n: z.number().int(),
    rssBytes: z.number(),
    cpuMicros: z.number(),
    health: z.object({ ok: z.boolean(), detail: z.string().optional() }),
  }),
  z.object({ k: z.literal('log'), level: z.string(), msg: z.string(), data: z.unknown().optional(), time: z.number() }),
  z.object({ k: z.literal('peerReset'), peer: z.string(), reason: z.string() }),
  z.object({ k: z.literal('shutdown') }),
  z.object({ k: z.literal('data'), n: z.number().int(), req: dataRequestSchema }),
  z.discriminatedUnion('ok', [
    z.object({ k: z.literal('dataDone'), n: z.number().int(), ok: z.literal(true), files: z.array(portableFileSchema) }),
    z.object({ k: z.literal('dataDone'), n: z.number().int(), ok: z.literal(false), e: wireErrorSchema }),
  ]),
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
