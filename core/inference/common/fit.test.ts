import { describe, expect, it } from 'vitest';
import { classifyFit } from './fit.js';

const GB = 2 ** 30;
const base = { backend: 'cpu', gpuLayers: 0, totalLayers: 32, ramBytes: 5 * GB, vramBytes: 0, freeRamBytes: 16 * GB, modelBytes: 4.5 * GB, contextSize: 4096, compatible: true };

describe('classifyFit', () => {
  it('all layers on the GPU fits', () => {
    expect(classifyFit({ ...base, backend: 'cuda', gpuLayers: 32, vramBytes: 6 * GB }).verdict).toBe('fits');
  });
  it('partial offload is slow and says how many layers fit', () => {
    const f = classifyFit({ ...base, backend: 'vulkan', gpuLayers: 12, vramBytes: 3 * GB });
    expect(f).toMatchObject({ verdict: 'slow', explanation: expect.stringMatching(/only 12 of 32 layers fit in VRAM/) });
  });
  it('on the CPU the size decides: small fits, large is slow', () => {
    expect(classifyFit({ ...base, modelBytes: 1 * GB }).verdict).toBe('fits');
    expect(classifyFit({ ...base, modelBytes: 8 * GB, ramBytes: 9 * GB })).toMatchObject({ verdict: 'slow', estimatedTokensPerSecond: 2.3 });
  });
  it("more memory than is free won't fit, and says what to do", () => {
    const f = classifyFit({ ...base, ramBytes: 40 * GB });
    expect(f.verdict).toBe("won't fit");
    expect(f.explanation).toMatch(/needs 40\.0 GB of RAM .* only 16\.0 GB of RAM is free: choose a smaller/);
  });
});
