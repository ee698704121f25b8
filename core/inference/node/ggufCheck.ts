import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { GgufFileType } from 'node-llama-cpp';
import { PagiError } from '../../contracts/errors.js';

/** ggml tensor types: [elements per block, bytes per block]. */
const GGML_TYPES: Record<number, [number, number]> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17],
};

const LIMITS = { tensors: 1_000_000, kvs: 100_000, stringBytes: 64 * 1024 * 1024, arrayItems: 50_000_000, dims: 4, headerBytes: 512 * 1024 * 1024 };

export interface GgufSummary {
  version: number;
  tensorCount: number;
  kvCount: number;
  architecture: string | null;
  name: string | null;
  contextLength: number | null;
  embeddingLength: number | null;
  hasChatTemplate: boolean;
  /** Total weights, summed over the tensors. */
  parameters: number;
  /** The file's quantization (`general.file_type`), e.g. Q4_K_M. */
  quantization: string | null;
  alignment: number;
  fileBytes: number;
}

function quantizationName(fileType: number | null): string | null {
  if (fileType === null) return null;
  const name = (GgufFileType as unknown as Record<number, string | undefined>)[fileType];
  return name ? name.replace(/^MOSTLY_/, '').replace(/^ALL_/, '') : `type ${fileType}`;
}

const refuse = (path: string, why: string): PagiError =>
  new PagiError('INVALID_INPUT', `${path} is not a usable GGUF model: ${why}`, { path, reason: why });

/** Reads a file sequentially through a fixed window, never past its end and never more than the header limit. */
class Reader {
  private buf = Buffer.alloc(1 << 20);
  private bufStart = 0;
  private bufLen = 0;
  pos = 0;
  constructor(private readonly fd: number, readonly size: number, private readonly path: string) {}

  private ensure(n: number): void {
    if (this.pos + n > this.size) throw refuse(this.path, `the file ends at byte ${this.size} inside the header (truncated?)`);
    if (this.pos + n > LIMITS.headerBytes) throw refuse(this.path, 'the header is larger than any real model needs');
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.bufLen) return;
    if (n > this.buf.length) this.buf = Buffer.alloc(n);
    this.bufStart = this.pos;
    this.bufLen = readSync(this.fd, this.buf, 0, this.buf.length, this.pos);
    if (this.bufLen < n) throw refuse(this.path, 'short read inside the header');
  }
  private at(n: number): number {
    this.ensure(n);
    const off = this.pos - this.bufStart;
    this.pos += n;
    return off;
  }
  u8(): number { return this.buf.readUInt8(this.at(1)); }
  u32(): number { return this.buf.readUInt32LE(this.at(4)); }
  u64(): bigint { return this.buf.readBigUInt64LE(this.at(8)); }
  skip(n: number): void { this.ensure(0); if (this.pos + n > this.size) throw refuse(this.path, 'a value runs past the end of the file'); this.pos += n; }
  string(limit = LIMITS.stringBytes): string {
    const len = this.u64();
    if (len > BigInt(limit)) throw refuse(this.path, `a string of ${len} bytes is over the limit`);
    const n = Number(len);
    if (n > this.buf.length) {
      this.skip(n);
      return '';
    }
    const off = this.at(n);
    return this.buf.toString('utf8', off, off + n);
  }
}

const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

function readValue(r: Reader, type: number, path: string, depth = 0): unknown {
  if (type === 8) return r.string();
  if (type === 9) {
    if (depth > 2) throw refuse(path, 'arrays nested too deeply');
    const itemType = r.u32();
    const count = r.u64();
    if (count > BigInt(LIMITS.arrayItems)) throw refuse(path, `an array of ${count} items is over the limit`);
    const scalar = SCALAR_BYTES[itemType];
    if (scalar !== undefined) {
      r.skip(scalar * Number(count));
    } else {
      for (let i = 0; i < Number(count); i++) readValue(r, itemType, path, depth + 1);
    }
    return null;
  }
  switch (type) {
    case 0: case 1: case 7: return r.u8();
    case 2: case 3: r.skip(2); return null;
    case 4: case 5: return r.u32();
    case 6: r.skip(4); return null;
    case 10: case 11: return Number(r.u64());
    case 12: r.skip(8); return null;
    default: throw refuse(path, `unknown metadata value type ${type}`);
  }
}

