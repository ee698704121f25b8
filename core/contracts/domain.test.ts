import { describe, expect, it } from 'vitest';
import { twinNameSchema } from './domain.js';

describe('a twin\'s name', () => {
  it('may be any script, trimmed', () => {
    expect(twinNameSchema.parse('  Ada  ')).toBe('Ada');
    expect(twinNameSchema.parse('ミラ船長')).toBe('ミラ船長');
    expect(twinNameSchema.parse('Zoë 🌿')).toBe('Zoë 🌿');
  });

  it.each([
    ['a NUL', 'a\u0000b'], ['an escape sequence', 'a\u001b[2J'], ['a C1 control', 'a\u009bb'],
    ['a right-to-left override', 'Ada\u202Eexe.txt'], ['a direction isolate', 'Ada\u2066x'], ['nothing', '   '], ['too much', 'x'.repeat(121)],
  ])('refuses %s', (_what, name) => {
    expect(twinNameSchema.safeParse(name).success).toBe(false);
  });
});
