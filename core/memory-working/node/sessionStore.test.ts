import { describe, expect, it } from 'vitest';
import { createSessionStore } from './sessionStore.js';

const turn = (id: string, text: string, tokens: number) => ({ id, role: 'assistant' as const, text, tokens, at: '2026-01-01T00:00:00.000Z' });

describe('working memory sessions', () => {
  it('an id already held is replaced in place (a continued reply), never held twice', () => {
    const store = createSessionStore({ maxTokens: 100, ttlMs: 60_000 });
    store.append('s1', turn('a', 'Hello', 2));
    store.append('s1', turn('b', 'Once upon', 3));
    store.append('s1', turn('b', 'Once upon a time', 5));
    const recent = store.recent('s1');
    expect(recent.turns.map((t) => t.text)).toEqual(['Hello', 'Once upon a time']);
    expect(recent.tokens).toBe(7);
  });

  it('a replaced turn that grows past the bound evicts the oldest', () => {
    const store = createSessionStore({ maxTokens: 10, ttlMs: 60_000 });
    store.append('s1', turn('a', 'one', 4));
    store.append('s1', turn('b', 'two', 4));
    expect(store.append('s1', turn('b', 'two, longer', 8)).evicted).toBe(1);
    expect(store.recent('s1').turns.map((t) => t.id)).toEqual(['b']);
  });
});