/**
 * A bounded structural check of a GGUF file, done before any native code sees it: magic, version,
 * sane counts, every tensor's data inside the file, alignment a power of two. A file that fails is
 * refused with the reason; the native loader (which may abort the process on bad input) never runs.
 */
export function checkGguf(path: string): GgufSummary {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new PagiError('NOT_FOUND', `cannot open model file ${path}: ${(err as Error).message}`, { path });
  }
  try {
    const size = fstatSync(fd).size;
    const r = new Reader(fd, size, path);
    if (size < 24) throw refuse(path, `the file is only ${size} bytes`);
    const magic = Buffer.from([r.u8(), r.u8(), r.u8(), r.u8()]).toString('latin1');
    if (magic !== 'GGUF') throw refuse(path, `it does not start with the GGUF magic (found ${JSON.stringify(magic)})`);
    const version = r.u32();
    if (version < 2 || version > 3) throw refuse(path, `GGUF version ${version} is not supported (2 and 3 are)`);
    const tensorCount = r.u64();
    const kvCount = r.u64();
    if (tensorCount > BigInt(LIMITS.tensors)) throw refuse(path, `${tensorCount} tensors is over the limit`);
    if (kvCount > BigInt(LIMITS.kvs)) throw refuse(path, `${kvCount} metadata entries is over the limit`);

    const meta = new Map<string, unknown>();
    for (let i = 0; i < Number(kvCount); i++) {
      const key = r.string(64 * 1024);
      const type = r.u32();
      meta.set(key, key === 'tokenizer.chat_template' ? (readValue(r, type, path), true) : readValue(r, type, path));
    }
    const alignment = typeof meta.get('general.alignment') === 'number' ? (meta.get('general.alignment') as number) : 32;
    if (alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw refuse(path, `alignment ${alignment} is not a power of two`);

    const tensors: Array<{ name: string; bytes: bigint | null; offset: bigint }> = [];
    let parameters = 0n;
    for (let i = 0; i < Number(tensorCount); i++) {
      const name = r.string(64 * 1024);
      const nDims = r.u32();
      if (nDims < 1 || nDims > LIMITS.dims) throw refuse(path, `tensor "${name}" has ${nDims} dimensions`);
      let elements = 1n;
      for (let d = 0; d < nDims; d++) {
        const dim = r.u64();
        if (dim === 0n || dim > 1n << 40n) throw refuse(path, `tensor "${name}" has a dimension of ${dim}`);
        elements *= dim;
      }
      parameters += elements;
      const type = r.u32();
      const offset = r.u64();
      const t = GGML_TYPES[type];
      const bytes = t ? (elements / BigInt(t[0])) * BigInt(t[1]) : null;
      if (offset % BigInt(alignment) !== 0n) throw refuse(path, `tensor "${name}" is not aligned to ${alignment} bytes`);
      tensors.push({ name, bytes, offset });
    }
    const dataStart = BigInt(Math.ceil(r.pos / alignment) * alignment);
    for (const t of tensors) {
      const end = dataStart + t.offset + (t.bytes ?? 1n);
      if (end > BigInt(size)) {
        throw refuse(path, `tensor "${t.name}" ends at byte ${end} but the file has ${size} bytes (truncated or corrupt)`);
      }
    }
    const arch = typeof meta.get('general.architecture') === 'string' ? (meta.get('general.architecture') as string) : null;
    const num = (k: string): number | null => (typeof meta.get(k) === 'number' ? (meta.get(k) as number) : null);
    return {
      version,
      tensorCount: Number(tensorCount),
      kvCount: Number(kvCount),
      architecture: arch,
      name: typeof meta.get('general.name') === 'string' ? (meta.get('general.name') as string) : null,
      contextLength: arch ? num(`${arch}.context_length`) : null,
      embeddingLength: arch ? num(`${arch}.embedding_length`) : null,
      hasChatTemplate: meta.get('tokenizer.chat_template') === true,
      parameters: Number(parameters),
      quantization: quantizationName(num('general.file_type')),
      alignment,
      fileBytes: size,
    };
  } finally {
    closeSync(fd);
  }
}
