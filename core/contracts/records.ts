/** A value read as a plain object (a config section, parsed JSON): anything else counts as empty. */
export const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
