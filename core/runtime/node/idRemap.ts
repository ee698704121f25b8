import { createHmac } from 'node:crypto';

/** Every id the core makes is a UUIDv7 (`newId`); only whole values of that shape are ids. */
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export type IdRemap = (id: string) => string;

/**
 * A twin imported as a clone gets new ids everywhere, consistently across its databases, without a
 * shared table: each id maps to a UUIDv7 with the same timestamp (so time order holds) and random
 * bits from an HMAC of the old id under a per-import secret. Two imports of one bundle never share ids.
 */
export function createIdRemap(secret: Buffer): IdRemap {
  return (id) => {
    if (!UUID_V7.test(id)) return id;
    const mac = createHmac('sha256', secret).update(id).digest('hex');
    const hex = id.replaceAll('-', '').slice(0, 12) + '7' + mac.slice(0, 3) + ((parseInt(mac[3] as string, 16) & 0x3) | 0x8).toString(16) + mac.slice(4, 19);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  };
}

function remapJson(value: unknown, remap: IdRemap): unknown {
  if (typeof value === 'string') return remap(value);
  if (Array.isArray(value)) return value.map((v) => remapJson(v, remap));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [remap(k), remapJson(v, remap)]));
  }
  return value;
}

/**
 * Remaps one stored value: an id, or ids inside JSON (lists of source episodes, a change's before and
 * after). Free text is left alone, even if it quotes an id, since only whole values are ids.
 */
export function remapCell(value: unknown, remap: IdRemap): unknown {
  if (typeof value !== 'string' || value.length < 36) return value;
  if (UUID_V7.test(value)) return remap(value);
  const first = value[0];
  if (first !== '[' && first !== '{') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return value;
  }
  const out = JSON.stringify(remapJson(parsed, remap));
  return out === JSON.stringify(parsed) ? value : out;
}
