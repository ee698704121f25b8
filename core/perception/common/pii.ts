import type { PiiKind } from '../../contracts/domain.js';

export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// international or national numbers with optional separators; 7–15 digits in total (E.164 allows 15)
const PHONE = /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}(?![\w])/g;
const CARD = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/g;
const KNOWN_SECRETS = [
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b/g, // OpenAI / Anthropic style
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, // GitHub
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g, // Slack
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API key
  /\bpagi_[A-Za-z0-9_-]{32}\b/g, // our own API keys
  /-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----/g,
];
const LONG_TOKEN = /\b[A-Za-z0-9_\-+/]{32,}={0,2}/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

/** Bits of entropy per character: random keys are high, words and ids with structure are low. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function looksLikeSecret(token: string): boolean {
  if (/^\d+$/.test(token) || /^[a-z]+$/i.test(token)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/].filter((r) => r.test(token)).length;
  return classes >= 2 && entropy(token) >= 4;
}

/** Finds emails, phone numbers, card numbers (Luhn-checked) and API-key-like secrets; overlaps keep the first, most specific kind. */
export function detectPii(text: string): PiiMatch[] {
  const found: PiiMatch[] = [];
  const add = (kind: PiiKind, start: number, end: number): void => {
    if (found.some((m) => start < m.end && end > m.start)) return;
    found.push({ kind, start, end });
  };
  for (const re of KNOWN_SECRETS) for (const m of text.matchAll(re)) add('secret', m.index, m.index + m[0].length);
  for (const m of text.matchAll(EMAIL)) add('email', m.index, m.index + m[0].length);
  for (const m of text.matchAll(CARD)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) add('card', m.index, m.index + m[0].length);
  }
  for (const m of text.matchAll(LONG_TOKEN)) if (looksLikeSecret(m[0])) add('secret', m.index, m.index + m[0].length);
  for (const m of text.matchAll(PHONE)) {
    const digits = m[0].replace(/\D/g, '');
    const hasSeparatorOrPlus = /[\s().+-]/.test(m[0]);
    if (digits.length >= 7 && digits.length <= 15 && (hasSeparatorOrPlus || digits.length >= 10)) add('phone', m.index, m.index + m[0].length);
  }
  return found.sort((a, b) => a.start - b.start);
}

export type PiiPolicy = Record<PiiKind, 'keep' | 'redact'>;

const LABELS: Record<PiiKind, string> = { email: '[email]', phone: '[phone]', card: '[card number]', secret: '[secret]' };

/** Replaces the matches the policy says to redact; returns the new text and whether anything changed. */
export function redact(text: string, matches: PiiMatch[], policy: PiiPolicy): { text: string; redacted: boolean } {
  let out = '';
  let at = 0;
  let redacted = false;
  for (const m of matches) {
    if (policy[m.kind] !== 'redact') continue;
    out += text.slice(at, m.start) + LABELS[m.kind];
    at = m.end;
    redacted = true;
  }
  return { text: out + text.slice(at), redacted };
}
