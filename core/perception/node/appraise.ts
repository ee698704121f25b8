import Sentiment from 'sentiment';
import type { Appraisal, Pad } from '../../contracts/domain.js';
import { detectPii, redact, type PiiPolicy } from '../common/pii.js';

const analyzer = new Sentiment();

const clamp = (v: number): number => Math.max(-1, Math.min(1, v));

/** Unicode-normalised, control characters removed (except newlines and tabs), trimmed. */
export function normalizeText(text: string): string {
  return text.normalize('NFC').replace(/[^\P{Cc}\n\t]/gu, '').trim();
}

/**
 * Pleasure from the AFINN lexicon score; arousal from intensity (strong words, exclamation marks,
 * shouting in capitals); dominance from assertive versus uncertain phrasing.
 */
export function padFromText(text: string, score: number, comparative: number, words: number): Pad {
  const exclaims = (text.match(/!/g) ?? []).length;
  const letters = text.replace(/[^A-Za-z]/g, '');
  const capsRatio = letters.length >= 8 ? letters.replace(/[^A-Z]/g, '').length / letters.length : 0;
  const questions = (text.match(/\?/g) ?? []).length;
  const hedges = (text.match(/\b(maybe|perhaps|i think|not sure|sorry|might|could you|please)\b/gi) ?? []).length;
  const assertive = (text.match(/\b(must|now|never|always|definitely|do it|stop)\b/gi) ?? []).length;
  const pleasure = clamp(Math.tanh(comparative * 1.5));
  // calm (-0.4) for neutral text, rising with intensity; an empty message carries no arousal
  const arousal = words === 0 ? 0 : -0.4 + 1.4 * Math.tanh(Math.abs(score) / 5 + exclaims * 0.3 + capsRatio * 1.5);
  const dominance = clamp(Math.tanh((assertive - hedges - questions * 0.5) * 0.4));
  return { pleasure, arousal: clamp(arousal), dominance };
}

export function appraiseText(raw: string, source: string, policy: PiiPolicy): Appraisal {
  const text = normalizeText(raw);
  const pii = detectPii(text);
  const red = redact(text, pii, policy);
  const s = analyzer.analyze(text);
  return {
    text: red.text,
    redacted: red.redacted,
    pii,
    sentiment: { score: s.score, comparative: s.comparative, positive: s.positive, negative: s.negative },
    pad: padFromText(text, s.score, s.comparative, s.tokens.length),
    untrusted: source !== 'user',
  };
}
