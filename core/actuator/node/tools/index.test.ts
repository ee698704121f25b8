import { describe, expect, it } from 'vitest';
import { ACTUATOR_TOOLS } from './index.js';

describe('actuator tools', () => {
  it('have unique names, a kind, and a JSON schema for models without the zod dialect marker', () => {
    const names = ACTUATOR_TOOLS.map((t) => t.name);
    expect(names).toEqual(['files.list', 'files.read', 'files.search', 'files.write', 'files.move', 'shell.run', 'web.fetch', 'memory.recall', 'memory.remember']);
    expect(ACTUATOR_TOOLS.map((t) => t.kind)).toEqual(['read', 'read', 'read', 'write', 'write', 'shell', 'web', 'memory', 'memory']);
    for (const tool of ACTUATOR_TOOLS) {
      expect(tool.parameters).toMatchObject({ type: 'object' });
      expect(tool.parameters).not.toHaveProperty('$schema');
      expect(tool.preview).toBeTypeOf('function');
    }
  });
});
