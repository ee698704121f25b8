import { z } from 'zod';

/**
 * How the twin writes its replies, as the user sets it (Settings → Generation, the twin's defaults;
 * a turn may override any of them). null means "the model's own default" — and for maxTokens,
 * "until the model stops" (bounded by the inference limit of 32,768 tokens and the reply timeout).
 */
export const generationFields = {
  maxTokens: z.number().int().min(16, 'a reply of fewer than 16 tokens is cut mid-sentence').max(32_768).nullable(),
  temperature: z.number().min(0).max(2),
  topP: z.number().gt(0, 'topP is above 0 (1 keeps every token)').max(1).nullable(),
  topK: z.number().int().min(0).max(1_000).nullable(),
  minP: z.number().min(0).max(1).nullable(),
  repeatPenalty: z.number().min(1).max(2).nullable(),
};
export const generationSettingsSchema = z.object({
  maxTokens: generationFields.maxTokens.default(1_024),
  temperature: generationFields.temperature.default(0.7),
  topP: generationFields.topP.default(null),
  topK: generationFields.topK.default(null),
  minP: generationFields.minP.default(null),
  repeatPenalty: generationFields.repeatPenalty.default(null),
});
/** A change to some of the settings: only the keys given (no defaults filled in). */
export const generationChangeSchema = z.object(generationFields).partial().strict();
export type GenerationSettings = z.infer<typeof generationSettingsSchema>;
export const GENERATION_DEFAULTS: GenerationSettings = generationSettingsSchema.parse({});
export const GENERATION_KEYS = Object.keys(generationSettingsSchema.shape) as Array<keyof GenerationSettings>;

/** What "until the model stops" asks of the engine. */
export const UNTIL_THE_MODEL_STOPS = 32_768;

/** A turn's own settings over the twin's: what reaches the model. */
export function resolveGeneration(turn: Partial<Record<keyof GenerationSettings, number | null | undefined>>, twin: GenerationSettings) {
  const pick = <K extends keyof GenerationSettings>(k: K): GenerationSettings[K] => (turn[k] === undefined ? twin[k] : (turn[k] as GenerationSettings[K]));
  const maxTokens = pick('maxTokens');
  const optional = (k: 'topP' | 'topK' | 'minP' | 'repeatPenalty'): Record<string, number> => {
    const v = pick(k);
    return v === null ? {} : { [k]: v };
  };
  return {
    maxTokens: maxTokens ?? UNTIL_THE_MODEL_STOPS,
    temperature: pick('temperature') ?? GENERATION_DEFAULTS.temperature,
    ...optional('topP'), ...optional('topK'), ...optional('minP'), ...optional('repeatPenalty'),
  } as { maxTokens: number; temperature: number; topP?: number; topK?: number; minP?: number; repeatPenalty?: number };
}
