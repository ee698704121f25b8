import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PagiError } from '../../contracts/errors.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { createIdRemap } from '../../runtime/node/idRemap.js';
import { twinDirOf } from '../../runtime/node/paths.js';
import { manifestOf, writeTwinManifest } from '../../runtime/node/twinManifest.js';
import type { Supervisor } from '../../runtime/node/supervisor.js';
import { entryStream, openArchive, readSmallEntry, type OpenedArchive } from './bundleArchive.js';
import { decryptStream, openBuffer, unlockBundle } from './bundleCrypto.js';
import { BUNDLE_LIMITS, ENCRYPTION_NAME, MANIFEST_NAME, encryptionHeaderSchema, readManifest, type BundleManifest, type EncryptionHeader } from './bundleManifest.js';
import type { OperationProgress } from '../../api/coreAccess.js';

export interface ImportOptions {
  supervisor: Supervisor;
  dataDir: string;
  file: string;
  mode: 'clone' | 'move';
  passphrase?: string | undefined;
  onProgress?: (p: OperationProgress) => void;
}

export interface ImportResult {
  twinId: string;
  sourceTwinId: string;
  name: string;
  mode: 'clone' | 'move';
  parentId: string | null;
  generation: number;
  databases: number;
  /** The bundle's vectors are in another model's space than this machine's: they are re-embedded in the background once the twin runs. */
  embeddingModel: string | null;
  settings: BundleManifest['settings'];
  /** The weights the bundle carried: moved from the unpacked bundle into the models folder ('copied' in, from the user's view), or already installed. */
  model: { fileName: string; installed: 'copied' | 'already-installed' } | null;
}

const noop = (): void => undefined;

/** The bundle's model weights into this machine's models folder (checked as any import), unless the same file is installed. */
async function installWeights(supervisor: Supervisor, path: string, sha256: string, twinId: string): Promise<NonNullable<ImportResult['model']>> {
  const inference = supervisor.client(inferenceContract);
  const same = (await inference.listModels({})).find((m) => m.sha256 === sha256);
  if (same) return { fileName: same.fileName, installed: 'already-installed' };
  const install = async (file: string): Promise<NonNullable<ImportResult['model']>> => ({ fileName: (await inference.importModel({ path: file, mode: 'move' })).fileName, installed: 'copied' });
  try {
    try {
      return await install(path);
    } catch (err) {
      if (PagiError.from(err).code !== 'CONFLICT') throw err;
      // another model has that name: this one is kept under a name of its own
      const renamed = join(dirname(path), `${twinId.slice(0, 8)}-${basename(path)}`);
      renameSync(path, renamed);
      return await install(renamed);
    }
  } catch (err) {
    const e = PagiError.from(err);
    throw new PagiError(e.code === 'CONFLICT' ? 'CONFLICT' : 'INVALID_INPUT', `the model in the bundle (${basename(path)}) cannot be installed: ${e.message.replace(`${path} `, '').replace(`${dirname(path)}/`, '')}; nothing was imported`);
  }
}

const STAGING_PREFIX = '.staging-';
const RECORD_OVERHEAD = 5 + 16;

/** Left behind by an import that was killed: never a twin, always safe to delete (hosts do at start). */
export function sweepImportStaging(dataDir: string): void {
  const twins = join(dataDir, 'twins');
  if (!existsSync(twins)) return;
  for (const name of readdirSync(twins)) if (name.startsWith(STAGING_PREFIX)) rmSync(join(twins, name), { recursive: true, force: true });
}

async function readHeader(archive: OpenedArchive): Promise<EncryptionHeader | null> {
  if (!archive.entries.has(ENCRYPTION_NAME)) return null;
  const raw = await readSmallEntry(archive, ENCRYPTION_NAME, BUNDLE_LIMITS.encryptionHeaderBytes);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new PagiError('INVALID_INPUT', "the bundle's encryption header is not JSON: the file is damaged");
  }
  const parsed = encryptionHeaderSchema.safeParse(json);
  if (!parsed.success) throw PagiError.invalidInput(parsed.error, "the bundle's encryption header");
  return parsed.data;
}

