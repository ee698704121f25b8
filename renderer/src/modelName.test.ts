import { describe, expect, it } from 'vitest';
import { modelDisplayName } from './modelName';

describe('model names a person recognises', () => {
  it('uses general.name when it says something, else the file name', () => {
    expect(modelDisplayName({ name: 'Qwen2.5 0.5B Instruct', architecture: 'qwen2', fileName: 'qwen.gguf' })).toBe('Qwen2.5 0.5B Instruct');
    expect(modelDisplayName({ name: 'llama', architecture: 'llama', fileName: 'stories260K.gguf' })).toBe('stories260K');
    expect(modelDisplayName({ name: null, architecture: 'llama', path: '/models/TinyStories-656K-Q8_0.gguf' })).toBe('TinyStories-656K-Q8_0');
    expect(modelDisplayName({ name: 'Phi3', architecture: 'phi3', path: 'C:\\models\\phi.GGUF' })).toBe('phi');
    expect(modelDisplayName({ name: null, architecture: null })).toBe('a model');
  });
});
