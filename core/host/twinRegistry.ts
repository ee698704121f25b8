import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { idSchema } from '../contracts/ids.js';

/**
 * `<data-dir>/twins.json`: how each twin of this data folder came to be (created, cloned or moved
 * in, made from a character card), with its name at that time. The twin folders are the truth; this
 * only describes them, so a missing or damaged file loses descriptions, never twins.
 */
const entrySchema = z.object({
  id: idSchema,
  name: z.string().max(200),
  origin: z.enum(['clone', 'move', 'card']),
  parentId: idSchema.nullable(),
  addedAt: z.string(),
});
const fileSchema = z.object({ twins: z.array(entrySchema).max(10_000) });
export type TwinOrigin = z.infer<typeof entrySchema>;

const fileOf = (dataDir: string): string => join(dataDir, 'twins.json');

function read(dataDir: string): TwinOrigin[] {
  try {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(fileOf(dataDir), 'utf8')));
    return parsed.success ? parsed.data.twins : [];
  } catch {
    return [];
  }
}

export function recordTwin(dataDir: string, entry: Omit<TwinOrigin, 'addedAt'>): void {
  const twins = [...read(dataDir).filter((t) => t.id !== entry.id), { ...entry, addedAt: new Date().toISOString() }];
  const file = fileOf(dataDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ twins }, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export interface TwinListing { id: string; name: string | null; origin: TwinOrigin['origin'] | null; parentId: string | null; addedAt: string | null }

/** Every twin folder of the data folder (never a staging folder), with what the registry says of it. */
export function listTwins(dataDir: string): TwinListing[] {
  const dir = join(dataDir, 'twins');
  if (!existsSync(dir)) return [];
  const known = new Map(read(dataDir).map((t) => [t.id, t]));
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && idSchema.safeParse(d.name).success)
    .map((d) => {
      const t = known.get(d.name);
      return { id: d.name, name: t?.name ?? null, origin: t?.origin ?? null, parentId: t?.parentId ?? null, addedAt: t?.addedAt ?? null };
    });
}
