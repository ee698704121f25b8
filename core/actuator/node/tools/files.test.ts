import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tinyDocx, tinyPdf } from '../../../../native/documents/testDocuments.js';
import { filesListTool, filesReadTool, filesSearchTool } from './filesRead.js';
import { filesMoveTool, filesWriteTool } from './filesWrite.js';
import { testToolContext } from './testContext.js';
import type { ToolContext, ToolDefinition } from '../toolDefinition.js';

const posix = process.platform !== 'win32';
// every call goes through the tool's own zod schema, as the actuator does
const call = <T>(tool: ToolDefinition, args: unknown, ctx: ToolContext): Promise<T> => tool.run(tool.args.parse(args), ctx) as Promise<T>;

describe('files tools', () => {
  let root: string;
  let grant: string;
  let outside: string;
  let ctx: ToolContext;

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'pagi-files-')));
    grant = join(root, 'granted');
    outside = join(root, 'outside');
    mkdirSync(join(grant, 'notes'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(grant, 'notes', 'todo.md'), '# Todo\n- call the dentist\n- renew passport\n');
    writeFileSync(join(outside, 'secret.txt'), 'the secret');
    ctx = testToolContext({ grants: [grant], limits: { maxReadBytes: 4_096, maxOutputChars: 200 } });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lists, reads and searches inside the grant, relative paths meaning the single grant', async () => {
    const listing = await call<{ entries: string }>(filesListTool, { depth: 2 }, ctx);
    expect(listing.entries).toBe('notes/\n  todo.md  43 B');
    expect((await call<{ text: string }>(filesReadTool, { path: 'notes/todo.md' }, ctx)).text).toContain('renew passport');
    const found = await call<{ matches: string }>(filesSearchTool, { query: 'PASSPORT' }, ctx);
    expect(found.matches).toBe(`${join('notes', 'todo.md')}:3: - renew passport`);
    expect((await call<{ matches: string }>(filesSearchTool, { query: 'todo', in: 'names' }, ctx)).matches).toBe(join('notes', 'todo.md'));
  });

  it('reads PDF and Word documents as text', async () => {
    writeFileSync(join(grant, 'report.pdf'), tinyPdf('Revenue grew'));
    writeFileSync(join(grant, 'minutes.docx'), await tinyDocx(['Budget approved']));
    expect((await call<{ text: string }>(filesReadTool, { path: 'report.pdf' }, ctx)).text).toContain('Revenue grew');
    expect((await call<{ text: string }>(filesReadTool, { path: 'minutes.docx' }, ctx)).text).toBe('Budget approved');
  });

  it('refuses .. traversal and absolute paths outside the grant', async () => {
    await expect(call(filesReadTool, { path: '../outside/secret.txt' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/outside the folders granted/) });
    await expect(call(filesReadTool, { path: join(outside, 'secret.txt') }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(call(filesListTool, { path: '..' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(call(filesWriteTool, { path: 'notes/../../outside/new.txt', content: 'x' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(existsSync(join(outside, 'new.txt'))).toBe(false);
  });

  it.skipIf(!posix)('refuses a symlink inside the grant that leads outside, for reading, writing and listing', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(grant, 'link.txt'));
    symlinkSync(outside, join(grant, 'linked-folder'));
    await expect(call(filesReadTool, { path: 'link.txt' }, ctx)).rejects.toThrow(/outside the folders granted.*leads to/);
    await expect(call(filesWriteTool, { path: 'link.txt', content: 'overwritten', overwrite: true }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(call(filesWriteTool, { path: 'linked-folder/planted.txt', content: 'x' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(call(filesListTool, { path: 'linked-folder' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('the secret');
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    // the search sees the links but never walks or reads through them
    expect((await call<{ matches: string }>(filesSearchTool, { query: 'secret' }, ctx)).matches).toBe('(no match)');
  });

  it.skipIf(!posix)('refuses device files and named pipes even inside a grant', async () => {
    const devCtx = testToolContext({ grants: ['/dev'] });
    await expect(call(filesReadTool, { path: '/dev/zero' }, devCtx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/is a device/) });
    symlinkSync('/dev/zero', join(grant, 'zero'));
    await expect(call(filesReadTool, { path: 'zero' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    execFileSync('mkfifo', [join(grant, 'pipe')]);
    await expect(call(filesReadTool, { path: 'pipe' }, ctx)).rejects.toThrow(/is a named pipe/);
    await expect(call(filesWriteTool, { path: 'pipe', content: 'x', overwrite: true }, ctx)).rejects.toThrow(/is a named pipe/);
  });

  it('refuses files over the size cap and cuts long output, saying how much is left', async () => {
    writeFileSync(join(grant, 'big.txt'), 'x'.repeat(4_097));
    await expect(call(filesReadTool, { path: 'big.txt' }, ctx)).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: expect.stringMatching(/4\.0 KB; the twin reads files up to 4\.0 KB/) });
    writeFileSync(join(grant, 'long.txt'), 'y'.repeat(500));
    const first = await call<{ text: string; totalChars: number }>(filesReadTool, { path: 'long.txt' }, ctx);
    expect(first.text).toBe(`${'y'.repeat(200)}\n…cut, 300 more characters (read on with offset 200)`);
    const last = await call<{ text: string }>(filesReadTool, { path: 'long.txt', offset: 400 }, ctx);
    expect(last.text).toBe('y'.repeat(100));
  });

  it('refuses binary files, and relative paths when several folders are granted', async () => {
    writeFileSync(join(grant, 'image.png'), Buffer.from([0x89, 0x50, 0x00, 0x47]));
    await expect(call(filesReadTool, { path: 'image.png' }, ctx)).rejects.toThrow(/looks like a binary file/);
    const two = testToolContext({ grants: [grant, outside] });
    await expect(call(filesReadTool, { path: 'notes/todo.md' }, two)).rejects.toThrow(new RegExp(`relative, and 2 folders are granted \\("${grant}", "${outside}"\\)`));
    await expect(call(filesReadTool, { path: 'x' }, testToolContext())).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/no folder is granted/) });
    if (posix) await expect(call(filesReadTool, { path: 'C:\\Users\\me\\a.txt' }, ctx)).rejects.toThrow(/is a Windows path/);
  });

  it('writes atomically, never replacing without overwrite, and creates folders on the way', async () => {
    const written = await call<{ path: string; replaced: boolean }>(filesWriteTool, { path: 'drafts/letter.txt', content: 'Dear Sam' }, ctx);
    expect(written).toMatchObject({ path: join(grant, 'drafts', 'letter.txt'), replaced: false });
    await expect(call(filesWriteTool, { path: 'drafts/letter.txt', content: 'other' }, ctx)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/pass overwrite: true/) });
    expect(readFileSync(join(grant, 'drafts', 'letter.txt'), 'utf8')).toBe('Dear Sam');
    expect(await call(filesWriteTool, { path: 'drafts/letter.txt', content: 'Dear Alex', overwrite: true }, ctx)).toMatchObject({ replaced: true });
    expect(readFileSync(join(grant, 'drafts', 'letter.txt'), 'utf8')).toBe('Dear Alex');
    // no temporary file is left behind
    expect(readdirSync(join(grant, 'drafts'))).toEqual(['letter.txt']);
    await expect(call(filesWriteTool, { path: 'notes', content: 'x', overwrite: true }, ctx)).rejects.toThrow(/is a folder/);
    await expect(call(filesWriteTool, { path: 'huge.txt', content: 'z'.repeat(5_000) }, ctx)).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
  });

  it('moves and renames without ever replacing, and not out of the grant', async () => {
    expect(await call(filesMoveTool, { from: 'notes/todo.md', to: 'archive/todo-2024.md' }, ctx)).toEqual({ from: join(grant, 'notes', 'todo.md'), to: join(grant, 'archive', 'todo-2024.md') });
    writeFileSync(join(grant, 'notes', 'todo.md'), 'new list');
    await expect(call(filesMoveTool, { from: 'notes/todo.md', to: 'archive/todo-2024.md' }, ctx)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(readFileSync(join(grant, 'archive', 'todo-2024.md'), 'utf8')).toContain('renew passport');
    // an existing folder as destination means "into it"
    expect(await call(filesMoveTool, { from: 'notes/todo.md', to: 'archive' }, ctx)).toMatchObject({ to: join(grant, 'archive', 'todo.md') });
    await expect(call(filesMoveTool, { from: 'archive', to: '../outside/archive' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(call(filesMoveTool, { from: join(outside, 'secret.txt'), to: 'stolen.txt' }, ctx)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(call(filesMoveTool, { from: grant, to: join(grant, 'inner') }, ctx)).rejects.toThrow(/granted folder itself/);
    await expect(call(filesMoveTool, { from: 'missing.txt', to: 'b.txt' }, ctx)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('gives models a JSON schema and approval cards the folder', () => {
    expect(filesWriteTool.parameters).toMatchObject({ type: 'object', required: ['path', 'content'], properties: { overwrite: { type: 'boolean', default: false } } });
    expect(filesWriteTool.preview?.({ path: 'a.txt', content: 'hi', overwrite: false }, { grants: [grant] })).toEqual({ summary: 'Create a.txt (2 characters)', folder: grant });
  });
});
