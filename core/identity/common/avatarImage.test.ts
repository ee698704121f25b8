import { describe, expect, it } from 'vitest';
import { avatarDataUrl, MAX_AVATAR_BYTES, parseAvatarDataUrl, sniffAvatarType } from './avatarImage.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const url = (mime: string, bytes: Buffer): string => `data:${mime};base64,${bytes.toString('base64')}`;

describe('the twin\'s picture', () => {
  it('takes PNG, JPEG, GIF and WebP whose bytes are what they claim', () => {
    expect(parseAvatarDataUrl(url('image/png', PNG)).mime).toBe('image/png');
    expect(parseAvatarDataUrl(url('image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1]))).mime).toBe('image/jpeg');
    expect(parseAvatarDataUrl(url('image/gif', Buffer.from('GIF89a...'))).mime).toBe('image/gif');
    expect(sniffAvatarType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffAvatarType(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
  });

  it('reads and writes the same bytes back, a large picture too', () => {
    const big = Buffer.concat([PNG, Buffer.from(Array.from({ length: 1_400_000 }, (_, i) => i % 251))]);
    const parsed = parseAvatarDataUrl(url('image/png', big));
    expect(Buffer.from(parsed.bytes).equals(big)).toBe(true);
    expect(avatarDataUrl(parsed.mime, parsed.bytes)).toBe(url('image/png', big));
  });

  it.each([
    ['an SVG (it could run script)', url('image/svg+xml', Buffer.from('<svg onload="alert(1)"/>')), /image\/svg\+xml file cannot be/],
    ['a PNG that is really HTML', url('image/png', Buffer.from('<html><script>x</script>')), /damaged or not the kind/],
    ['a JPEG label on PNG bytes', url('image/jpeg', PNG), /damaged or not the kind/],
    ['nothing at all', 'data:image/png;base64,', /empty/],
    ['not a data URL', 'https://example.com/a.png', /did not arrive as an image/],
    ['broken base64', 'data:image/png;base64,@@@', /did not arrive as an image/],
    ['a file path', '/home/me/a.png', /did not arrive as an image/],
    ['a picture over the limit', url('image/png', Buffer.concat([PNG, Buffer.alloc(MAX_AVATAR_BYTES)])), /MB; choose one of at most 1.5 MB/],
    ['base64 cut short', 'data:image/png;base64,A', /cut short/],
    ['base64 with bad padding', 'data:image/png;base64,AAAAA===', /did not arrive/],
  ])('refuses %s, saying what to do', (_what, input, why) => {
    expect(() => parseAvatarDataUrl(input)).toThrow(why);
  });
});
