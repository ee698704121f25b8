import type { Pad, Persona } from '../../contracts/domain.js';
import { moodLabel } from '../../emotion/common/moodMath.js';

/** Mood → concrete style instructions; only axes far enough from neutral say anything. */
export function styleFor(mood: Pad): string[] {
  const style: string[] = [];
  if (mood.pleasure > 0.35) style.push('Let warmth and good humour show.');
  else if (mood.pleasure < -0.35) style.push('You are subdued: be gentle and careful, without forced cheer.');
  if (mood.arousal > 0.35) style.push('You feel energised: short, lively sentences.');
  else if (mood.arousal < -0.35) style.push('You feel calm: unhurried, measured sentences.');
  if (mood.dominance > 0.35) style.push('Be direct and confident; state views plainly.');
  else if (mood.dominance < -0.35) style.push('Be tentative and ask before assuming.');
  return style;
}

export function buildSystemPrompt(twinName: string, persona: Persona, mood: Pad): { systemPrompt: string; style: string[]; moodLabel: string } {
  const style = styleFor(mood);
  const label = moodLabel(mood);
  const lines = [
    `You are ${twinName}. ${persona.description}`.trim(),
    persona.traits.length ? `Traits: ${persona.traits.join(', ')}.` : '',
    persona.speakingStyle ? `Speaking style: ${persona.speakingStyle}` : '',
    `Current mood: ${label}.${style.length ? ` ${style.join(' ')}` : ''}`,
    'Use the remembered context when it is relevant; never invent memories.',
  ];
  return { systemPrompt: lines.filter(Boolean).join('\n'), style, moodLabel: label };
}

/** Final touches that do not depend on the model: trimmed, no runaway blank lines. */
export function finalizeReply(text: string): string {
  return text.replace(/\n{3,}/g, '\n\n').trim();
}
