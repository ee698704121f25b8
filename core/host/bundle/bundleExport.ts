import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { PagiError } from '../../contracts/errors.js';
import { SERVICE_IDS, type ServiceId } from '../../contracts/manifest.js';
import { identityContract } from '../../identity/common/contract.js';
import { inferenceContract } from '../../inference/common/contract.js';
import { episodicMemoryContract } from '../../memory-episodic/common/contract.js';
import type { Supervisor } from '../../runtime/node/supervisor.js';
import { loadHostConfig } from '../hostConfig.js';
import { createBundleKey, encryptStream, sealBuffer } from './bundleCrypto.js';
import { BUNDLE_FORMAT_VERSION, ENCRYPTION_NAME, MANIFEST_NAME, type BundleEntry, type BundleManifest } from './bundleManifest.js';
import type { OperationProgress } from '../../api/coreAccess.js';

export interface ExportOptions {
  supervisor: Supervisor;
  dataDir: string;
  appVersion: string;
  out: string;
  passphrase?: string | undefined;
  includeEvents?: boolean;
  /** The loaded model's weights too (large: only when the user asks). */
  includeModel?: boolean;
  /** Replace a file already at `out` (the user was asked, e.g. by a save dialog or `--force`); otherwise CONFLICT. */
  overwrite?: boolean | undefined;
  onProgress?: (p: OperationProgress) => void;
}

/** Work folders of exports live in `<data-dir>/tmp/export-*`; one left by a killed host is swept at start. */
const EXPORT_WORK_PREFIX = 'export-';

export function sweepExportWork(dataDir: string): void {
  const tmp = join(dataDir, 'tmp');
  if (!existsSync(tmp)) return;
  for (const name of readdirSync(tmp)) if (name.startsWith(EXPORT_WORK_PREFIX)) rmSync(join(tmp, name), { recursive: true, force: true });
}

/** Creates the partial output file (exclusive) or says in plain words why the folder cannot take it. */
function claimOutput(partial: string, out: string): void {
  try {
    closeSync(openSync(partial, 'wx', 0o600));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'this app may not write there' : code === 'ENOSPC' ? 'the disk is full' : code === 'EEXIST' ? 'an export to this name is already running' : (err as Error).message;
    throw new PagiError(code === 'EEXIST' ? 'CONFLICT' : 'FAILED_PRECONDITION', `cannot save the bundle as ${out}: ${why}; choose another folder`);
  }
}

const alreadyThere = (out: string): PagiError =>
  PagiError.hinted('CONFLICT', `${out} already exists: nothing was overwritten`, { app: 'choose another name, or agree to replace it', cli: 'choose another name, or add --force to replace it' });

/** The finished bundle takes its name: over an existing file only when asked, and without a moment in which a file that appeared meanwhile is lost. */
function publishOutput(partial: string, out: string, overwrite: boolean): void {
  if (overwrite) return renameSync(partial, out);
  try {
    linkSync(partial, out); // fails, atomically, when `out` exists
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw alreadyThere(out);
    // a file system without hard links: checked, then renamed
    if (existsSync(out)) throw alreadyThere(out);
    return renameSync(partial, out);
  }
  unlinkSync(partial);
}

export interface ExportResult { file: string; bytes: number; entries: number; encrypted: boolean; manifest: BundleManifest }

/** Settings that belong to the twin and may travel; machine settings (threads, GPU, paths) and secrets never do. */
const TWIN_SETTINGS: Partial<Record<ServiceId, readonly string[]>> = {
  'memory.episodic': ['search'],
  'memory.semantic': ['search', 'extraction'],
  perception: ['pii'],
  emotion: ['sensitivity'],
};

function twinSettings(dataDir: string): BundleManifest['settings'] {
  const services = loadHostConfig(dataDir).services;
  const out: BundleManifest['settings'] = {};
  for (const [id, keys] of Object.entries(TWIN_SETTINGS)) {
    const section = services[id as ServiceId];
    if (!section) continue;
    const picked = Object.fromEntries(keys.filter((k) => k in section).map((k) => [k, section[k]]));
    if (Object.keys(picked).length) out[id] = picked;
  }
  return out;
}

