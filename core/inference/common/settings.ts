import { z } from 'zod';

/**
 * The inference settings a user changes from Settings: one definition for the service's config
 * (which adds defaults) and for the API that edits them.
 */
export const gpuSettingSchema = z.union([z.enum(['auto', 'cuda', 'vulkan', 'metal']), z.literal(false)], {
  message: 'gpu must be "auto", "cuda", "vulkan", "metal" or false (CPU only)',
});
export const threadsSettingSchema = z.number().int().min(1, 'threads must be at least 1').max(256, 'threads must be at most 256');
export const contextSizeSettingSchema = z.union([z.literal('auto'), z.number().int().min(256).max(1_048_576)], {
  message: 'contextSize must be "auto" or a whole number of tokens from 256 to 1048576',
});
export const gpuLayersSettingSchema = z.union([z.literal('auto'), z.number().int().min(0).max(1_000)], {
  message: 'gpuLayers must be "auto" or a whole number of layers (0 = none on the GPU)',
});
export const flashAttentionSettingSchema = z.union([z.literal('auto'), z.boolean()]);
/**
 * Generations that run at once on the chat context; each has its own contextSize of KV cache, so
 * memory grows with it. "auto": two, or one where memory holds only one.
 */
export const parallelSequencesSettingSchema = z.union([z.literal('auto'), z.number().int().min(1).max(8)], {
  message: 'parallelSequences must be "auto" or a whole number from 1 to 8',
});
/** Quantized KV cache (less memory for long contexts, slightly lower quality) where the backend supports it. */
export const kvCacheTypeSettingSchema = z.enum(['F16', 'Q8_0', 'Q4_0']);

export const inferenceSettingsSchema = z
  .object({
    gpu: gpuSettingSchema,
    threads: threadsSettingSchema,
    contextSize: contextSizeSettingSchema,
    gpuLayers: gpuLayersSettingSchema,
    flashAttention: flashAttentionSettingSchema,
    kvCacheType: kvCacheTypeSettingSchema,
    parallelSequences: parallelSequencesSettingSchema,
  })
  .strict();
export type InferenceSettings = z.infer<typeof inferenceSettingsSchema>;
