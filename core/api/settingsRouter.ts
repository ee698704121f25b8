import { z } from 'zod';
import { PagiError } from '../contracts/errors.js';
import { GENERATION_KEYS, generationChangeSchema, type GenerationSettings } from '../executive/common/generation.js';
import { inferenceContract } from '../inference/common/contract.js';
import { inferenceSettingsSchema, type InferenceSettings } from '../inference/common/settings.js';
import { weightsSchema } from '../memory-episodic/common/contract.js';
import { piiPolicyChangeSchema, type PiiPolicy } from '../perception/common/contract.js';
import type { ApiContext } from './coreAccess.js';
import { procedure, router } from './trpc.js';
import { asRecord } from '../contracts/records.js';

type Weights = z.infer<typeof weightsSchema>;
const INFERENCE_KEYS = Object.keys(inferenceSettingsSchema.shape) as Array<keyof InferenceSettings>;

const pick = <K extends string>(from: Record<string, unknown>, keys: readonly K[]): Record<K, unknown> =>
  Object.fromEntries(keys.map((k) => [k, from[k]])) as Record<K, unknown>;

/** A section Settings shows: the values the service runs with, and which of them the user set. */
interface Section<T> { values: T | null; saved: string[]; unavailable: string | null }

function section<T>(ctx: ApiContext, id: Parameters<ApiContext['system']['serviceConfig']>[0], read: (effective: Record<string, unknown>) => T, savedKeys: (saved: Record<string, unknown>) => string[]): Section<T> {
  const { saved, effective } = ctx.system.serviceConfig(id);
  if (!effective) return { values: null, saved: savedKeys(saved), unavailable: `${id} is not running: see the System page` };
  return { values: read(effective), saved: savedKeys(saved), unavailable: null };
}

const searchOf = (config: Record<string, unknown>): Record<string, unknown> => asRecord(config.search);
const weightsOf = (config: Record<string, unknown>): Weights => searchOf(config).weights as Weights;

/**
 * Settings that live in services' config (inference, memory weights, privacy): each change restarts
 * the service with it and is saved once the service runs; a change it cannot run with is undone.
 */
export const settingsRouter = router({
  get: procedure.query(({ ctx }) => ({
    inference: section(ctx, 'inference', (c) => pick(c, INFERENCE_KEYS) as InferenceSettings, (s) => INFERENCE_KEYS.filter((k) => k in s)),
    memory: {
      episodic: section(ctx, 'memory.episodic', weightsOf, (s) => Object.keys(asRecord(searchOf(s).weights))),
      semantic: section(ctx, 'memory.semantic', weightsOf, (s) => Object.keys(asRecord(searchOf(s).weights))),
    },
    privacy: section(ctx, 'perception', (c) => c.pii as PiiPolicy, (s) => Object.keys(asRecord(s.pii))),
    generation: section(ctx, 'executive', (c) => c.generation as GenerationSettings, (s) => Object.keys(asRecord(s.generation))),
  })),

  /**
   * The twin's reply settings: the keys given change (null is a value: "until the model stops", or
   * "the model's default"); `reset` puts them all back to the defaults first.
   */
  setGeneration: procedure
    .input(z.object({ values: generationChangeSchema.default({}), reset: z.boolean().default(false) }).strict())
    .mutation(async ({ ctx, input }) => {
      const given = Object.fromEntries(Object.entries(input.values).filter(([, v]) => v !== undefined));
      if (!input.reset && Object.keys(given).length === 0) throw new PagiError('INVALID_INPUT', `nothing to change: give one or more of ${GENERATION_KEYS.join(', ')}, or reset`);
      const saved = input.reset ? {} : asRecord(ctx.system.serviceConfig('executive').saved.generation);
      await ctx.system.reconfigure('executive', { generation: { ...saved, ...given } });
      return { changed: Object.keys(given), reset: input.reset };
    }),

  /** Only the keys given change; `null` puts a key back to its default. The model loaded now stays loaded. */
  setInference: procedure
    .input(z.object(Object.fromEntries(INFERENCE_KEYS.map((k) => [k, inferenceSettingsSchema.shape[k].nullable().optional()])) as { [K in keyof InferenceSettings]: z.ZodOptional<z.ZodNullable<(typeof inferenceSettingsSchema.shape)[K]>> }).strict())
    .mutation(async ({ ctx, input }) => {
      const saved = ctx.system.serviceConfig('inference').saved;
      const patch: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(input)) if (v !== undefined) patch[k] = v === null ? undefined : v;
      if (Object.keys(patch).length === 0) throw new PagiError('INVALID_INPUT', `nothing to change: give one or more of ${INFERENCE_KEYS.join(', ')}`);
      const status = await ctx.core.client(inferenceContract).status({}).catch(() => null);
      const loaded = status?.state === 'ready' && status.model && typeof saved.modelPath !== 'string' ? { modelPath: status.model.path } : {};
      await ctx.system.reconfigure('inference', patch, loaded);
      return { changed: Object.keys(patch), reloaded: 'modelPath' in loaded };
    }),

  setMemoryWeights: procedure
    .input(z.object({ tier: z.enum(['episodic', 'semantic']), weights: weightsSchema.strict().nullable() }).strict())
    .mutation(async ({ ctx, input }) => {
      const id = input.tier === 'episodic' ? 'memory.episodic' : 'memory.semantic';
      const { weights } = input;
      if (weights && Object.values(weights).every((w) => w === 0)) {
        throw new PagiError('INVALID_INPUT', 'at least one weight must be above 0, or every memory would score 0');
      }
      const search = { ...searchOf(ctx.system.serviceConfig(id).saved), weights: weights ?? undefined };
      await ctx.system.reconfigure(id, { search });
      return { tier: input.tier };
    }),

  setPrivacy: procedure.input(z.object({ pii: piiPolicyChangeSchema }).strict()).mutation(async ({ ctx, input }) => {
    const saved = asRecord(ctx.system.serviceConfig('perception').saved.pii);
    await ctx.system.reconfigure('perception', { pii: { ...saved, ...input.pii } });
    return { pii: input.pii };
  }),
});
