import { crc32 } from 'node:zlib';

/** One PNG chunk: length, type, data and its CRC. */
export const pngChunk = (type: string, data: Buffer): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
};
const ihdr = (): Buffer => { const b = Buffer.alloc(13); b.writeUInt32BE(1, 0); b.writeUInt32BE(1, 4); b[8] = 8; b[9] = 6; return b; };
/** A PNG with the given text chunks (each CRC made right): how SillyTavern stores a card. */
export function png(text: Record<string, string>): Buffer {
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr()),
    ...Object.entries(text).map(([k, v]) => pngChunk('tEXt', Buffer.concat([Buffer.from(k, 'latin1'), Buffer.from([0]), Buffer.from(v, 'latin1')]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A V2 card with macros, tags, an example and a lorebook (one entry disabled). */
export const v2 = {
  spec: 'chara_card_v2', spec_version: '2.0',
  data: {
    name: 'Captain Mira', description: '{{char}} commands an airship and teaches {{user}} to navigate.', personality: 'brave, dry humour', scenario: 'Above the clouds.',
    first_mes: 'Welcome aboard, {{user}}.', alternate_greetings: ['{{char}} looks up from the charts. "You again?"'], mes_example: '<START>\n{{char}}: Hold the wheel steady.', tags: ['adventure', 'mentor'],
    character_book: { entries: [
      { keys: ['airship', 'Skylark'], content: 'The airship is called the Skylark.', enabled: true },
      { keys: ['secret'], content: 'A disabled entry.', enabled: false },
      { keys: ['home'], content: '{{char}} was born in Port Avel.' },
    ] },
  },
};