/** A model file's name as an archive entry may have it. */
const safeModelName = (fileName: string): string => {
  const base = fileName.replace(/\.gguf$/i, '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'model';
  return `${base.slice(0, 190)}.gguf`;
};

const countBytes = (onBytes: (n: number) => void): Transform =>
  new Transform({ transform(chunk: Buffer, _e, done) { onBytes(chunk.length); done(null, chunk); } });

/**
 * Writes a `.pagi` bundle: every running service copies its databases (a consistent snapshot each),
 * the copies are streamed into one zip — deflated, or encrypted record by record — with their sizes
 * and sha256 in `manifest.json`. The file appears under its name only once complete.
 */
export async function exportTwin(opts: ExportOptions): Promise<ExportResult> {
  const out = resolve(opts.out);
  if (!out.endsWith('.pagi')) throw new PagiError('INVALID_INPUT', `a twin bundle's name ends in .pagi (got ${out})`);
  if (!existsSync(dirname(out))) throw new PagiError('INVALID_INPUT', `the folder ${dirname(out)} does not exist`);
  if (!opts.overwrite && existsSync(out)) throw alreadyThere(out);
  const partial = `${out}.${process.pid}.partial`;
  // before any copy is made: a folder that cannot be written is said at once, and nothing is left behind
  claimOutput(partial, out);
  const work = join(opts.dataDir, 'tmp', `${EXPORT_WORK_PREFIX}${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(work, { recursive: true, mode: 0o700 });
    const key = opts.passphrase !== undefined ? await createBundleKey(opts.passphrase) : null;
    opts.onProgress?.({ phase: 'snapshot', done: 0, total: 0, unit: 'bytes' });
    const include = opts.includeEvents ? ['events'] : [];
    const parts = await Promise.all(
      SERVICE_IDS.map(async (service) => (await opts.supervisor.dataRequest(service, { op: 'export', dir: join(work, service), include })).map((f) => ({ service, ...f }))),
    );
    const files = parts.flat();
    if (!files.some((f) => f.file === 'identity.db')) throw new PagiError('INTERNAL', 'the identity service exported no database');
    const dbBytes = files.reduce((sum, f) => sum + f.bytes, 0);

    const twin = await opts.supervisor.client(identityContract).get({});
    const embedding = await opts.supervisor.client(episodicMemoryContract).embeddingStatus({});
    const models = await opts.supervisor.client(inferenceContract).listModels({});
    const loaded = models.find((m) => m.loaded) ?? null;
    // where it came from, when it was downloaded: the target can fetch the same file
    const source = loaded?.source === 'download' ? ((await opts.supervisor.client(inferenceContract).downloads({})).find((d) => d.modelId === loaded.id)?.uri ?? null) : null;

    if (opts.includeModel && !loaded) throw new PagiError('FAILED_PRECONDITION', 'no model is loaded: load the model whose weights should go into the bundle, or export without them');
    const weightsBytes = opts.includeModel && loaded ? statSync(loaded.path).size : 0;
    const totalBytes = dbBytes + weightsBytes;

    const zip = new yazl.ZipFile();
    const written = pipeline(zip.outputStream, createWriteStream(partial, { mode: 0o600 }));
    // a write that fails (disk full, the drive gone) must end the export, not leave it waiting on the archive
    const writeFailed = new Promise<never>((_, reject) => void written.catch(reject));
    writeFailed.catch(() => undefined); // seen through whileWriting; never an unhandled rejection
    const whileWriting = <T>(work: Promise<T>): Promise<T> => Promise.race([work, writeFailed]);
    let doneBytes = 0;
    /** Streams one file into the archive (deflated, or encrypted record by record); returns its size and sha256. */
    const addEntry = async (source: string, path: string, index: number, compress: boolean): Promise<{ bytes: number; sha256: string }> => {
      const hash = createHash('sha256');
      const body = new PassThrough();
      // yazl pulls the stream when it reaches this entry; the hash is ready once it has been read
      zip.addReadStream(body, path, { compress: compress && !key, mtime: new Date() });
      const steps: NodeJS.ReadWriteStream[] = [
        countBytes((n) => {
          doneBytes += n;
          opts.onProgress?.({ phase: 'write', done: doneBytes, total: totalBytes, unit: 'bytes' });
        }),
        new Transform({ transform(chunk: Buffer, _e, done) { hash.update(chunk); done(null, chunk); } }),
        ...(key ? [encryptStream(key.key, index, path, key.header.chunkBytes)] : []),
      ];
      await whileWriting(pipeline(createReadStream(source), ...(steps as [Transform]), body));
      return { bytes: statSync(source).size, sha256: hash.digest('hex') };
    };
    if (key) zip.addBuffer(Buffer.from(JSON.stringify(key.header, null, 2)), ENCRYPTION_NAME, { compress: false });
    const entries: BundleEntry[] = [];
    for (const [i, f] of files.entries()) {
      const source = join(work, f.service, f.file);
      const path = `data/${f.file}`;
      entries.push({ path, service: f.service, ...(await addEntry(source, path, i + 1, true)), schemaVersion: f.schemaVersion, optional: f.optional });
      rmSync(source); // the copy is in the archive: do not hold two of every database on disk
    }
    // weights do not deflate: stored as they are
    const modelFile = opts.includeModel && loaded ? { path: `model/${safeModelName(loaded.fileName)}`, ...(await addEntry(loaded.path, `model/${safeModelName(loaded.fileName)}`, entries.length + 1, false)) } : null;
    const manifest: BundleManifest = {
      format: 'pagi-twin-bundle',
      formatVersion: BUNDLE_FORMAT_VERSION,
      appVersion: opts.appVersion,
      createdAt: new Date().toISOString(),
      twin: { id: twin.id, name: twin.name, parentId: twin.parentId, generation: twin.generation },
      entries,
      embedding: { model: embedding.model, dims: embedding.dims },
      model: loaded ? { name: loaded.metadata.name ?? loaded.fileName, fileName: loaded.fileName, sha256: loaded.sha256 ?? modelFile?.sha256 ?? null, uri: source } : null,
      modelFile,
      settings: twinSettings(opts.dataDir),
      includesEvents: opts.includeEvents ?? false,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
    zip.addBuffer(key ? await sealBuffer(key.key, 0, MANIFEST_NAME, key.header.chunkBytes, manifestBytes) : manifestBytes, MANIFEST_NAME, { compress: !key });
    zip.end();
    await whileWriting(written);
    publishOutput(partial, out, opts.overwrite ?? false);
    return { file: out, bytes: statSync(out).size, entries: entries.length, encrypted: key !== null, manifest };
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
}
