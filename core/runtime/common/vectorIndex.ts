/**
 * Vectors for memory search at 100k+ items: each vector's sign bits are kept in memory (48 bytes for
 * 384 dims) and scanned by Hamming distance; the best candidates are then rescored with their float
 * vectors (read from the database) by cosine. A full float scan of 100k × 384 takes ~45 ms, sqlite-vec's
 * own bit-vector KNN ~18 ms; this scan takes ~2 ms (decision 0006).
 */

/** Sign bits of a vector, packed in 32-bit words. */
export function binaryCode(vector: ArrayLike<number>): Uint32Array {
  const code = new Uint32Array(Math.ceil(vector.length / 32));
  for (let i = 0; i < vector.length; i++) if ((vector[i] as number) > 0) code[i >>> 5] = (code[i >>> 5] as number) | (1 << (i & 31));
  return code;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

const popcount = (v: number): number => {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

export interface BinaryIndex {
  readonly dims: number;
  readonly size: number;
  add(id: number, vector: ArrayLike<number>): void;
  /** Adds a stored code (from `binaryCode`) without the float vector: how the index is loaded at start. */
  addCode(id: number, code: Uint32Array): void;
  remove(id: number): boolean;
  has(id: number): boolean;
  /** Up to `n` ids nearest to the query by Hamming distance over the sign bits, nearest first. */
  scan(query: ArrayLike<number>, n: number, accept?: (id: number) => boolean): number[];
  clear(): void;
}

export function createBinaryIndex(dims: number, initialCapacity = 1_024): BinaryIndex {
  const words = Math.ceil(dims / 32);
  let capacity = initialCapacity;
  let codes = new Uint32Array(capacity * words);
  let ids = new Float64Array(capacity);
  let size = 0;
  const slotOf = new Map<number, number>();

  const grow = (): void => {
    capacity *= 2;
    const nextCodes = new Uint32Array(capacity * words);
    nextCodes.set(codes);
    codes = nextCodes;
    const nextIds = new Float64Array(capacity);
    nextIds.set(ids);
    ids = nextIds;
  };

  return {
    dims,
    get size() {
      return size;
    },
    add(id, vector) {
      if (vector.length !== dims) throw new RangeError(`vector has ${vector.length} dims, the index ${dims}`);
      this.addCode(id, binaryCode(vector));
    },
    addCode(id, code) {
      if (code.length !== words) throw new RangeError(`code has ${code.length} words, the index ${words}`);
      let slot = slotOf.get(id);
      if (slot === undefined) {
        if (size === capacity) grow();
        slot = size++;
        slotOf.set(id, slot);
        ids[slot] = id;
      }
      codes.set(code, slot * words);
    },
    remove(id) {
      const slot = slotOf.get(id);
      if (slot === undefined) return false;
      const last = --size;
      if (slot !== last) {
        codes.copyWithin(slot * words, last * words, (last + 1) * words);
        const moved = ids[last] as number;
        ids[slot] = moved;
        slotOf.set(moved, slot);
      }
      slotOf.delete(id);
      return true;
    },
    has: (id) => slotOf.has(id),
    scan(query, n, accept) {
      if (size === 0 || n <= 0) return [];
      const q = binaryCode(query);
      const dist = new Uint16Array(size);
      // a histogram of distances finds the cut-off for the n nearest in O(size), with no sort
      const histogram = new Uint32Array(dims + 1);
      for (let s = 0; s < size; s++) {
        let d = 0;
        const base = s * words;
        for (let w = 0; w < words; w++) d += popcount(((codes[base + w] as number) ^ (q[w] as number)) >>> 0);
        dist[s] = d;
        histogram[d] = (histogram[d] as number) + 1;
      }
      const want = Math.min(n * (accept ? 4 : 1), size);
      let cut = 0;
      for (let seen = 0; cut <= dims; cut++) {
        seen += histogram[cut] as number;
        if (seen >= want) break;
      }
      const picked: Array<{ id: number; d: number }> = [];
      for (let s = 0; s < size; s++) {
        const d = dist[s] as number;
        if (d <= cut) picked.push({ id: ids[s] as number, d });
      }
      picked.sort((a, b) => a.d - b.d);
      const out: number[] = [];
      for (const p of picked) {
        if (accept && !accept(p.id)) continue;
        out.push(p.id);
        if (out.length >= n) break;
      }
      return out;
    },
    clear() {
      size = 0;
      slotOf.clear();
    },
  };
}

/** Float32 bytes of a vector, the layout sqlite-vec reads. */
export function vectorBytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values as ArrayLike<number>).buffer);
}

export function vectorFromBytes(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
