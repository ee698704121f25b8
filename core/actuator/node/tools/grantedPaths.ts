// Where a path given by the model really is, and whether the user granted it: every files and shell
// tool resolves paths here, after symlinks, so a link inside a granted folder cannot lead outside it.
import type { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PagiError } from '../../../contracts/errors.js';

/** A path inside a granted folder: `path` is absolute with every symlink resolved. */
export interface GrantedPath {
  grant: string;
  path: string;
}

const WINDOWS_ABSOLUTE = /^(?:[a-zA-Z]:[\\/]|\\\\)/;
const grantList = (grants: readonly string[]): string => grants.map((g) => `"${g}"`).join(', ');

/** The granted folder holding `realPath` (itself already resolved), or null. */
export function grantHolding(realPath: string, grants: readonly string[]): string | null {
  for (const grant of grants) {
    // path.relative compares case-insensitively on Windows, as its file systems do
    const rel = relative(resolve(grant), realPath);
    if (rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) return grant;
  }
  return null;
}

/**
 * The absolute path `given` names: as given when absolute; relative to the granted folder when
 * there is exactly one (with several, a relative path could mean any of them, so it is refused).
 */
export function absolutePathOf(given: string, grants: readonly string[]): string {
  if (grants.length === 0) {
    throw PagiError.hinted('PERMISSION_DENIED', 'no folder is granted to the twin yet, so it can touch no file', { app: 'Grant a folder in Settings → Tools' });
  }
  if (process.platform !== 'win32' && WINDOWS_ABSOLUTE.test(given)) {
    throw new PagiError('INVALID_INPUT', `"${given}" is a Windows path, but this machine is ${process.platform}; give a path inside ${grantList(grants)}`);
  }
  if (isAbsolute(given)) return resolve(given);
  if (grants.length > 1) {
    throw new PagiError('INVALID_INPUT', `"${given}" is relative, and ${grants.length} folders are granted (${grantList(grants)}); give an absolute path inside one of them`);
  }
  return resolve(grants[0] as string, given);
}

function outsideGrants(given: string, real: string, grants: readonly string[]): PagiError {
  const leadsTo = resolve(given) === real ? '' : ` (it leads to "${real}")`;
  return PagiError.hinted('PERMISSION_DENIED', `"${given}" is outside the folders granted to the twin${leadsTo}; use a path inside ${grantList(grants)}`, { app: 'Grant its folder in Settings → Tools' }, { path: given });
}

/** What a file that is neither a regular file nor a folder is, in words, for a refusal. */
export function specialKindOf(info: Stats): string | null {
  if (info.isFile() || info.isDirectory()) return null;
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isFIFO()) return 'a named pipe';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** An existing file or folder inside a grant, resolved after symlinks; devices, pipes and sockets are refused. */
export async function resolveExisting(given: string, grants: readonly string[]): Promise<GrantedPath & { info: Stats }> {
  const absolute = absolutePathOf(given, grants);
  const real = await realpath(absolute).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new PagiError('NOT_FOUND', `nothing at "${given}"${absolute !== given ? ` ("${absolute}")` : ''}; list the folder to see what is there`);
    throw new PagiError('PERMISSION_DENIED', `"${given}" cannot be opened: ${err.code ?? err.message}`);
  });
  const grant = grantHolding(real, grants);
  if (!grant) throw outsideGrants(given, real, grants);
  const info = await stat(real);
  const special = specialKindOf(info);
  if (special) throw new PagiError('PERMISSION_DENIED', `"${given}" is ${special}, not a file or folder; the twin reads only regular files`);
  return { grant, path: real, info };
}

/**
 * Where a file about to be created or replaced goes: an existing path resolves after symlinks
 * (and must stay inside a grant); a new one is its nearest existing folder, resolved, plus the
 * names still to be created. A symlink that leads nowhere is refused rather than guessed at.
 */
export async function resolveTarget(given: string, grants: readonly string[]): Promise<GrantedPath & { exists: boolean }> {
  const absolute = absolutePathOf(given, grants);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    const info = await lstat(existing).catch(() => null);
    if (info) break;
    const parent = dirname(existing);
    if (parent === existing) throw new PagiError('NOT_FOUND', `no part of "${given}" exists`);
    missing.unshift(basename(existing));
    existing = parent;
  }
  const real = await realpath(existing).catch(() => {
    throw new PagiError('INVALID_INPUT', `"${existing}" is a symbolic link to something that does not exist; remove it or give another path`);
  });
  const path = missing.length ? join(real, ...missing) : real;
  const grant = grantHolding(path, grants);
  if (!grant) throw outsideGrants(given, path, grants);
  if (missing.length === 0) {
    const special = specialKindOf(await stat(real));
    if (special) throw new PagiError('PERMISSION_DENIED', `"${given}" is ${special}; the twin writes only regular files`);
  }
  return { grant, path, exists: missing.length === 0 };
}

/** After creating folders, checks again that the file's folder is still where it was resolved (a swapped-in symlink is refused). */
export async function confirmFolderInside(folder: string, grants: readonly string[]): Promise<void> {
  const real = await realpath(folder);
  if (real !== folder || !grantHolding(real, grants)) {
    throw new PagiError('PERMISSION_DENIED', `"${folder}" changed while writing (it now leads to "${real}"); nothing was written`);
  }
}
