import { describe, expect, it } from 'vitest';
import { queryTerms, toFtsQuery } from './ftsQuery.js';

describe('toFtsQuery', () => {
  it('quotes words so that FTS5 syntax in user text is inert', () => {
    expect(toFtsQuery('Gardens AND "roses" OR NEAR(x*) col:val')).toBe('"gardens" OR "and" OR "roses" OR "or" OR "near" OR "col" OR "val"');
    expect(toFtsQuery('  !!! ')).toBeNull();
    expect(toFtsQuery('café über')).toBe('"café" OR "über"');
  });
  it('drops stop words unless nothing else is left', () => {
    expect(queryTerms('What did Alice say about the garden in 2023?', { stopWords: true })).toEqual(['alice', 'garden', '2023']);
    expect(queryTerms('what is it', { stopWords: true })).toEqual(['what', 'is', 'it']);
  });
});
