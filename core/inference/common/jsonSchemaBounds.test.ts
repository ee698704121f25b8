import { describe, expect, it } from 'vitest';
import { boundJsonSchema, unknownTypeIn } from './jsonSchemaBounds.js';

describe('boundJsonSchema', () => {
  it('bounds every unbounded string and array, keeps explicit bounds, enums and consts', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        short: { type: 'string', maxLength: 5 },
        tags: { type: 'array', items: { type: 'string' } },
        kind: { type: 'string', enum: ['a', 'b'] },
        nested: { type: 'object', properties: { list: { type: 'array', maxItems: 2, items: { type: 'number' } } } },
      },
    };
    expect(boundJsonSchema(schema, { maxStringLength: 100, maxArrayItems: 8 })).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 100 },
        short: { type: 'string', maxLength: 5 },
        tags: { type: 'array', maxItems: 8, items: { type: 'string', maxLength: 100 } },
        kind: { type: 'string', enum: ['a', 'b'] },
        nested: { type: 'object', properties: { list: { type: 'array', maxItems: 2, items: { type: 'number' } } } },
      },
    });
  });
});

describe('unknownTypeIn', () => {
  it('names the first node whose type JSON does not have', () => {
    expect(unknownTypeIn({ type: 'object', properties: { a: { type: ['string', 'null'] }, b: { type: 'strin' } } })).toBe('schema.properties.b.type');
    expect(unknownTypeIn({ type: 'array', items: { enum: ['type', 'x'] } })).toBeNull();
  });
});