/** Checks that the archive holds exactly what the manifest lists, at the sizes it lists. */
function checkEntries(archive: OpenedArchive, manifest: BundleManifest, header: EncryptionHeader | null): void {
  const files = [...manifest.entries, ...(manifest.modelFile ? [manifest.modelFile] : [])];
  const listed = new Set(files.map((e) => e.path));
  for (const name of archive.entries.keys()) {
    if (name !== MANIFEST_NAME && name !== ENCRYPTION_NAME && !listed.has(name)) throw new PagiError('INVALID_INPUT', `the bundle holds ${name}, which its manifest does not list; nothing was imported`);
  }
  for (const e of files) {
    const z = archive.entries.get(e.path);
    if (!z) throw new PagiError('INVALID_INPUT', `the manifest lists ${e.path}, which the bundle does not hold: the file is incomplete (was the copy cut short?); nothing was imported`);
    const expected = header ? e.bytes + Math.max(1, Math.ceil(e.bytes / header.chunkBytes)) * RECORD_OVERHEAD : e.bytes;
    if (z.uncompressedSize !== expected) throw new PagiError('INVALID_INPUT', `${e.path} is ${z.uncompressedSize} bytes in the archive, but the manifest says ${expected}: the bundle was altered; nothing was imported (export the twin again)`);
  }
  if (!manifest.entries.some((e) => e.path === 'data/identity.db')) throw new PagiError('INVALID_INPUT', 'the bundle has no identity.db: there is no twin in it');
}

