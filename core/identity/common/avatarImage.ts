import { PagiError } from '../../contracts/errors.js';

/** The twin's picture is shown, never run: raster formats only (an SVG could carry script). */
export const AVATAR_TYPES = { 'image/png': [0x89, 0x50, 0x4e, 0x47], 'image/jpeg': [0xff, 0xd8, 0xff], 'image/gif': [0x47, 0x49, 0x46, 0x38], 'image/webp': [0x52, 0x49, 0x46, 0x46] } as const;
export type AvatarType = keyof typeof AVATAR_TYPES;
/**
 * Big enough for a character card's portrait; the app makes a user's picture far smaller before
 * sending it. As base64 in a call it stays under the headless host's 2 MiB body limit.
 */
export const MAX_AVATAR_BYTES = 1_500_000;

const isAvatarType = (mime: string): mime is AvatarType => mime in AVATAR_TYPES;

/** The image's kind from its first bytes, or null when it is none of the kinds an avatar may be. */
export function sniffAvatarType(bytes: Uint8Array): AvatarType | null {
  for (const [mime, magic] of Object.entries(AVATAR_TYPES) as Array<[AvatarType, readonly number[]]>) {
    if (magic.every((b, i) => bytes[i] === b) && (mime !== 'image/webp' || String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP')) return mime;
  }
  return null;
}

/** A `data:` URL as the app sends it, checked whole: declared type, base64, size and the bytes' own kind must agree. */
export function parseAvatarDataUrl(url: string): { mime: AvatarType; bytes: Uint8Array } {
  const m = /^data:([a-z/+.-]+);base64,([A-Za-z0-9+/]*={0,2})$/.exec(url);
  if (!m) throw new PagiError('INVALID_INPUT', 'the picture did not arrive as an image; choose a PNG, JPEG, GIF or WebP file');
  const mime = m[1] as string;
  if (!isAvatarType(mime)) throw new PagiError('INVALID_INPUT', `a ${mime} file cannot be the twin's picture; choose a PNG, JPEG, GIF or WebP image`);
  if ((m[2] as string).length % 4 !== 0) throw new PagiError('INVALID_INPUT', 'the picture did not arrive whole (its base64 is cut short); choose the picture again');
  const bytes = fromBase64(m[2] as string);
  if (bytes.length === 0) throw new PagiError('INVALID_INPUT', 'the picture is empty; choose another image');
  if (bytes.length > MAX_AVATAR_BYTES) throw new PagiError('INVALID_INPUT', `the picture is ${(bytes.length / 1e6).toFixed(1)} MB; choose one of at most ${MAX_AVATAR_BYTES / 1e6} MB`);
  if (sniffAvatarType(bytes) !== mime) throw new PagiError('INVALID_INPUT', 'the picture is damaged or not the kind of image its name says; choose another image');
  return { mime, bytes };
}

export const avatarDataUrl = (mime: string, bytes: Uint8Array): string => `data:${mime};base64,${toBase64(bytes)}`;

// common/ runs anywhere (the renderer too): the web's base64, not Node's Buffer
function fromBase64(b64: string): Uint8Array {
  let raw: string;
  try {
    raw = atob(b64);
  } catch {
    throw new PagiError('INVALID_INPUT', 'the picture did not arrive as an image (its base64 does not read); choose the picture again');
  }
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}
function toBase64(bytes: Uint8Array): string {
  let raw = '';
  // in slices: one call with two million arguments would overflow the stack
  for (let i = 0; i < bytes.length; i += 0x8000) raw += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(raw);
}
