import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statfsSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { StagedFiles, StagedUploadUse } from '../api/coreAccess.js';
import { PagiError } from '../contracts/errors.js';
import { FILE_EXTENSIONS, FILE_KIND_LABELS, UPLOAD_MAX_BYTES, type FileKind } from '../contracts/fileKinds.js';

/**
 * Files the browser hands the headless host (uploads) and exports it fetches back (downloads), staged
 * in `<data-dir>/tmp/upload-<id>/` and `<data-dir>/tmp/download-<id>/` (0700 folders, 0600 files).
 * A client names a file only by the random id this store gave out: the path behind it is made here,
 * never taken from a request. `tmp` is on the data disk, where every service's SQLite lives: what is
 * staged here is bounded (a reserve of free space, counts of uploads, tickets and exports) so that a
 * client, even one with the token, cannot starve the databases.
 */

const UPLOAD_PREFIX = 'upload-';
const DOWNLOAD_PREFIX = 'download-';
/** An upload that stops arriving, or arrives and is never used, and an export nobody fetches: removed after these. */
const RECEIVING_IDLE_MS = 10 * 60_000;
const UNUSED_MS = 60 * 60_000;
/** A download ticket is in a URL (history, logs): it works once, for a minute. */
const TICKET_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;
const GiB = 1024 ** 3;

export interface StagedFilesOptions {
  now?: () => number;
  /** Free bytes no upload may take, given the disk's size: the databases must still be able to write. Default max(1 GiB, 5 %). */
  diskReserve?: (diskBytes: number) => number;
  /** The disk's free and total bytes, or null where the file system does not say (tests pretend a small disk). */
  diskSpace?: (dir: string) => { free: number; total: number } | null;
  /** Uploads still arriving at once (each holds a promise of disk space). */
  maxReceiving?: number;
  /** Uploads held in all (arriving, waiting to be used, in use). */
  maxUploads?: number;
  /** Download tickets not yet used nor expired. */
  maxTickets?: number;
  /** Exports for a browser being written at once. */
  maxExports?: number;
}

export const defaultDiskReserve = (diskBytes: number): number => Math.max(GiB, Math.ceil(diskBytes * 0.05));

export interface Upload {
  id: string;
  kind: FileKind;
  /** The name as sanitised here; the file keeps it, so importers that show a name show the user's. */
  name: string;
  size: number;
  received: number;
  dir: string;
  /** Where bytes arrive; renamed to `file` when all `size` of them have. */
  partial: string;
  file: string;
  state: 'receiving' | 'ready' | 'in-use';
  /** A chunk is being written: another one for the same upload waits its turn (409). */
  writing: boolean;
  touchedAt: number;
}

interface Download { id: string; dir: string; file: string; name: string | null; touchedAt: number; fetching: number }

export interface HostStagedFiles extends StagedFiles {
  beginUpload(request: { kind: FileKind; name: string; size: number }): Upload;
  /** An upload still receiving bytes, or null. */
  receiving(id: string): Upload | null;
  /** Throws (507) unless a chunk of `length` bytes leaves the reserve free, beside what other arriving uploads still owe. */
  checkRoom(upload: Upload, length: number): void;
  /** `length` bytes were written at the end of the partial file; true when the file is complete (and renamed). */
  chunkWritten(upload: Upload, length: number): boolean;
  /** A chunk failed: the partial file goes back to the bytes received before it, so the client can send that chunk again. */
  rewind(upload: Upload): void;
  /** Removes an upload and whatever of it arrived. */
  discardUpload(id: string): void;
  /** The client cancels: as `discardUpload`, but refused (CONFLICT) while an import reads the file. */
  cancelUpload(id: string): void;
  /** The staged export behind a ticket (the ticket is spent), or null; `done(true)` once the browser has it all (it goes), `done(false)` when cut short (it stays for another try). */
  redeemTicket(ticket: string): { id: string; file: string; name: string; done(fetched: boolean): void } | null;
  /** Removes what has not been used in time (also run every minute). */
  sweep(): void;
  stop(): void;
}

const newId = (): string => randomBytes(16).toString('base64url'); // 22 characters, as uploadHandleSchema expects

