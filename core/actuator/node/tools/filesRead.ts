// files.list, files.read, files.search: reading inside the folders the user granted (kind "read").
import { constants, type Dirent } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { z } from 'zod';
import { docxText, pdfText, utf8Text } from '../../../../native/documents/documentText.js';
import { PagiError } from '../../../contracts/errors.js';
import type { ToolContext, ToolDefinition } from '../toolDefinition.js';
import { resolveExisting, type GrantedPath } from './grantedPaths.js';
import { capText, parametersOf } from './toolText.js';

const pathArg = z.string().min(1).max(4_096);

/** Folders a search never walks into: version control and package caches hold nothing the user wrote. */
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);
/** Entries a search visits at most, so a granted home folder cannot keep a tool busy for minutes. */
const MAX_SEARCH_ENTRIES = 20_000;

/** The folder to work in: the one given, or the single grant when none is. */
async function folderOf(given: string | undefined, grants: readonly string[]): Promise<GrantedPath> {
  const target = await resolveExisting(given ?? '.', grants);
  if (!target.info.isDirectory()) throw new PagiError('INVALID_INPUT', `"${given}" is a file, not a folder; use files.read to read it`);
  return target;
}

const formatSize = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / (1 << 20)).toFixed(1)} MB`;

/** Opens without following a last symlink and without blocking (where the OS has the flags): see readCapped. */
const SAFE_READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * The bytes of a regular file, at most `maxBytes`. Opened without blocking or following a symlink,
 * and checked again once open, so a pipe, device or link swapped in after the path was checked is
 * refused rather than read forever or followed out of the grant.
 */
async function readCapped(path: string, given: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, SAFE_READ_FLAGS).catch((err: NodeJS.ErrnoException) => {
    throw new PagiError('PERMISSION_DENIED', `"${given}" cannot be opened (${err.code ?? err.message}); it may have changed since it was checked`);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new PagiError('PERMISSION_DENIED', `"${given}" is not a regular file; the twin reads only regular files`);
    if (info.size > maxBytes) {
      throw new PagiError('RESOURCE_EXHAUSTED', `"${given}" is ${formatSize(info.size)}; the twin reads files up to ${formatSize(maxBytes)} (search it for what you need with files.search instead)`);
    }
    const data = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(data, 0, info.size, 0);
    return data.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A file's text: PDF and Word documents through their readers, anything else as UTF-8 text. */
async function textOf(data: Buffer, path: string, name: string): Promise<string> {
  const ext = extname(path).toLowerCase();
  if (ext === '.pdf') return pdfText(data, name);
  if (ext === '.docx') return docxText(data, name);
  return utf8Text(data, name);
}

const listArgs = z.object({
  path: pathArg.optional().describe('Folder to list; omitted: the granted folder (when exactly one is granted)'),
  depth: z.number().int().min(1).max(3).default(1).describe('How many levels of sub-folders to show'),
});

async function listLines(folder: string, depth: number, indent: string, signal: AbortSignal, lines: string[]): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name));
  for (const entry of entries) {
    signal.throwIfAborted();
    if (entry.isDirectory()) {
      lines.push(`${indent}${entry.name}/`);
      if (depth > 1) await listLines(join(folder, entry.name), depth - 1, `${indent}  `, signal, lines).catch(() => lines.push(`${indent}  (cannot be listed)`));
    } else if (entry.isSymbolicLink()) {
      lines.push(`${indent}${entry.name} (symbolic link)`);
    } else if (entry.isFile()) {
      const size = await lstat(join(folder, entry.name)).then((info) => info.size, () => null);
      lines.push(`${indent}${entry.name}${size === null ? '' : `  ${formatSize(size)}`}`);
    } else {
      lines.push(`${indent}${entry.name} (special file)`);
    }
  }
}

export const filesListTool: ToolDefinition<typeof listArgs> = {
  name: 'files.list',
  kind: 'read',
  description: 'List a folder inside the folders the user granted: sub-folders (ending in /) first, then files with their sizes.',
  args: listArgs,
  parameters: parametersOf(listArgs),
  preview: ({ path }, { grants }) => ({ summary: `List ${path ?? 'the granted folder'}`, ...(grants.length === 1 && !path ? { folder: grants[0] } : {}) }),
  async run({ path, depth }, ctx: ToolContext) {
    if (!path && ctx.grants.length > 1) return { grantedFolders: [...ctx.grants], note: 'several folders are granted: list one of them by its path' };
    const folder = await folderOf(path, ctx.grants);
    const lines: string[] = [];
    await listLines(folder.path, depth, '', ctx.signal, lines);
    return { folder: folder.path, count: lines.length, entries: capText(lines.join('\n') || '(empty folder)', ctx.limits.maxOutputChars) };
  },
};

const readArgs = z.object({
  path: pathArg.describe('File to read (text, Markdown, code, PDF or .docx)'),
  offset: z.number().int().min(0).default(0).describe('Character to start from, to read on where a cut result stopped'),
});

export const filesReadTool: ToolDefinition<typeof readArgs> = {
  name: 'files.read',
  kind: 'read',
  description: 'Read a file inside the folders the user granted: text files as they are, PDF and Word (.docx) documents as their text.',
  args: readArgs,
  parameters: parametersOf(readArgs),
  preview: ({ path }) => ({ summary: `Read ${path}` }),
  async run({ path, offset }, ctx: ToolContext) {
    const file = await resolveExisting(path, ctx.grants);
    if (file.info.isDirectory()) throw new PagiError('INVALID_INPUT', `"${path}" is a folder; use files.list to see what it holds`);
    const text = await textOf(await readCapped(file.path, path, ctx.limits.maxReadBytes), file.path, path);
    const end = offset + ctx.limits.maxOutputChars;
    return { path: file.path, totalChars: text.length, text: capText(text.slice(offset), ctx.limits.maxOutputChars, `read on with offset ${end}`) };
  },
};

const searchArgs = z.object({
  query: z.string().min(1).max(500).describe('Text to find (case-insensitive)'),
  path: pathArg.optional().describe('Folder to search in; omitted: the granted folder (when exactly one is granted)'),
  in: z.enum(['names', 'contents', 'both']).default('both').describe('Match file names, the text inside files, or both'),
  limit: z.number().int().min(1).max(500).default(50).describe('Most matches to return'),
});

interface SearchState { matches: string[]; visited: number; skippedLarge: number; limit: number }

async function searchFolder(root: string, folder: string, needle: string, by: z.output<typeof searchArgs>['in'], ctx: ToolContext, state: SearchState): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return; // an unreadable sub-folder does not stop the search of the rest
  }
  for (const entry of entries) {
    ctx.signal.throwIfAborted();
    if (state.matches.length >= state.limit || state.visited >= MAX_SEARCH_ENTRIES) return;
    state.visited += 1;
    const full = join(folder, entry.name);
    const shown = relative(root, full);
    if (by !== 'contents' && entry.name.toLowerCase().includes(needle)) state.matches.push(entry.isDirectory() ? `${shown}/` : shown);
    // symbolic links are never followed: what they lead to may lie outside the grant
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) await searchFolder(root, full, needle, by, ctx, state);
    else if (entry.isFile() && by !== 'names' && !['.pdf', '.docx'].includes(extname(entry.name).toLowerCase())) {
      const data = await readCapped(full, shown, ctx.limits.maxReadBytes).catch((err: unknown) => {
        if (err instanceof PagiError && err.code === 'RESOURCE_EXHAUSTED') state.skippedLarge += 1;
        return null;
      });
      let text: string;
      try {
        if (!data) continue;
        text = utf8Text(data, shown);
      } catch {
        continue; // binary or non-UTF-8 files have no lines to match
      }
      const lines = text.split('\n');
      for (let i = 0; i < lines.length && state.matches.length < state.limit; i++) {
        const line = lines[i] as string;
        if (line.toLowerCase().includes(needle)) state.matches.push(`${shown}:${i + 1}: ${line.trim().slice(0, 200)}`);
      }
    }
  }
}

export const filesSearchTool: ToolDefinition<typeof searchArgs> = {
  name: 'files.search',
  kind: 'read',
  description: 'Search a granted folder and its sub-folders for files whose name or text contains the query (text files; .git and node_modules are skipped, symbolic links are not followed). Content matches come as "path:line: text".',
  args: searchArgs,
  parameters: parametersOf(searchArgs),
  preview: ({ query, path }) => ({ summary: `Search ${path ?? 'the granted folder'} for "${query}"` }),
  async run({ query, path, in: by, limit }, ctx: ToolContext) {
    const folder = await folderOf(path, ctx.grants);
    const state: SearchState = { matches: [], visited: 0, skippedLarge: 0, limit };
    await searchFolder(folder.path, folder.path, query.toLowerCase(), by, ctx, state);
    const notes = [
      state.matches.length >= limit ? `stopped at ${limit} matches; raise limit or narrow the query` : '',
      state.visited >= MAX_SEARCH_ENTRIES ? `stopped after ${MAX_SEARCH_ENTRIES} entries; search a sub-folder` : '',
      state.skippedLarge ? `${state.skippedLarge} file(s) over ${formatSize(ctx.limits.maxReadBytes)} were not searched inside` : '',
    ].filter(Boolean);
    return {
      folder: folder.path,
      count: state.matches.length,
      matches: capText(state.matches.join('\n') || '(no match)', ctx.limits.maxOutputChars),
      ...(notes.length ? { notes } : {}),
    };
  },
};
