import { describe, expect, it } from 'vitest';
import { detectPii, luhnValid, redact } from './pii.js';

const kinds = (text: string): string[] => detectPii(text).map((m) => `${m.kind}:${text.slice(m.start, m.end)}`);

describe('PII detection', () => {
  it('finds emails and phone numbers in several formats', () => {
    expect(kinds('mail ada.lovelace+notes@example.co.uk now')).toEqual(['email:ada.lovelace+notes@example.co.uk']);
    expect(kinds('call +44 20 7946 0958 or (555) 123-4567')).toEqual(['phone:+44 20 7946 0958', 'phone:(555) 123-4567']);
  });

  it('accepts card numbers only when the Luhn check passes', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(kinds('card 4111 1111 1111 1111 ok')).toEqual(['card:4111 1111 1111 1111']);
    expect(kinds('order 4111 1111 1111 1112 ok').filter((k) => k.startsWith('card'))).toEqual([]);
  });

  it('finds API-key-like secrets by prefix and by entropy, but not ordinary long words or ids', () => {
    expect(kinds('key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234')).toEqual(['secret:sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234']);
    expect(kinds('token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB')).toHaveLength(1);
    expect(kinds('aws AKIAIOSFODNN7EXAMPLE here')).toEqual(['secret:AKIAIOSFODNN7EXAMPLE']);
    expect(kinds('random Zx8Qp2LmN4vB7tR1yW9cK3hJ6fD5sA0gE')).toHaveLength(1);
    expect(kinds('supercalifragilisticexpialidociousness is a word')).toEqual([]);
  });

  it('redacts what the policy says and keeps the rest', () => {
    const text = 'me@example.com paid with 4111111111111111';
    const out = redact(text, detectPii(text), { email: 'keep', phone: 'keep', card: 'redact', secret: 'redact' });
    expect(out).toEqual({ text: 'me@example.com paid with [card number]', redacted: true });
  });
});
