import { GgufInsights, readGgufFileInfo, type Llama } from 'node-llama-cpp';
import { freemem } from 'node:os';
import { classifyFit, type Fit } from '../common/fit.js';
import { checkGguf } from './ggufCheck.js';

/** Will this model run here, and how well, with this context size: asked before loading it. */
export async function estimateFit(llama: Llama, path: string, contextSize: number): Promise<Fit> {
  const summary = checkGguf(path); // never hand a bad file to the GGUF reader either
  const insights = await GgufInsights.from(await readGgufFileInfo(path), llama);
  const target = Math.min(contextSize, insights.trainContextSize ?? contextSize);
  const resolved = await insights.configurationResolver.resolveAndScoreConfig({ targetContextSize: target });
  const v = resolved.resolvedValues;
  return classifyFit({
    backend: llama.gpu || 'cpu',
    gpuLayers: v.gpuLayers,
    totalLayers: insights.totalLayers,
    ramBytes: v.totalRamUsage,
    vramBytes: v.totalVramUsage,
    freeRamBytes: freemem(),
    modelBytes: summary.fileBytes,
    contextSize: v.contextSize,
    compatible: resolved.compatibilityScore > 0,
  });
}
