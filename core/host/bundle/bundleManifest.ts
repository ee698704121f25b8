import { z } from 'zod';
import { isoTime } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { idSchema } from '../../contracts/ids.js';
import { SERVICE_IDS, type ServiceId } from '../../contracts/manifest.js';

/** The bundle format this app writes; older ones are migrated when read (`readManifest`). */
export const BUNDLE_FORMAT_VERSION = 1;

/** Limits on what an import accepts, before anything is read or written. */
export const BUNDLE_LIMITS = {
  maxEntries: 32,
  manifestBytes: 1 << 20,
  encryptionHeaderBytes: 4 << 10,
  /** One database: 64 GiB. */
  entryBytes: 64 * 2 ** 30,
  /** Inflated / stored size; SQLite files with many empty pages compress well, a bomb far better. */
  maxRatio: 200,
  /** Entries smaller than this may have any ratio (a fresh database is mostly zero pages). */
  ratioExemptBytes: 1 << 20,
  /** Model weights, when the user asks for them: 1 TiB. */
  modelBytes: 2 ** 40,
} as const;

export const MANIFEST_NAME = 'manifest.json';
export const ENCRYPTION_NAME = 'encryption.json';
/** Data entries: `data/<file>.db`, lower-case, one level, nothing else. */
export const DATA_ENTRY = /^data\/[a-z][a-z0-9-]{0,40}\.db$/;
/** The model's weights, only when asked for: `model/<file>.gguf`. */
export const MODEL_ENTRY = /^model\/[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.gguf$/;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lower-case hex digits');

export const bundleEntrySchema = z.object({
  path: z.string().regex(DATA_ENTRY, 'entry paths are data/<name>.db'),
  service: z.enum(SERVICE_IDS as [ServiceId, ...ServiceId[]]),
  bytes: z.number().int().min(0).max(BUNDLE_LIMITS.entryBytes),
  sha256: sha256Hex,
  schemaVersion: z.number().int().min(1).max(10_000),
  optional: z.string().max(40).nullable(),
}).strict();
export type BundleEntry = z.infer<typeof bundleEntrySchema>;

export const manifestSchema = z.object({
  format: z.literal('pagi-twin-bundle'),
  formatVersion: z.number().int().min(1),
  appVersion: z.string().max(50),
  createdAt: isoTime,
  twin: z.object({
    id: idSchema,
    name: z.string().min(1).max(200),
    parentId: idSchema.nullable(),
    generation: z.number().int().min(0).max(1_000_000),
  }).strict(),
  entries: z.array(bundleEntrySchema).min(1).max(BUNDLE_LIMITS.maxEntries),
  /** The space the stored vectors are in; another model on the target re-embeds in the background. */
  embedding: z.object({ model: z.string().max(500).nullable(), dims: z.number().int().min(1).max(65_536).nullable() }).strict(),
  /** The model the twin ran with, to find or download it again: never the weights. */
  model: z.object({ name: z.string().max(500), fileName: z.string().max(500), sha256: sha256Hex.nullable(), uri: z.string().max(2_000).nullable() }).strict().nullable(),
  /** The weights themselves, when the user asked for them. */
  modelFile: z.object({ path: z.string().regex(MODEL_ENTRY, 'the model entry is model/<file>.gguf'), bytes: z.number().int().min(1).max(BUNDLE_LIMITS.modelBytes), sha256: sha256Hex }).strict().nullable().default(null),
  /** The twin's own settings (memory weights, privacy); never secrets and never this machine's (threads, GPU, paths). */
  settings: z.record(z.string().max(64), z.record(z.string().max(64), z.unknown())).default({}),
  includesEvents: z.boolean(),
}).strict();
export type BundleManifest = z.infer<typeof manifestSchema>;

export const encryptionHeaderSchema = z.object({
  cipher: z.literal('aes-256-gcm'),
  kdf: z.literal('scrypt'),
  salt: z.base64().max(100),
  // bounded so a crafted header cannot make the key derivation take all memory or forever
  N: z.number().int().min(2 ** 14).max(2 ** 20).refine((n) => (n & (n - 1)) === 0, 'N is a power of two'),
  r: z.number().int().min(1).max(16),
  p: z.number().int().min(1).max(4),
  chunkBytes: z.number().int().min(1_024).max(1 << 22),
  /** A known block under the key: a wrong passphrase is told apart from a damaged entry. */
  check: z.base64().max(200),
}).strict();
export type EncryptionHeader = z.infer<typeof encryptionHeaderSchema>;

/** Per format version, how to bring its manifest to the next one (none yet: version 1 is the first). */
const MANIFEST_MIGRATIONS: Record<number, (raw: Record<string, unknown>) => Record<string, unknown>> = {};

/** Parses a manifest, migrating one from an older format; refuses one from a newer app. */
export function readManifest(text: string): BundleManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PagiError('INVALID_INPUT', `the bundle's manifest.json is not JSON (${(err as Error).message}): the file is damaged or not a PAGI bundle`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PagiError('INVALID_INPUT', "the bundle's manifest.json is not an object");
  let obj = raw as Record<string, unknown>;
  const version = obj.formatVersion;
  if (typeof version === 'number' && version > BUNDLE_FORMAT_VERSION) {
    throw new PagiError('FAILED_PRECONDITION', `this bundle has format version ${version}, newer than this app reads (${BUNDLE_FORMAT_VERSION}): update PAGI Twin to import it`);
  }
  for (let v = typeof version === 'number' ? version : BUNDLE_FORMAT_VERSION; v < BUNDLE_FORMAT_VERSION; v++) {
    const step = MANIFEST_MIGRATIONS[v];
    if (!step) throw new PagiError('UNSUPPORTED', `bundle format version ${v} cannot be read by this app`);
    obj = { ...step(obj), formatVersion: v + 1 };
  }
  const parsed = manifestSchema.safeParse(obj);
  if (!parsed.success) throw PagiError.invalidInput(parsed.error, "the bundle's manifest.json");
  const seen = new Set<string>();
  for (const e of parsed.data.entries) {
    if (seen.has(e.path)) throw new PagiError('INVALID_INPUT', `the manifest lists ${e.path} twice`);
    seen.add(e.path);
  }
  return parsed.data;
}
