import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { PagiError } from '../../contracts/errors.js';
import { BUNDLE_LIMITS, DATA_ENTRY, ENCRYPTION_NAME, MANIFEST_NAME, MODEL_ENTRY } from './bundleManifest.js';

/**
 * Reading a `.pagi` archive that may have been crafted to hurt: the central directory is checked in
 * full (entry count, names, kinds, sizes, ratios) before a single entry is inflated.
 */

export interface OpenedArchive {
  zip: ZipFile;
  entries: Map<string, Entry>;
  close(): void;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

const damaged = (why: string): PagiError => new PagiError('INVALID_INPUT', `the file is not a valid PAGI bundle: ${why}; nothing was imported (export the twin again to get a sound bundle)`);

// names are lower-case by rule, so two names that differ only in case cannot both pass
function checkEntry(e: Entry, seen: Map<string, Entry>): void {
  const name = e.fileName;
  if (name.endsWith('/')) throw damaged(`it holds a folder entry (${name})`);
  if (name !== MANIFEST_NAME && name !== ENCRYPTION_NAME && !DATA_ENTRY.test(name) && !MODEL_ENTRY.test(name)) throw damaged(`it holds an entry PAGI does not write (${JSON.stringify(name).slice(0, 120)})`);
  if (seen.has(name)) throw damaged(`it holds ${name} twice`);
  const mode = (e.externalFileAttributes >>> 16) & S_IFMT;
  // made on Unix: the mode says what the entry is; only plain files (no links, devices, folders)
  if (e.versionMadeBy >> 8 === 3 && mode !== 0 && mode !== S_IFREG) throw damaged(`${name} is not a plain file (a link or special file)`);
  if (e.isEncrypted()) throw damaged(`${name} uses zip encryption, which PAGI does not write`);
  if (e.compressionMethod !== 0 && e.compressionMethod !== 8) throw damaged(`${name} uses compression method ${e.compressionMethod}`);
  const limit = name === MANIFEST_NAME ? BUNDLE_LIMITS.manifestBytes + 4_096 : name === ENCRYPTION_NAME ? BUNDLE_LIMITS.encryptionHeaderBytes : MODEL_ENTRY.test(name) ? BUNDLE_LIMITS.modelBytes * 1.01 : BUNDLE_LIMITS.entryBytes * 1.01;
  if (e.uncompressedSize > limit) throw damaged(`${name} declares ${e.uncompressedSize} bytes, more than allowed (${Math.floor(limit)})`);
  if (e.uncompressedSize > BUNDLE_LIMITS.ratioExemptBytes && e.uncompressedSize > e.compressedSize * BUNDLE_LIMITS.maxRatio) {
    throw damaged(`${name} inflates ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}× (a zip bomb?)`);
  }
  seen.set(name, e);
}

export function openArchive(file: string): Promise<OpenedArchive> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true, decodeStrings: true }, (err, zip) => {
      if (err || !zip) return reject(damaged(err?.message ?? 'it cannot be opened'));
      let open = true;
      const close = (): void => {
        if (open) zip.close();
        open = false;
      };
      if (zip.entryCount > BUNDLE_LIMITS.maxEntries) {
        close();
        return reject(damaged(`it has ${zip.entryCount} entries, more than a bundle can (${BUNDLE_LIMITS.maxEntries})`));
      }
      const entries = new Map<string, Entry>();
      zip.on('entry', (e: Entry) => {
        try {
          checkEntry(e, entries);
          zip.readEntry();
        } catch (error) {
          close();
          reject(error);
        }
      });
      zip.on('end', () => {
        if (!entries.has(MANIFEST_NAME)) {
          close();
          reject(damaged('it has no manifest.json'));
        } else resolve({ zip, entries, close });
      });
      zip.on('error', (error: Error) => {
        close();
        reject(damaged(error.message));
      });
      zip.readEntry();
    });
  });
}

export function entryStream(archive: OpenedArchive, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    archive.zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(damaged(`${entry.fileName}: ${err?.message ?? 'unreadable'}`)) : resolve(stream)));
  });
}

/** A small entry read whole, never more than `max` bytes. */
export async function readSmallEntry(archive: OpenedArchive, name: string, max: number): Promise<Buffer> {
  const entry = archive.entries.get(name);
  if (!entry) throw damaged(`it has no ${name}`);
  const stream = await entryStream(archive, entry);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > max) throw damaged(`${name} is larger than ${max} bytes`);
      parts.push(chunk as Buffer);
    }
  } catch (err) {
    stream.destroy();
    throw err instanceof PagiError ? err : damaged(`${name}: ${(err as Error).message}`);
  }
  return Buffer.concat(parts);
}
