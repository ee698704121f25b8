import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';

/**
 * SillyTavern character cards: V2 (`chara` text chunk in a PNG, or JSON), V3 (`ccv3` chunk, JSON, or
 * a CHARX zip with `card.json`), and the older V1 JSON. Everything is untrusted: sizes are bounded,
 * every PNG chunk's CRC is checked, base64 and JSON are validated, and a CHARX zip is read for its
 * `card.json` only.
 */

const MAX_FILE = 50 << 20;
const MAX_CARD_JSON = 4 << 20;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const text = (max: number) => z.string().max(max).optional().default('');
const bookEntrySchema = z.object({
  keys: z.array(z.string().max(500)).max(200).optional().default([]),
  content: z.string().max(100_000),
  enabled: z.boolean().optional().default(true),
  name: z.string().max(500).optional(),
  comment: z.string().max(2_000).optional(),
}).loose();
const cardDataSchema = z.object({
  name: z.string().trim().min(1, 'the card has no name').max(200),
  description: text(100_000),
  personality: text(20_000),
  scenario: text(20_000),
  first_mes: text(20_000),
  alternate_greetings: z.array(z.string().max(20_000)).max(200).optional().default([]),
  mes_example: text(50_000),
  system_prompt: text(20_000),
  tags: z.array(z.string().max(100)).max(200).optional().default([]),
  creator: text(500),
  character_book: z.object({ name: z.string().max(500).optional(), entries: z.array(bookEntrySchema).max(5_000) }).loose().nullable().optional(),
}).loose();
const specCardSchema = z.object({ spec: z.enum(['chara_card_v2', 'chara_card_v3'], { message: 'spec must be chara_card_v2 or chara_card_v3' }), spec_version: z.string().max(20), data: cardDataSchema }).loose();
// V1 cards have no `spec`: their fields are at the top level
const cardSchema = z.preprocess(
  (raw) => (raw && typeof raw === 'object' && !Array.isArray(raw) && !('spec' in raw) ? { spec: 'chara_card_v1', spec_version: '1.0', data: raw } : raw),
  z.discriminatedUnion('spec', [specCardSchema, z.object({ spec: z.literal('chara_card_v1'), spec_version: z.string(), data: cardDataSchema })]),
);
export type CharacterCard = { spec: 'chara_card_v1' | 'chara_card_v2' | 'chara_card_v3'; spec_version: string; data: z.infer<typeof cardDataSchema> };

const bad = (file: string, why: string): PagiError => new PagiError('INVALID_INPUT', `${file} is not a character card PAGI can read: ${why}`);

/** The text chunks of a PNG, each CRC-checked; stops at IEND. */
function pngTextChunks(file: string, png: Buffer): Map<string, string> {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw bad(file, 'it is not a PNG image');
  const chunks = new Map<string, string>();
  let at = 8;
  for (;;) {
    if (at + 12 > png.length) throw bad(file, 'the PNG is cut short (no IEND chunk)');
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw bad(file, `the PNG has a broken chunk at byte ${at}`);
    if (at + 12 + length > png.length) throw bad(file, `the PNG's ${type} chunk runs past the end of the file`);
    const body = png.subarray(at + 8, at + 8 + length);
    if (crc32(png.subarray(at + 4, at + 8 + length)) !== png.readUInt32BE(at + 8 + length)) throw bad(file, `the PNG's ${type} chunk fails its CRC (the image is damaged)`);
    if (type === 'tEXt') {
      const nul = body.indexOf(0);
      if (nul > 0 && nul < 80) chunks.set(body.toString('latin1', 0, nul).toLowerCase(), body.toString('latin1', nul + 1));
    }
    if (type === 'IEND') return chunks;
    at += 12 + length;
  }
}

/**
 * A PNG card's picture without its text chunks (the card's data is most of a card file's size), or
 * null for other kinds of card and for a PNG that does not read.
 */
