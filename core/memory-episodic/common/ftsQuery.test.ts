import { describe, expect, it } from 'vitest';
import { toFtsQuery } from './ftsQuery.js';

describe('toFtsQuery', () => {
  it('quotes words so that FTS5 syntax in user text is inert', () => {
    expect(toFtsQuery('Gardens AND "roses" OR NEAR(x*) col:val')).toBe('"gardens" OR "and" OR "roses" OR "or" OR "near" OR "x" OR "col" OR "val"');
    expect(toFtsQuery('  !!! ')).toBeNull();
    expect(toFtsQuery('café über')).toBe('"café" OR "über"');
  });
});
