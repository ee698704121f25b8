// files.write and files.move: changing files inside the folders the user granted (kind "write").
// Writes are atomic (a temporary file in the same folder, then a rename) and never replace what the
// model did not say to replace; nothing is written through a symlink that leads out of a grant.
import { randomBytes } from 'node:crypto';
import { chmod, link, lstat, mkdir, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { PagiError } from '../../../contracts/errors.js';
import type { ToolContext, ToolDefinition, ToolPreview } from '../toolDefinition.js';
import { absolutePathOf, confirmFolderInside, grantHolding, resolveTarget, specialKindOf, type GrantedPath } from './grantedPaths.js';
import { parametersOf } from './toolText.js';

const pathArg = z.string().min(1).max(4_096);

/** The granted folder a path will touch, for the approval card (best effort: before symlinks are resolved). */
function folderShown(path: string, grants: readonly string[]): Pick<ToolPreview, 'folder'> {
  try {
    const grant = grantHolding(absolutePathOf(path, grants), grants);
    return grant ? { folder: grant } : {};
  } catch {
    return {};
  }
}

/**
 * Puts `from` at `to` unless something is already there. A hard link is the one portable way to
 * do that atomically; where links are not possible (some file systems, folders) it checks, then renames.
 */
async function placeWithoutReplacing(from: string, to: string, isRegularFile: boolean, given: string): Promise<void> {
  const exists = (): PagiError => new PagiError('CONFLICT', `"${given}" already exists; choose another name${isRegularFile ? ', or pass overwrite: true to replace it' : ''}`);
  if (isRegularFile) {
    try {
      await link(from, to);
      await unlink(from);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
      // EPERM, ENOTSUP, ENOSYS: this file system has no hard links; fall back below
    }
  }
  if (await lstat(to).then(() => true, () => false)) throw exists();
  await rename(from, to);
}

const renameError = (err: unknown, from: string, to: string): PagiError => {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EXDEV') return new PagiError('UNSUPPORTED', `"${from}" and "${to}" are on different drives; a move cannot cross drives (read and write the file instead)`);
  if (code === 'EINVAL') return new PagiError('INVALID_INPUT', `"${from}" cannot be moved into itself ("${to}")`);
  return PagiError.from(err);
};

const writeArgs = z.object({
  path: pathArg.describe('File to write; missing folders on the way are created'),
  content: z.string().max(20_000_000).describe('The whole new text of the file'),
  overwrite: z.boolean().default(false).describe('Replace the file if it exists (otherwise an existing file is left alone and the call fails)'),
});

export const filesWriteTool: ToolDefinition<typeof writeArgs> = {
  name: 'files.write',
  kind: 'write',
  description: 'Write a text file inside the folders the user granted. An existing file is replaced only with overwrite: true; the write is atomic (no half-written file is ever seen).',
  args: writeArgs,
  parameters: parametersOf(writeArgs),
  preview: ({ path, content, overwrite }, { grants }) => ({ summary: `${overwrite ? 'Write (replacing if present)' : 'Create'} ${path} (${content.length} characters)`, ...folderShown(path, grants) }),
  async run({ path, content, overwrite }, ctx: ToolContext) {
    const bytes = Buffer.byteLength(content);
    // the same cap as reading: the twin never writes a file it could not read back
    if (bytes > ctx.limits.maxReadBytes) throw new PagiError('RESOURCE_EXHAUSTED', `the content is ${bytes} bytes; files up to ${ctx.limits.maxReadBytes} bytes can be written`);
    const target = await resolveTarget(path, ctx.grants);
    const existing = target.exists ? await stat(target.path) : null;
    if (existing?.isDirectory()) throw new PagiError('INVALID_INPUT', `"${path}" is a folder; give a file name inside it`);
    if (existing && !overwrite) throw new PagiError('CONFLICT', `"${path}" already exists; pass overwrite: true to replace it, or choose another name`);
    const folder = dirname(target.path);
    await mkdir(folder, { recursive: true });
    await confirmFolderInside(folder, ctx.grants);
    ctx.signal.throwIfAborted();
    const temp = join(folder, `.${basename(target.path)}.${randomBytes(6).toString('hex')}.pagi-tmp`);
    try {
      // 'wx' creates exclusively: it never follows a symlink someone placed at the temporary name
      await writeFile(temp, content, { flag: 'wx' });
      if (existing) await chmod(temp, existing.mode & 0o7777);
      if (overwrite) await rename(temp, target.path);
      else await placeWithoutReplacing(temp, target.path, true, path);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    return { path: target.path, bytes, replaced: existing !== null };
  },
};

/** The entry `given` names itself (a symlink is moved as a link, not followed), inside a grant. */
async function resolveEntry(given: string, grants: readonly string[]): Promise<GrantedPath & { isRegularFile: boolean }> {
  const absolute = absolutePathOf(given, grants);
  const folder = await realpath(dirname(absolute)).catch(() => {
    throw new PagiError('NOT_FOUND', `nothing at "${given}"; list its folder to see what is there`);
  });
  const path = join(folder, basename(absolute));
  const grant = grantHolding(path, grants);
  if (!grant || grants.some((g) => g === path)) {
    throw new PagiError('PERMISSION_DENIED', grant ? `"${given}" is a granted folder itself; it cannot be moved` : `"${given}" is outside the folders granted to the twin; use a path inside ${grants.map((g) => `"${g}"`).join(', ')}`);
  }
  const info = await lstat(path).catch(() => null);
  if (!info) throw new PagiError('NOT_FOUND', `nothing at "${given}"; list its folder to see what is there`);
  const special = info.isSymbolicLink() ? null : specialKindOf(info);
  if (special) throw new PagiError('PERMISSION_DENIED', `"${given}" is ${special}; the twin moves only files and folders`);
  return { grant, path, isRegularFile: info.isFile() };
}

const moveArgs = z.object({
  from: pathArg.describe('File or folder to move or rename'),
  to: pathArg.describe('New path; an existing folder means "into that folder". Never replaces an existing file'),
});

export const filesMoveTool: ToolDefinition<typeof moveArgs> = {
  name: 'files.move',
  kind: 'write',
  description: 'Move or rename a file or folder inside the folders the user granted. It never replaces anything: if the destination exists the call fails.',
  args: moveArgs,
  parameters: parametersOf(moveArgs),
  preview: ({ from, to }, { grants }) => ({ summary: `Move ${from} to ${to}`, ...folderShown(from, grants) }),
  async run({ from, to }, ctx: ToolContext) {
    const source = await resolveEntry(from, ctx.grants);
    let target = await resolveTarget(to, ctx.grants);
    if (target.exists && (await stat(target.path)).isDirectory()) {
      target = await resolveTarget(join(target.path, basename(source.path)), ctx.grants);
    }
    if (target.exists) throw new PagiError('CONFLICT', `"${target.path}" already exists; files.move never replaces: choose another name or move that one away first`);
    const folder = dirname(target.path);
    await mkdir(folder, { recursive: true });
    await confirmFolderInside(folder, ctx.grants);
    ctx.signal.throwIfAborted();
    try {
      await placeWithoutReplacing(source.path, target.path, source.isRegularFile, target.path);
    } catch (err) {
      throw renameError(err, from, to);
    }
    return { from: source.path, to: target.path };
  },
};
