import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { lifecycleSchema, personaSchema, twinNameSchema, twinSchema } from '../../contracts/domain.js';

export const hardwareSchema = z.object({
  os: z.object({ platform: z.string(), release: z.string(), arch: z.string(), distro: z.string().nullable() }),
  cpu: z.object({ model: z.string(), cores: z.number().int(), speedMHz: z.number().nullable() }),
  ramBytes: z.number(),
  freeRamBytes: z.number(),
  gpus: z.array(z.object({ vendor: z.string(), model: z.string(), vramBytes: z.number().nullable() })),
  backend: z.object({ name: z.string(), gpu: z.string().nullable(), reason: z.string() }).nullable(),
  readAt: z.string(),
});
export type Hardware = z.infer<typeof hardwareSchema>;

export const identityContract = defineContract('identity', {
  get: call(z.object({}).default({}), twinSchema),
  update: call(
    z.object({ name: twinNameSchema.optional(), persona: personaSchema.partial().optional() }),
    twinSchema,
  ),
  /** The twin's picture as a `data:` URL (null: none; the app draws its initials). */
  avatar: call(z.object({}).default({}), z.object({ image: z.string(), updatedAt: z.string() }).nullable()),
  /** A PNG, JPEG, GIF or WebP `data:` URL of at most 1.5 MB; null removes the picture. */
  setAvatar: call(z.object({ image: z.string().max(2_050_000, 'the picture is larger than 1.5 MB: choose a smaller one').nullable() }), z.object({ image: z.string(), updatedAt: z.string() }).nullable()),
  setLifecycle: call(z.object({ lifecycle: lifecycleSchema }), twinSchema),
  hardware: call(z.object({ refresh: z.boolean().default(false) }).default({ refresh: false }), hardwareSchema),
  createApiKey: call(z.object({ label: z.string().trim().min(1).max(80) }), z.object({ id: z.string(), key: z.string(), label: z.string() })),
  verifyApiKey: call(z.object({ key: z.string().max(200) }), z.object({ valid: z.boolean(), id: z.string().nullable() })),
  listApiKeys: call(z.object({}).default({}), z.array(z.object({ id: z.string(), label: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable() }))),
  revokeApiKey: call(z.object({ id: z.string() }), z.object({ revoked: z.boolean() })),
});
