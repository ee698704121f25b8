import { describe, expect, it } from 'vitest';
import { blendToward, decayToward, moodLabel } from './moodMath.js';

const baseline = { pleasure: 0.2, arousal: 0, dominance: 0.1 };

describe('mood math', () => {
  it('decays half of the distance to the baseline per half-life', () => {
    const m = decayToward({ pleasure: 1, arousal: -1, dominance: 0.1 }, baseline, 30 * 60_000, 30 * 60_000);
    expect(m.pleasure).toBeCloseTo(0.6);
    expect(m.arousal).toBeCloseTo(-0.5);
    expect(decayToward({ pleasure: 1, arousal: 1, dominance: 1 }, baseline, 1e12, 60_000)).toEqual(baseline);
  });
  it('moves part of the way toward an appraisal and stays in range', () => {
    const m = blendToward(baseline, { pleasure: -1, arousal: 1, dominance: -1 }, 0.5);
    expect(m.pleasure).toBeCloseTo(-0.4);
    expect(m.arousal).toBeCloseTo(0.5);
    expect(m.dominance).toBeCloseTo(-0.45);
  });
  it('names the octants in everyday words, mild moods as "a little", and the centre as steady', () => {
    expect(moodLabel({ pleasure: 0.05, arousal: 0, dominance: 0 })).toBe('steady');
    expect(moodLabel({ pleasure: 0.6, arousal: 0.5, dominance: 0.4 })).toBe('cheerful');
    expect(moodLabel({ pleasure: -0.6, arousal: 0.5, dominance: -0.4 })).toBe('worried');
    expect(moodLabel({ pleasure: 0.2, arousal: -0.1, dominance: 0.1 })).toBe('a little content');
    const words = new Set<string>();
    for (const p of [-0.7, 0.7]) for (const a of [-0.7, 0.7]) for (const d of [-0.7, 0.7]) words.add(moodLabel({ pleasure: p, arousal: a, dominance: d }));
    expect([...words].sort()).toEqual(['cheerful', 'content', 'down', 'eager', 'gentle', 'irritated', 'unimpressed', 'worried']);
  });
});
