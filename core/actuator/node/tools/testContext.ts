// A ToolContext for tests: small limits, no memory unless one is given.
import type { ToolContext, ToolLimits, ToolMemory } from '../toolDefinition.js';

const noMemory: ToolMemory = {
  recall: () => Promise.reject(new Error('no memory in this test')),
  remember: () => Promise.reject(new Error('no memory in this test')),
};

export function testToolContext(overrides: Partial<Omit<ToolContext, 'limits'>> & { limits?: Partial<ToolLimits> } = {}): ToolContext {
  const { limits, ...rest } = overrides;
  return {
    signal: new AbortController().signal,
    grants: [],
    allowedHosts: [],
    turnId: null,
    memory: noMemory,
    ...rest,
    limits: { maxReadBytes: 64 * 1024, maxOutputChars: 2_000, shellTimeoutMs: 10_000, webTimeoutMs: 5_000, webMaxBytes: 64 * 1024, ...limits },
  };
}
