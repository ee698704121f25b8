import type { Pad } from '../../contracts/domain.js';

const clamp = (v: number): number => Math.max(-1, Math.min(1, v));
const AXES = ['pleasure', 'arousal', 'dominance'] as const;

/** Exponential decay toward the baseline: after one half-life, half of the distance is gone. */
export function decayToward(current: Pad, baseline: Pad, elapsedMs: number, halfLifeMs: number): Pad {
  const keep = elapsedMs <= 0 ? 1 : 0.5 ** (elapsedMs / halfLifeMs);
  const out = { ...current };
  for (const a of AXES) out[a] = clamp(baseline[a] + (current[a] - baseline[a]) * keep);
  return out;
}

/** Moves the mood part of the way toward what was just appraised: `sensitivity` is 1 − inertia. */
export function blendToward(current: Pad, target: Pad, sensitivity: number): Pad {
  const out = { ...current };
  for (const a of AXES) out[a] = clamp(current[a] + (target[a] - current[a]) * sensitivity);
  return out;
}

/**
 * The words a person would use for a point of the PAD space: the octants of Mehrabian's model
 * (exuberant, dependent, relaxed, docile, hostile, anxious, disdainful, bored) said as one says them
 * of a friend, "a little" when the mood is mild, "steady" near the centre.
 */
export function moodLabel(p: Pad): string {
  const mag = Math.hypot(p.pleasure, p.arousal, p.dominance);
  if (mag < 0.15) return 'steady';
  const P = p.pleasure >= 0, A = p.arousal >= 0, D = p.dominance >= 0;
  const word = P
    ? A ? (D ? 'cheerful' : 'eager') : (D ? 'content' : 'gentle')
    : A ? (D ? 'irritated' : 'worried') : (D ? 'unimpressed' : 'down');
  return mag < 0.35 ? `a little ${word}` : word;
}
