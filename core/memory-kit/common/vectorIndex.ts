/**
 * Vectors for memory search at 100k+ items: each vector's sign bits (48 bytes for 384 dims) and an
 * int8 copy (384 bytes + a scale) are kept in memory. A query scans the sign bits by Hamming distance,
 * then rescores the best few hundred by cosine on the int8 copies. A float scan of 100k × 384 takes
 * ~45 ms in sqlite-vec, its bit-vector KNN ~18 ms, reading 400 float vectors back ~2.5 ms; this takes
 * ~2 ms in all at 100k (decision 0006). The float32 originals stay in the database.
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

/** An int8 copy of a vector: 4 bytes of float32 scale, then one signed byte per dimension. */
export function quantizeInt8(vector: ArrayLike<number>): Uint8Array {
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i] as number));
  const out = new Uint8Array(4 + vector.length);
  const scale = max > 0 ? max / 127 : 1;
  new DataView(out.buffer).setFloat32(0, scale, true);
  const q = new Int8Array(out.buffer, 4);
  for (let i = 0; i < vector.length; i++) q[i] = Math.round((vector[i] as number) / scale);
  return out;
}

export interface BinaryIndex {
  readonly dims: number;
  readonly size: number;
  add(id: number, vector: ArrayLike<number>): void;
  /** Adds stored codes (`binaryCode`, `quantizeInt8`) without the float vector: how the index is loaded at start. */
  addCode(id: number, code: Uint32Array, q8: Uint8Array): void;
  /** Cosine of the query with an indexed vector (its int8 copy), or null when the id is not indexed. */
  cosine(query: ArrayLike<number>, id: number): number | null;
  /** The indexed vector (from its int8 copy), for diversity checks. */
  approximate(id: number): Float32Array | null;
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
  let q8s = new Int8Array(capacity * dims);
  let scales = new Float32Array(capacity);
  let ids = new Float64Array(capacity);
  let size = 0;
  const slotOf = new Map<number, number>();

  const grow = (): void => {
    capacity *= 2;
    const nextCodes = new Uint32Array(capacity * words);
    nextCodes.set(codes);
    codes = nextCodes;
    const nextQ8 = new Int8Array(capacity * dims);
    nextQ8.set(q8s);
    q8s = nextQ8;
    const nextScales = new Float32Array(capacity);
    nextScales.set(scales);
    scales = nextScales;
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
      this.addCode(id, binaryCode(vector), quantizeInt8(vector));
    },
    addCode(id, code, q8) {
      if (code.length !== words || q8.length !== dims + 4) throw new RangeError(`codes do not match the index's ${dims} dimensions`);
      let slot = slotOf.get(id);
      if (slot === undefined) {
        if (size === capacity) grow();
        slot = size++;
        slotOf.set(id, slot);
        ids[slot] = id;
      }
      codes.set(code, slot * words);
      scales[slot] = new DataView(q8.buffer, q8.byteOffset, 4).getFloat32(0, true);
      q8s.set(new Int8Array(q8.buffer, q8.byteOffset + 4, dims), slot * dims);
    },
    cosine(query, id) {
      const slot = slotOf.get(id);
      if (slot === undefined) return null;
      let dot = 0;
      let nq = 0;
      let nv = 0;
      const base = slot * dims;
      for (let i = 0; i < dims; i++) {
        const x = query[i] as number;
        const y = q8s[base + i] as number;
        dot += x * y;
        nq += x * x;
        nv += y * y;
      }
      return nq === 0 || nv === 0 ? 0 : dot / Math.sqrt(nq * nv);
    },
    approximate(id) {
      const slot = slotOf.get(id);
      if (slot === undefined) return null;
      const scale = scales[slot] as number;
      const out = new Float32Array(dims);
      const base = slot * dims;
      for (let i = 0; i < dims; i++) out[i] = (q8s[base + i] as number) * scale;
      return out;
    },
    remove(id) {
      const slot = slotOf.get(id);
      if (slot === undefined) return false;
      const last = --size;
      if (slot !== last) {
        codes.copyWithin(slot * words, last * words, (last + 1) * words);
        q8s.copyWithin(slot * dims, last * dims, (last + 1) * dims);
        scales[slot] = scales[last] as number;
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
