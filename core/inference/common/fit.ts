import { z } from 'zod';

export const fitSchema = z.object({
  verdict: z.enum(['fits', 'slow', "won't fit"]),
  explanation: z.string(),
  backend: z.string(),
  gpuLayers: z.number().int(),
  totalLayers: z.number().int().nullable(),
  contextSize: z.number().int(),
  ramBytes: z.number(),
  vramBytes: z.number(),
  /** A rough figure for CPU runs (memory bandwidth / model size); null on a GPU. */
  estimatedTokensPerSecond: z.number().nullable(),
});
export type Fit = z.infer<typeof fitSchema>;

/** Tokens a second a CPU can give is bounded by how fast it streams the weights: ~20 GB/s on a desktop. */
export const CPU_BYTES_PER_SECOND = 20e9;

/**
 * The verdict from what a configuration needs: all layers on the GPU fits; part of them, or a CPU
 * too slow for the model's size, is slow; more memory than is free won't fit.
 */
export function classifyFit(input: { backend: string; gpuLayers: number; totalLayers: number | null; ramBytes: number; vramBytes: number; freeRamBytes: number; modelBytes: number; contextSize: number; compatible: boolean }): Fit {
  const base = { backend: input.backend, gpuLayers: input.gpuLayers, totalLayers: input.totalLayers, contextSize: input.contextSize, ramBytes: input.ramBytes, vramBytes: input.vramBytes };
  const gb = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GB`;
  if (!input.compatible || input.ramBytes > input.freeRamBytes) {
    return { ...base, verdict: "won't fit", estimatedTokensPerSecond: null, explanation: `needs ${gb(input.ramBytes)} of RAM${input.vramBytes ? ` and ${gb(input.vramBytes)} of VRAM` : ''} with a ${input.contextSize}-token context, but only ${gb(input.freeRamBytes)} of RAM is free: choose a smaller or more quantized model, or a shorter context` };
  }
  if (input.backend !== 'cpu' && input.totalLayers !== null && input.gpuLayers >= input.totalLayers) {
    return { ...base, verdict: 'fits', estimatedTokensPerSecond: null, explanation: `all ${input.totalLayers} layers run on the GPU (${gb(input.vramBytes)} of VRAM)` };
  }
  const tps = CPU_BYTES_PER_SECOND / Math.max(1, input.modelBytes);
  if (input.backend !== 'cpu' && input.gpuLayers > 0) {
    return { ...base, verdict: 'slow', estimatedTokensPerSecond: null, explanation: `only ${input.gpuLayers} of ${input.totalLayers ?? '?'} layers fit in VRAM; the rest run on the CPU` };
  }
  return {
    ...base,
    verdict: tps >= 8 ? 'fits' : 'slow',
    estimatedTokensPerSecond: Math.round(tps * 10) / 10,
    explanation: `runs on the CPU at roughly ${tps >= 100 ? 'hundreds of' : Math.round(tps)} tokens a second${tps < 8 ? ' — usable, but replies will be slow' : ''}`,
  };
}

/** Before a download there is no file to read: judge from the size (weights plus ~0.5 GB of context and runtime). */
export function fitFromSize(input: { bytes: number; backend: string; vramFreeBytes: number | null; freeRamBytes: number; contextSize: number }): Fit {
  const onGpu = input.vramFreeBytes !== null && input.vramFreeBytes > input.bytes * 1.1;
  const overhead = 512 * 2 ** 20;
  return classifyFit({
    backend: input.backend,
    gpuLayers: onGpu ? 1 : 0,
    totalLayers: onGpu ? 1 : null,
    ramBytes: onGpu ? overhead : input.bytes * 1.15 + overhead,
    vramBytes: onGpu ? input.bytes * 1.1 : 0,
    freeRamBytes: input.freeRamBytes,
    modelBytes: input.bytes,
    contextSize: input.contextSize,
    compatible: true,
  });
}