export function cardPortrait(file: string): Buffer | null {
  if (extname(file).toLowerCase() !== '.png') return null;
  try {
    const png = readFileSync(file);
    if (png.length > MAX_FILE || !png.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
    const kept: Buffer[] = [PNG_SIGNATURE];
    for (let at = 8; at + 12 <= png.length; ) {
      const length = png.readUInt32BE(at);
      const type = png.toString('latin1', at + 4, at + 8);
      if (at + 12 + length > png.length) return null;
      if (type !== 'tEXt' && type !== 'iTXt' && type !== 'zTXt') kept.push(png.subarray(at, at + 12 + length));
      if (type === 'IEND') return Buffer.concat(kept);
      at += 12 + length;
    }
    return null;
  } catch {
    return null;
  }
}

function decodeBase64Json(file: string, label: string, b64: string): unknown {
  const clean = b64.trim();
  if (clean.length > MAX_CARD_JSON * 1.4) throw bad(file, `its ${label} chunk is larger than a card can be`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) throw bad(file, `its ${label} chunk is not valid base64`);
  return parseJson(file, Buffer.from(clean, 'base64').toString('utf8'), `its ${label} chunk`);
}

function parseJson(file: string, json: string, where: string): unknown {
  try {
    return JSON.parse(json);
  } catch (err) {
    throw bad(file, `${where} is not valid JSON (${(err as Error).message})`);
  }
}

function charxCardJson(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(bad(file, `the CHARX archive cannot be read (${err?.message ?? 'unknown'})`));
      if (zip.entryCount > 10_000) {
        zip.close();
        return reject(bad(file, 'the CHARX archive has too many entries'));
      }
      let found = false;
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== 'card.json') return zip.readEntry();
        found = true;
        if (entry.uncompressedSize > MAX_CARD_JSON) {
          zip.close();
          return reject(bad(file, 'its card.json is larger than a card can be'));
        }
        zip.openReadStream(entry, (e2, stream) => {
          if (e2 || !stream) return reject(bad(file, `its card.json cannot be read (${e2?.message ?? 'unknown'})`));
          const parts: Buffer[] = [];
          stream.on('data', (b: Buffer) => parts.push(b));
          stream.on('error', (e3) => reject(bad(file, `its card.json is damaged (${e3.message})`)));
          stream.on('end', () => {
            zip.close();
            resolve(Buffer.concat(parts).toString('utf8'));
          });
        });
      });
      zip.on('end', () => {
        if (!found) reject(bad(file, 'the CHARX archive has no card.json'));
      });
      zip.on('error', (e: Error) => reject(bad(file, `the CHARX archive is damaged (${e.message})`)));
      zip.readEntry();
    });
  });
}

/** Reads a card from a .png, .json or .charx file. */
export async function readCharacterCard(file: string): Promise<CharacterCard> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new PagiError('INVALID_INPUT', `there is no file at ${file}`);
  }
  if (size > MAX_FILE) throw bad(file, `it is ${size} bytes, more than a card can be (${MAX_FILE})`);
  const ext = extname(file).toLowerCase();
  let raw: unknown;
  if (ext === '.png') {
    const chunks = pngTextChunks(file, readFileSync(file));
    const v3 = chunks.get('ccv3');
    const v2 = chunks.get('chara');
    if (!v3 && !v2) throw bad(file, 'the image holds no character data (no "chara" or "ccv3" text chunk)');
    raw = v3 ? decodeBase64Json(file, 'ccv3', v3) : decodeBase64Json(file, 'chara', v2 as string);
  } else if (ext === '.json') {
    raw = parseJson(file, readFileSync(file, 'utf8'), 'the file');
  } else if (ext === '.charx') {
    raw = parseJson(file, await charxCardJson(file), 'its card.json');
  } else {
    throw bad(file, 'use a .png, .json or .charx card');
  }
  const parsed = cardSchema.safeParse(raw);
  if (!parsed.success) throw PagiError.invalidInput(parsed.error, `character card ${file}`);
  return parsed.data as CharacterCard;
}
