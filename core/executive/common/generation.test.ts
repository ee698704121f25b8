import { describe, expect, it } from 'vitest';
import { GENERATION_DEFAULTS, generationChangeSchema, generationSettingsSchema, resolveGeneration, UNTIL_THE_MODEL_STOPS } from './generation.js';

describe('generation settings', () => {
  it('defaults: 1,024 tokens at temperature 0.7, every other sampler the model\'s own', () => {
    expect(GENERATION_DEFAULTS).toEqual({ maxTokens: 1_024, temperature: 0.7, topP: null, topK: null, minP: null, repeatPenalty: null });
    expect(resolveGeneration({}, GENERATION_DEFAULTS)).toEqual({ maxTokens: 1_024, temperature: 0.7 });
  });

  it('a turn\'s own value wins over the twin\'s; null means until the model stops, or the model\'s default', () => {
    const twin = generationSettingsSchema.parse({ topP: 0.9, topK: 40, maxTokens: null });
    expect(resolveGeneration({}, twin)).toEqual({ maxTokens: UNTIL_THE_MODEL_STOPS, temperature: 0.7, topP: 0.9, topK: 40 });
    expect(resolveGeneration({ maxTokens: 64, temperature: 0, topK: null, repeatPenalty: 1.2 }, twin)).toEqual({ maxTokens: 64, temperature: 0, topP: 0.9, repeatPenalty: 1.2 });
  });

  it('a change names what was wrong and fills in nothing it was not given', () => {
    expect(generationChangeSchema.parse({ temperature: 0.2 })).toEqual({ temperature: 0.2 });
    for (const [bad, message] of [[{ topP: 0 }, /topP is above 0/], [{ maxTokens: 5 }, /fewer than 16 tokens/], [{ temperature: 3 }, /./], [{ topK: 1.5 }, /./], [{ color: 'red' }, /./]] as const) {
      const r = generationChangeSchema.safeParse(bad);
      expect(r.success, JSON.stringify(bad)).toBe(false);
      expect(r.error?.issues.map((i) => i.message).join('; ')).toMatch(message);
    }
  });
});