/** Streams one entry out of the archive into the staging folder: inflated, decrypted, counted, hashed. */
async function unpackEntry(archive: OpenedArchive, entry: { path: string; bytes: number; sha256: string }, index: number, key: Buffer | null, header: EncryptionHeader | null, dest: string, onBytes: (n: number) => void): Promise<void> {
  const z = archive.entries.get(entry.path);
  if (!z) throw new PagiError('INVALID_INPUT', `the bundle has no ${entry.path}`);
  const hash = createHash('sha256');
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _e, done) {
      size += chunk.length;
      if (size > entry.bytes) return done(new PagiError('INVALID_INPUT', `${entry.path} is larger than the manifest says (${entry.bytes} bytes): the bundle was altered`));
      hash.update(chunk);
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  const source = await entryStream(archive, z);
  const steps: Transform[] = [...(key && header ? [decryptStream(key, index, entry.path, header.chunkBytes)] : []), check];
  try {
    await pipeline(source, ...(steps as [Transform]), createWriteStream(dest, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    throw err instanceof PagiError ? err : new PagiError('INVALID_INPUT', `${entry.path} cannot be read from the bundle (${(err as Error).message}): the file is damaged`);
  }
  if (size !== entry.bytes) throw new PagiError('INVALID_INPUT', `${entry.path} is ${size} bytes, but the manifest says ${entry.bytes}: the bundle was altered; nothing was imported (export the twin again)`);
  const sha = hash.digest('hex');
  if (sha !== entry.sha256) throw new PagiError('INVALID_INPUT', `${entry.path} does not match its checksum in the manifest: the bundle was altered or damaged; nothing was imported (export the twin again)`);
}

/**
 * Imports a `.pagi` bundle as a new twin folder, all or nothing: everything is checked and rebuilt in
 * a staging folder (each database by the service that owns its schema, from rows, never by running
 * the bundle's schema), and only a finished twin is moved into place with one rename. Existing twins
 * are never written.
 */
export async function importTwin(opts: ImportOptions): Promise<ImportResult> {
  const file = resolve(opts.file);
  if (!existsSync(file) || !statSync(file).isFile()) throw new PagiError('INVALID_INPUT', `there is no bundle file at ${file}`);
  const archive = await openArchive(file);
  const staging = join(opts.dataDir, 'twins', `${STAGING_PREFIX}${randomBytes(8).toString('hex')}`);
  try {
    opts.onProgress?.({ phase: 'check', done: 0, total: 0, unit: 'bytes' });
    const header = await readHeader(archive);
    if (header && opts.passphrase === undefined) throw new PagiError('PERMISSION_DENIED', 'this bundle is encrypted: give its passphrase');
    const key = header ? await unlockBundle(opts.passphrase as string, header) : null;
    const rawManifest = await readSmallEntry(archive, MANIFEST_NAME, BUNDLE_LIMITS.manifestBytes + 4_096);
    const manifestText = key && header ? (await openBuffer(key, 0, MANIFEST_NAME, header.chunkBytes, rawManifest)).toString('utf8') : rawManifest.toString('utf8');
    const manifest = readManifest(manifestText);
    checkEntries(archive, manifest, header);

    const sourceTwinId = manifest.twin.id;
    const secret = opts.mode === 'clone' ? randomBytes(32) : null;
    const twinId = secret ? createIdRemap(secret)(sourceTwinId) : sourceTwinId;
    const target = twinDirOf(opts.dataDir, twinId);
    if (existsSync(target)) {
      throw new PagiError('CONFLICT', opts.mode === 'move'
        ? `this twin (${twinId}) is already on this machine: import the bundle as a clone, or delete that twin first`
        : `a twin folder ${target} already exists`);
    }

    const incoming = join(staging, 'incoming');
    const built = join(staging, 'twin');
    mkdirSync(incoming, { recursive: true });
    const totalBytes = manifest.entries.reduce((sum, e) => sum + e.bytes, 0);
    let doneBytes = 0;
    for (const [i, entry] of manifest.entries.entries()) {
      await unpackEntry(archive, entry, i + 1, key, header, join(incoming, entry.path.slice('data/'.length)), (n) => {
        doneBytes += n;
        opts.onProgress?.({ phase: 'unpack', done: doneBytes, total: totalBytes, unit: 'bytes' });
      });
    }
    const weights = manifest.modelFile ? join(incoming, manifest.modelFile.path.slice('model/'.length)) : null;
    if (manifest.modelFile && weights) {
      await unpackEntry(archive, manifest.modelFile, manifest.entries.length + 1, key, header, weights, noop);
    }
    archive.close();

    let rebuilt = 0;
    for (const entry of manifest.entries) {
      const name = entry.path.slice('data/'.length);
      await opts.supervisor.dataRequest(entry.service, {
        op: 'import', file: name, source: join(incoming, name), targetDir: built,
        remapSecret: secret ? secret.toString('hex') : null, twin: { mode: opts.mode, sourceTwinId, twinId },
      });
      rmSync(join(incoming, name));
      rebuilt += entry.bytes;
      opts.onProgress?.({ phase: 'rebuild', done: rebuilt, total: totalBytes, unit: 'bytes' });
    }

    const model = manifest.modelFile && weights ? await installWeights(opts.supervisor, weights, manifest.modelFile.sha256, twinId) : null;
    opts.onProgress?.({ phase: 'swap', done: totalBytes, total: totalBytes, unit: 'bytes' });
    if (existsSync(target)) throw new PagiError('CONFLICT', `a twin folder ${target} appeared while importing`);
    // the twin has data from its first start: a rebuilt database that goes missing is a loss, not a new twin
    writeTwinManifest(built, manifestOf(manifest.entries.map((e) => ({ file: e.path.slice('data/'.length), service: e.service }))));
    mkdirSync(join(opts.dataDir, 'twins'), { recursive: true });
    renameSync(built, target); // the twin appears whole, or not at all
    return {
      twinId, sourceTwinId, name: manifest.twin.name, mode: opts.mode,
      parentId: opts.mode === 'clone' ? sourceTwinId : manifest.twin.parentId,
      generation: opts.mode === 'clone' ? manifest.twin.generation + 1 : manifest.twin.generation,
      databases: manifest.entries.length,
      embeddingModel: manifest.embedding.model,
      settings: manifest.settings,
      model,
    };
  } finally {
    archive.close();
    rmSync(staging, { recursive: true, force: true });
  }
}
