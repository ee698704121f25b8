import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { StagedFiles, StagedUploadUse } from '../api/coreAccess.js';
import { PagiError } from '../contracts/errors.js';
import { FILE_EXTENSIONS, FILE_KIND_LABELS, hasExtensionOf, UPLOAD_MAX_BYTES, type FileKind } from '../contracts/fileKinds.js';

/**
 * Files the browser hands the headless host (uploads) and exports it fetches back (downloads), staged
 * in `<data-dir>/tmp/upload-<id>/` and `<data-dir>/tmp/download-<id>/` (0700 folders, 0600 files).
 * A client names a file only by the random id this store gave out: the path behind it is made here,
 * never taken from a request.
 */

const UPLOAD_PREFIX = 'upload-';
const DOWNLOAD_PREFIX = 'download-';
/** An upload that stops arriving, or arrives and is never used, and an export nobody fetches: removed after these. */
const RECEIVING_IDLE_MS = 10 * 60_000;
const UNUSED_MS = 60 * 60_000;
/** A download ticket is in a URL (history, logs): it works once, for a minute. */
const TICKET_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;

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

interface Download { id: string; dir: string; file: string; name: string | null; touchedAt: number }

export interface HostStagedFiles extends StagedFiles {
  beginUpload(request: { kind: FileKind; name: string; size: number }): Upload;
  /** An upload still receiving bytes, or null. */
  receiving(id: string): Upload | null;
  /** Removes an upload and whatever of it arrived. */
  discardUpload(id: string): void;
  /** All of it arrived: the partial file becomes the file. */
  completeUpload(upload: Upload): void;
  /** The staged export behind a ticket (the ticket is spent), or null. */
  redeemTicket(ticket: string): { id: string; file: string; name: string } | null;
  /** The browser has it: the staged copy goes. */
  discardDownload(id: string): void;
  /** Removes what has not been used in time (also run every minute). */
  sweep(): void;
  stop(): void;
}

const newId = (): string => randomBytes(16).toString('base64url'); // 22 characters, as uploadHandleSchema expects

/** What a request may call a file: no folders, no control characters, an extension of its kind. Refused with the reason, in the user's words. */
export function sanitizeUploadName(kind: FileKind, raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (!name) throw new PagiError('INVALID_INPUT', 'the file has no name');
  if (/[/\\]/.test(name) || name === '.' || name === '..') throw new PagiError('INVALID_INPUT', 'a file name cannot name a folder (no / or \\)');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new PagiError('INVALID_INPUT', 'the file name has control characters');
  if (name.length > 200) throw new PagiError('INVALID_INPUT', 'the file name is longer than 200 characters');
  if (!hasExtensionOf(kind, name)) throw new PagiError('INVALID_INPUT', `${name} is not ${FILE_KIND_LABELS[kind]}: its name must end in ${FILE_EXTENSIONS[kind].join(', ')}`);
  // characters other systems refuse, and a leading dot (a hidden file) become harmless
  return name.replace(/[<>:"|?*]/g, '_').replace(/^\.+/, '_');
}

function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null; // not every file system says: the write itself will tell
  }
}

const human = (b: number): string => (b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GB` : `${(b / 1024 ** 2).toFixed(1)} MB`);

/** Removes what a host that stopped (or was killed) left staged. */
export function sweepStagedFiles(dataDir: string): void {
  const tmp = join(dataDir, 'tmp');
  if (!existsSync(tmp)) return;
  for (const name of readdirSync(tmp)) if (name.startsWith(UPLOAD_PREFIX) || name.startsWith(DOWNLOAD_PREFIX)) rmSync(join(tmp, name), { recursive: true, force: true });
}

export function createStagedFiles(dataDir: string, now: () => number = Date.now): HostStagedFiles {
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

  const store: HostStagedFiles = {
    beginUpload({ kind, name: rawName, size }) {
      const name = sanitizeUploadName(kind, rawName);
      const max = UPLOAD_MAX_BYTES[kind];
      if (size > max) throw new PagiError('RESOURCE_EXHAUSTED', `${name} is ${human(size)}; ${FILE_KIND_LABELS[kind]} can be at most ${human(max)}`);
      mkdirSync(tmp, { recursive: true, mode: 0o700 });
      const free = freeBytes(tmp);
      if (free !== null && free < size) throw new PagiError('RESOURCE_EXHAUSTED', `not enough free disk space for ${name}: it needs ${human(size)}, ${human(free)} are free`);
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
    discardUpload(id) {
      const u = uploads.get(id);
      if (u) removeUpload(u);
    },
    completeUpload(u) {
      u.state = 'ready';
      u.touchedAt = now();
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
      const id = newId();
      const dir = join(tmp, `${DOWNLOAD_PREFIX}${id}`);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const d: Download = { id, dir, file: join(dir, 'export.pagi'), name: null, touchedAt: now() };
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
      if (!d?.name) throw PagiError.hinted('NOT_FOUND', 'the exported bundle is no longer here (it was downloaded already, or not within an hour)', { app: 'export the twin again', cli: 'export with pagi export --out FILE.pagi' });
      const ticket = randomBytes(24).toString('base64url');
      tickets.set(ticket, { downloadId: id, expiresAt: now() + TICKET_MS });
      return { url: `/files/downloads/${ticket}`, name: d.name };
    },
    redeemTicket(ticket) {
      const t = tickets.get(ticket);
      tickets.delete(ticket);
      const d = t && t.expiresAt > now() ? downloads.get(t.downloadId) : undefined;
      if (!d?.name) return null;
      d.touchedAt = now();
      return { id: d.id, file: d.file, name: d.name };
    },
    discardDownload(id) {
      const d = downloads.get(id);
      if (d) removeDownload(d);
    },
    sweep() {
      const t = now();
      for (const u of [...uploads.values()]) {
        if (u.state === 'in-use' || u.writing) continue;
        if (t - u.touchedAt > (u.state === 'receiving' ? RECEIVING_IDLE_MS : UNUSED_MS)) removeUpload(u);
      }
      for (const d of [...downloads.values()]) if (d.name && t - d.touchedAt > UNUSED_MS) removeDownload(d);
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