/** A refusal for want of room: RESOURCE_EXHAUSTED, with the HTTP status the file routes answer (429 too many, 507 disk full). */
export const roomRefusal = (httpStatus: 429 | 507, message: string): PagiError => new PagiError('RESOURCE_EXHAUSTED', message, { httpStatus });
const refusalData = z.object({ httpStatus: z.union([z.literal(429), z.literal(507)]) });
export const refusalStatus = (err: PagiError): number | null => {
  const parsed = refusalData.safeParse(err.data);
  return parsed.success ? parsed.data.httpStatus : null;
};

/** What a request may call a file: no folders, no control characters, an extension of its kind. Refused with the reason, in the user's words. */
export function sanitizeUploadName(kind: FileKind, raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (!name) throw new PagiError('INVALID_INPUT', 'the file has no name');
  if (/[/\\]/.test(name) || name === '.' || name === '..') throw new PagiError('INVALID_INPUT', 'a file name cannot name a folder (no / or \\)');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new PagiError('INVALID_INPUT', 'the file name has control characters');
  // text-direction controls make `x\u202Etxt.exe` look like another kind of file
  if (/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/.test(name)) throw new PagiError('INVALID_INPUT', 'the file name has characters that change the direction of text; rename the file');
  // disks allow 255 bytes a name, and the file is kept as `<name>.partial` while it arrives
  if (Buffer.byteLength(name) > 200) throw new PagiError('INVALID_INPUT', 'the file name is too long (more than 200 bytes; letters of some scripts take 3 bytes or more each): rename it shorter');
  // a name Windows keeps for a device (CON, NUL, COM1…) would write to the device, not a file
  if (/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\s*\..*)?$/i.test(name)) throw new PagiError('INVALID_INPUT', `${name} is a name Windows keeps for a device: rename the file`);
  const ext = FILE_EXTENSIONS[kind].find((e) => name.toLowerCase().endsWith(e));
  if (!ext) throw new PagiError('INVALID_INPUT', `${name} is not ${FILE_KIND_LABELS[kind]}: its name must end in ${FILE_EXTENSIONS[kind].join(', ')}`);
  // the stem alone is made harmless (a leading dot would hide the file): `.pagi` has none, and would lose its extension
  const stem = name.slice(0, name.length - ext.length);
  if (/^[.\s]*$/.test(stem)) throw new PagiError('INVALID_INPUT', `${name} has no name before ${ext}: rename the file, e.g. to my-file${ext}`);
  // characters other systems refuse, and a leading dot (a hidden file) become harmless
  return `${stem.replace(/[<>:"|?*]/g, '_').replace(/^\.+/, '_')}${name.slice(stem.length)}`;
}

function diskSpaceOf(dir: string): { free: number; total: number } | null {
  try {
    const s = statfsSync(dir);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return null; // not every file system says: the write itself will tell (ENOSPC, 507)
  }
}

