import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from './address';

describe('the address bar holds the page and the conversation', () => {
  it('round-trips every page, and a conversation on the chat page', () => {
    for (const page of ['chat', 'memory', 'emotion', 'models', 'status', 'settings'] as const) {
      expect(parseAddress(formatAddress(page, null))).toEqual({ page, sessionId: null });
    }
    const id = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    expect(formatAddress('chat', id)).toBe(`#/chat/${id}`);
    expect(parseAddress(`#/chat/${id}`)).toEqual({ page: 'chat', sessionId: id });
    expect(formatAddress('memory', id)).toBe('#/memory');
    expect(parseAddress(formatAddress('chat', 'a b/c'))).toEqual({ page: 'chat', sessionId: 'a b/c' });
  });

  it('an address that is not one of ours is ignored, never thrown on', () => {
    for (const hash of ['', '#', '#token=abc', '#/nowhere', '#/chat/a/b', '#/CHAT', `#/chat/${'x'.repeat(201)}`, '#/chat/%E0%A4%A', '#/../settings']) {
      const parsed = parseAddress(hash);
      expect(parsed === null || parsed.sessionId === null, hash).toBe(true);
    }
    expect(parseAddress('#/chat/%E0%A4%A')).toEqual({ page: 'chat', sessionId: null });
  });
});
