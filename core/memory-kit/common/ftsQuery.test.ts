import { describe, expect, it } from 'vitest';
import { queryTerms, termsToFts } from './ftsQuery.js';

describe('FTS5 queries from user text', () => {
  it('quotes words so that FTS5 syntax in user text is inert', () => {
    expect(termsToFts(queryTerms('Gardens AND "roses" OR NEAR(x*) col:val', { stopWords: false }))).toBe('"gardens" OR "and" OR "roses" OR "or" OR "near" OR "col" OR "val"');
    expect(termsToFts(queryTerms('  !!! '))).toBeNull();
    expect(termsToFts(queryTerms('café über'))).toBe('"café" OR "über"');
  });
  it('drops stop words unless nothing else is left', () => {
    expect(queryTerms('What did Alice say about the garden in 2023?', { stopWords: true })).toEqual(['alice', 'garden', '2023']);
    expect(queryTerms('what is it', { stopWords: true })).toEqual(['what', 'is', 'it']);
  });
});
