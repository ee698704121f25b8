import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backendPossibleHere, missingPrerequisite } from './gpuProbe.js';

describe('GPU prerequisites', () => {
  it('knows which backends exist on which platform', () => {
    expect(backendPossibleHere('metal', 'linux')).toBe(false);
    expect(backendPossibleHere('metal', 'darwin')).toBe(true);
    expect(backendPossibleHere('cuda', 'win32')).toBe(true);
    expect(backendPossibleHere('cuda', 'darwin')).toBe(false);
  });
  it.skipIf(process.platform !== 'linux')('explains a missing NVIDIA driver in plain words', () => {
    const reason = missingPrerequisite('cuda', 'linux');
    if (existsSync('/proc/driver/nvidia/version')) expect(reason).toBeNull();
    else expect(reason).toMatch(/no NVIDIA driver is loaded .*install the NVIDIA driver/);
  });
});