const human = (b: number): string => (b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GB` : `${(b / 1024 ** 2).toFixed(1)} MB`);

/** Removes what a host that stopped (or was killed) left staged. */
export function sweepStagedFiles(dataDir: string): void {
  const tmp = join(dataDir, 'tmp');
  if (!existsSync(tmp)) return;
  for (const name of readdirSync(tmp)) if (name.startsWith(UPLOAD_PREFIX) || name.startsWith(DOWNLOAD_PREFIX)) rmSync(join(tmp, name), { recursive: true, force: true });
}

export function createStagedFiles(dataDir: string, opts: StagedFilesOptions = {}): HostStagedFiles {
  const now = opts.now ?? Date.now;
  const diskSpace = opts.diskSpace ?? diskSpaceOf;
  const diskReserve = opts.diskReserve ?? defaultDiskReserve;
  const maxReceiving = opts.maxReceiving ?? 16;
  const maxUploads = opts.maxUploads ?? 64;
  const maxTickets = opts.maxTickets ?? 64;
  const maxExports = opts.maxExports ?? 2;
  const tmp = join(dataDir, 'tmp');
  const uploads = new Map<string, Upload>();
  const downloads = new Map<string, Download>();
  const tickets = new Map<string, { downloadId: string; expiresAt: number }>();
  const notFound = (kind: FileKind): PagiError =>
    PagiError.hinted('NOT_FOUND', `the uploaded file for ${FILE_KIND_LABELS[kind]} is gone (used already, or not used within an hour)`, { app: 'choose the file again', cli: 'give the file path' });

  const removeUpload = (u: Upload): void => {
    uploads.delete(u.id);
    rmSync(u.dir, { recursive: true, force: true });
  };
  const removeDownload = (d: Download): void => {
    downloads.delete(d.id);
    rmSync(d.dir, { recursive: true, force: true });
  };
  const usable = (handle: string, kind: FileKind): Upload => {
    const u = uploads.get(handle);
    // another kind's upload is as unknown as one never given out: a card upload is never read as a bundle
    if (!u || u.kind !== kind || u.state === 'receiving') throw notFound(kind);
    return u;
  };
  /** Bytes that uploads still arriving have been promised but not yet written: free space now does not show them. */
  const owed = (except: Upload | null): number => {
    let sum = 0;
    for (const u of uploads.values()) if (u !== except && u.state === 'receiving') sum += u.size - u.received;
    return sum;
  };
  /** Throws 507 unless `bytes` more fit on the disk beside the reserve and what other uploads still owe. */
  const needRoom = (what: string, bytes: number, except: Upload | null): void => {
    const space = diskSpace(tmp);
    if (!space) return;
    const reserve = diskReserve(space.total);
    const others = owed(except);
    const usableBytes = Math.max(0, space.free - reserve - others);
    if (bytes <= usableBytes) return;
    const promised = others > 0 ? `, ${human(others)} are promised to other uploads still arriving` : '';
    throw roomRefusal(507, `not enough free disk space ${what}: it needs ${human(bytes)}, ${human(usableBytes)} can be used (${human(space.free)} are free, of which ${human(reserve)} stay free for your twin's data${promised}). Free some disk space and try again`);
  };

  const store: HostStagedFiles = {
    beginUpload({ kind, name: rawName, size }) {
      const name = sanitizeUploadName(kind, rawName);
      const max = UPLOAD_MAX_BYTES[kind];
      if (size > max) throw new PagiError('RESOURCE_EXHAUSTED', `${name} is ${human(size)}; ${FILE_KIND_LABELS[kind]} can be at most ${human(max)}`);
      const arriving = [...uploads.values()].filter((u) => u.state === 'receiving').length;
      if (arriving >= maxReceiving) throw roomRefusal(429, `${arriving} uploads are arriving already: wait for one to finish, or cancel one, before starting ${name}`);
      if (uploads.size >= maxUploads) throw roomRefusal(429, `${uploads.size} uploaded files are waiting to be used: use or cancel some (unused ones go after an hour) before uploading ${name}`);
      mkdirSync(tmp, { recursive: true, mode: 0o700 });
      needRoom(`for ${name}`, size, null);
      const id = newId();
      const dir = join(tmp, `${UPLOAD_PREFIX}${id}`);
      mkdirSync(dir, { mode: 0o700 });
      const file = join(dir, name);
      const upload: Upload = { id, kind, name, size, received: 0, dir, partial: `${file}.partial`, file, state: 'receiving', writing: false, touchedAt: now() };
      uploads.set(id, upload);
      return upload;
    },
    receiving: (id) => {
      const u = uploads.get(id);
      return u?.state === 'receiving' ? u : null;
    },
    // the disk may have filled since the upload began (another program, an export): stop before the reserve is eaten
    checkRoom: (u, length) => needRoom(`to go on receiving ${u.name}`, length, u),
    chunkWritten(u, length) {
      u.received += length;
      u.touchedAt = now();
      if (u.received < u.size) return false;
      renameSync(u.partial, u.file);
      u.state = 'ready';
      return true;
    },
    rewind(u) {
      if (uploads.get(u.id) !== u) return; // cancelled meanwhile: nothing left to keep
      try {
        // the first chunk creates the file (never over one): with nothing kept, no file either
        if (u.received === 0) rmSync(u.partial, { force: true });
        else truncateSync(u.partial, u.received);
        u.touchedAt = now();
      } catch {
        removeUpload(u); // what arrived cannot be trusted: the client is told to start again (404 on its next chunk)
      }
    },
    discardUpload(id) {
      const u = uploads.get(id);
      if (u) removeUpload(u);
    },
    cancelUpload(id) {
      const u = uploads.get(id);
      if (u?.state === 'in-use') throw new PagiError('CONFLICT', `${u.name} is being imported right now: it cannot be removed until the import ends`);
      if (u) removeUpload(u);
    },
    checkUpload(handle, kind) {
      const u = usable(handle, kind);
      // a resend of a call that took it already finds it in use, and is told nothing new
      if (u.state === 'ready') u.touchedAt = now();
    },
    takeUpload(handle, kind): StagedUploadUse {
      const u = usable(handle, kind);
      if (u.state === 'in-use') throw new PagiError('CONFLICT', `${u.name} is being imported already`);
      u.state = 'in-use';
      return {
        path: u.file,
        name: u.name,
        release: (used) => {
          if (used) return removeUpload(u);
          u.state = 'ready';
          u.touchedAt = now();
        },
      };
    },
    stageDownload() {
      const writing = [...downloads.values()].filter((d) => d.name === null).length;
      if (writing >= maxExports) throw roomRefusal(429, `${writing} exports for download are being written already: wait for them to finish`);
      // one browser user: an export made before and never downloaded is superseded by this one (it holds a twin's size of disk)
      for (const d of [...downloads.values()]) if (d.name !== null && d.fetching === 0) removeDownload(d);
      const id = newId();
      const dir = join(tmp, `${DOWNLOAD_PREFIX}${id}`);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const d: Download = { id, dir, file: join(dir, 'export.pagi'), name: null, touchedAt: now(), fetching: 0 };
      downloads.set(id, d);
      return {
        id,
        path: d.file,
        publish: (name) => {
          d.name = name;
          d.touchedAt = now();
        },
        discard: () => removeDownload(d),
      };
    },
    downloadTicket(id) {
      const d = downloads.get(id);
      if (!d?.name) throw PagiError.hinted('NOT_FOUND', 'the exported bundle is no longer here (it was downloaded already, replaced by a newer export, or not downloaded within an hour)', { app: 'export the twin again', cli: 'export with pagi export --out FILE.pagi' });
      const t = now();
      for (const [k, v] of tickets) if (v.expiresAt <= t) tickets.delete(k);
      if (tickets.size >= maxTickets) throw roomRefusal(429, `${tickets.size} download links are waiting to be used: try again in a minute`);
      const ticket = randomBytes(24).toString('base64url');
      tickets.set(ticket, { downloadId: id, expiresAt: t + TICKET_MS });
      return { url: `/files/downloads/${ticket}`, name: d.name };
    },
    redeemTicket(ticket) {
      const t = tickets.get(ticket);
      tickets.delete(ticket);
      const d = t && t.expiresAt > now() ? downloads.get(t.downloadId) : undefined;
      if (!d?.name) return null;
      d.touchedAt = now();
      d.fetching++; // neither a newer export nor the sweep removes it while it is being sent
      let ended = false;
      return {
        id: d.id,
        file: d.file,
        name: d.name,
        done: (fetched) => {
          if (ended) return;
          ended = true;
          d.fetching--;
          d.touchedAt = now();
          if (fetched && downloads.get(d.id) === d) removeDownload(d); // the browser has it
        },
      };
    },
    sweep() {
      const t = now();
      for (const u of [...uploads.values()]) {
        if (u.state === 'in-use' || u.writing) continue;
        if (t - u.touchedAt > (u.state === 'receiving' ? RECEIVING_IDLE_MS : UNUSED_MS)) removeUpload(u);
      }
      for (const d of [...downloads.values()]) if (d.name && d.fetching === 0 && t - d.touchedAt > UNUSED_MS) removeDownload(d);
      for (const [k, v] of tickets) if (v.expiresAt <= t) tickets.delete(k);
    },
    stop() {
      clearInterval(timer);
      for (const u of [...uploads.values()]) if (u.state !== 'in-use') removeUpload(u);
      for (const d of [...downloads.values()]) removeDownload(d);
    },
  };
  const timer = setInterval(() => store.sweep(), SWEEP_EVERY_MS);
  timer.unref();
  return store;
}
