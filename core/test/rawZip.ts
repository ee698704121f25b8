import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A zip writer that does what it is told, for crafting hostile bundles: any name, any declared size,
 * any file mode, entries that share data. (yazl, used by the app, refuses to write such archives.)
 */
export interface RawEntry {
  name: string;
  data: Buffer;
  deflate?: boolean;
  /** Lie about the inflated size in both headers. */
  declaredSize?: number;
  /** Unix mode in the external attributes (e.g. 0o120777 for a symlink). */
  mode?: number;
  /** Point the central record at another entry's local header (index), like a hard link. */
  sameDataAs?: number;
}

export function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  const stored: Array<{ body: Buffer; crc: number; size: number; method: number }> = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.deflate === false ? 0 : 8;
    const body = method === 8 ? deflateRawSync(e.data) : e.data;
    const crc = crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    stored.push({ body, crc, size, method });
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    offsets.push(offset);
    locals.push(local, name, body);
    offset += local.length + name.length + body.length;
  }
  entries.forEach((e, i) => {
    const name = Buffer.from(e.name, 'utf8');
    const s = stored[e.sameDataAs ?? i] as (typeof stored)[number];
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made on Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(s.method, 10);
    central.writeUInt32LE(s.crc, 16);
    central.writeUInt32LE(s.body.length, 20);
    central.writeUInt32LE(s.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offsets[e.sameDataAs ?? i] as number, 42);
    centrals.push(central, name);
  });
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
