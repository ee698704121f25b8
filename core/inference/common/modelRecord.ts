import { z } from 'zod';

export const modelMetadataSchema = z.object({
  name: z.string().nullable(),
  architecture: z.string().nullable(),
  parameters: z.number().nullable().default(null),
  quantization: z.string().nullable().default(null),
  trainedContextLength: z.number().nullable().default(null),
  embeddingLength: z.number().nullable().default(null),
  hasChatTemplate: z.boolean().nullable().default(null),
});

export const modelRecordSchema = z.object({
  id: z.string(),
  path: z.string(),
  fileName: z.string(),
  source: z.enum(['reference', 'copy', 'download']),
  fileBytes: z.number(),
  sha256: z.string().nullable(),
  hash: z.object({ status: z.enum(['pending', 'hashing', 'done', 'error']), hashedBytes: z.number(), error: z.string().nullable() }),
  metadata: modelMetadataSchema,
  addedAt: z.string(),
  lastUsedAt: z.string().nullable(),
  loaded: z.boolean(),
});
export type ModelRecord = z.infer<typeof modelRecordSchema>;
