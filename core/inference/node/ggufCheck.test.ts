import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PagiError } from '../../contracts/errors.js';
import { sharedModel } from '../../test/testModel.js';
import { checkGguf } from './ggufCheck.js';

const dir = mkdtempSync(join(tmpdir(), 'pagi-gguf-'));
const file = (name: string, bytes: Buffer | string): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

/** A tiny GGUF: optional alignment KV and one F32 tensor of `elements` at `offset`, followed by `dataBytes` of data. */
function gguf(opts: { version?: number; alignment?: number; elements?: number; offset?: number; dataBytes?: number; tensorCount?: bigint; dims?: number }): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const u64 = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; };
  const str = (s: string): Buffer => Buffer.concat([u64(BigInt(Buffer.byteLength(s))), Buffer.from(s)]);
  parts.push(Buffer.from('GGUF'), u32(opts.version ?? 3), u64(opts.tensorCount ?? 1n), u64(opts.alignment !== undefined ? 1n : 0n));
  if (opts.alignment !== undefined) parts.push(str('general.alignment'), u32(4), u32(opts.alignment));
  const dims = opts.dims ?? 1;
  parts.push(str('t0'), u32(dims), ...Array.from({ length: dims }, () => u64(BigInt(opts.elements ?? 8))), u32(0), u64(BigInt(opts.offset ?? 0)));
  const header = Buffer.concat(parts);
  const align = opts.alignment && opts.alignment > 0 && (opts.alignment & (opts.alignment - 1)) === 0 ? opts.alignment : 32;
  const pad = Buffer.alloc((align - (header.length % align)) % align);
  return Buffer.concat([header, pad, Buffer.alloc(opts.dataBytes ?? 32)]);
}

const refusal = (path: string): PagiError => {
  try {
    checkGguf(path);
  } catch (err) {
    return err as PagiError;
  }
  throw new Error('expected a refusal');
};

describe('checkGguf', () => {
  it('accepts a well-formed file and reads its summary', () => {
    expect(checkGguf(file('ok.gguf', gguf({}))).tensorCount).toBe(1);
    const real = sharedModel('stories260K.gguf');
    if (!real) return console.log('skipping the real-model part: ../shared/models/stories260K.gguf is missing');
    expect(checkGguf(real)).toMatchObject({ architecture: 'llama', embeddingLength: 64, hasChatTemplate: false });
  });

  it.each([
    ['a text file', () => file('text.gguf', 'hello, I am not a model at all, just some text here')],
    ['an empty file', () => file('empty.gguf', '')],
    ['version 1', () => file('v1.gguf', gguf({ version: 1 }))],
    ['a version from the future', () => file('v9.gguf', gguf({ version: 9 }))],
    ['a tensor running past the end', () => file('short.gguf', gguf({ elements: 1024, dataBytes: 64 }))],
    ['a misaligned tensor offset', () => file('misaligned.gguf', gguf({ offset: 3 }))],
    ['an alignment that is not a power of two', () => file('align.gguf', gguf({ alignment: 48 }))],
    ['an absurd tensor count', () => file('count.gguf', gguf({ tensorCount: 1n << 40n }))],
    ['too many dimensions', () => file('dims.gguf', gguf({ dims: 7 }))],
  ])('refuses %s with INVALID_INPUT and a reason', (_name, make) => {
    const e = refusal(make());
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/is not a usable GGUF model: .+/);
  });

  it('refuses a truncated copy of a real model, naming the tensor that runs past the end', () => {
    const real = sharedModel('stories260K.gguf');
    if (!real) return console.log('skipping: ../shared/models/stories260K.gguf is missing');
    const bytes = readFileSync(real);
    const e = refusal(file('truncated.gguf', bytes.subarray(0, Math.floor(bytes.length / 2))));
    expect(e.message).toMatch(/tensor ".+" ends at byte \d+ but the file has \d+ bytes/);
  });

  it('reports a missing file as NOT_FOUND', () => {
    expect(refusal(join(dir, 'nope.gguf')).code).toBe('NOT_FOUND');
  });
});
