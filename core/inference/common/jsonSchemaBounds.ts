/**
 * Grammar-constrained JSON always parses only if it finishes: a string or array without a bound can
 * run until the token limit. Every string and array in the schema gets a bound unless it has one.
 */
export interface SchemaBounds {
  maxStringLength: number;
  maxArrayItems: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function boundJsonSchema(schema: unknown, bounds: SchemaBounds): unknown {
  const visit = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(node)) out[k] = visit(v);
    if (out.type === 'string' && out.enum === undefined && out.const === undefined && typeof out.maxLength !== 'number') out.maxLength = bounds.maxStringLength;
    if (out.type === 'array' && typeof out.maxItems !== 'number') out.maxItems = bounds.maxArrayItems;
    return out;
  };
  return visit(schema as Json);
}

const KNOWN_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);

/** The first place where the schema names a type JSON does not have, e.g. `properties.age.type`; null when none. */
export function unknownTypeIn(schema: unknown, path = 'schema'): string | null {
  if (Array.isArray(schema)) {
    for (let i = 0; i < schema.length; i++) {
      const bad = unknownTypeIn(schema[i], `${path}.${i}`);
      if (bad) return bad;
    }
    return null;
  }
  if (schema === null || typeof schema !== 'object') return null;
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'type') {
      const types = Array.isArray(v) ? v : [v];
      if (!types.every((t) => typeof t === 'string' && KNOWN_TYPES.has(t))) return `${path}.type`;
    } else if (k !== 'enum' && k !== 'const') {
      const bad = unknownTypeIn(v, `${path}.${k}`);
      if (bad) return bad;
    }
  }
  return null;
}
