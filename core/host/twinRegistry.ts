import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PagiError } from '../contracts/errors.js';
import { idSchema } from '../contracts/ids.js';

/**
 * `<data-dir>/twins.json`: how each twin of this data folder came to be (created here, cloned or
 * moved in, made from a character card), its name as last seen while it ran, and a new name the
 * user gave it while it did not run (applied when it next runs). The twin folders are the truth; this
 * only describes them, so a missing or damaged file loses descriptions, never twins.
 */
const entrySchema = z.object({
  id: idSchema,
  name: z.string().max(200),
  origin: z.enum(['clone', 'move', 'card', 'created']).default('created'),
  parentId: idSchema.nullable().default(null),
  addedAt: z.string(),
  pendingName: z.string().min(1).max(120).optional(),
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

function write(dataDir: string, twins: TwinOrigin[]): void {
  const file = fileOf(dataDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ twins }, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function recordTwin(dataDir: string, entry: Omit<TwinOrigin, 'addedAt' | 'origin' | 'parentId' | 'pendingName'> & Partial<Pick<TwinOrigin, 'origin' | 'parentId'>>): void {
  write(dataDir, [...read(dataDir).filter((t) => t.id !== entry.id), { origin: 'created', parentId: null, ...entry, addedAt: new Date().toISOString() }]);
}

/** The name a running twin has now: kept, so the list can name it while another twin runs. */
export function rememberTwinName(dataDir: string, id: string, name: string): void {
  const twins = read(dataDir);
  const known = twins.find((t) => t.id === id);
  if (known?.name === name && known.pendingName === undefined) return;
  if (known) write(dataDir, twins.map((t) => (t.id === id ? { ...t, name, pendingName: undefined } : t)));
  else write(dataDir, [...twins, { id, name, origin: 'created', parentId: null, addedAt: addedAtOf(dataDir, id) }]);
}

/** A new name for a twin that does not run now; it takes it when it next runs (takePendingName). */
export function renameTwinLater(dataDir: string, id: string, name: string): void {
  const twins = read(dataDir);
  if (!twins.some((t) => t.id === id)) twins.push({ id, name, origin: 'created', parentId: null, addedAt: addedAtOf(dataDir, id) });
  write(dataDir, twins.map((t) => (t.id === id ? { ...t, name, pendingName: name } : t)));
}

export function takePendingName(dataDir: string, id: string): string | null {
  return read(dataDir).find((t) => t.id === id)?.pendingName ?? null;
}

/** Deletes a twin's folder and its automatic backups for good, and its entry. */
export function deleteTwinFiles(dataDir: string, id: string): void {
  if (!idSchema.safeParse(id).success) throw new PagiError('INVALID_INPUT', `${id} is not a twin id`);
  const folder = join(dataDir, 'twins', id);
  if (!existsSync(folder)) throw new PagiError('NOT_FOUND', `there is no twin ${id} on this computer`);
  // renamed first, so a crash half-way leaves no half twin in the list (the sweep at start removes it)
  const doomed = join(dataDir, 'twins', `.deleting-${id}`);
  rmSync(doomed, { recursive: true, force: true }); // an earlier deletion of it, cut short
  renameSync(folder, doomed);
  rmSync(doomed, { recursive: true, force: true });
  rmSync(join(dataDir, 'backups', id), { recursive: true, force: true });
  write(dataDir, read(dataDir).filter((t) => t.id !== id));
}

/** Twin deletions a crash interrupted: the folder, its backups and its entry go, as asked. */
export function sweepDeletedTwins(dataDir: string): void {
  const dir = join(dataDir, 'twins');
  if (!existsSync(dir)) return;
  for (const d of readdirSync(dir)) {
    const id = d.startsWith('.deleting-') ? d.slice('.deleting-'.length) : null;
    if (id === null || !idSchema.safeParse(id).success) continue;
    rmSync(join(dir, d), { recursive: true, force: true });
    rmSync(join(dataDir, 'backups', id), { recursive: true, force: true });
    write(dataDir, read(dataDir).filter((t) => t.id !== id));
  }
}

function addedAtOf(dataDir: string, id: string): string {
  try {
    return statSync(join(dataDir, 'twins', id)).birthtime.toISOString();
  } catch {
    return new Date().toISOString();
  }
}

export interface TwinListing { id: string; name: string | null; origin: TwinOrigin['origin'] | null; parentId: string | null; addedAt: string | null; pendingName: string | null }

/** Every twin folder of the data folder (never a staging folder), with what the registry says of it. */
export function listTwins(dataDir: string): TwinListing[] {
  const dir = join(dataDir, 'twins');
  if (!existsSync(dir)) return [];
  const known = new Map(read(dataDir).map((t) => [t.id, t]));
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && idSchema.safeParse(d.name).success)
    .map((d) => {
      const t = known.get(d.name);
      return { id: d.name, name: t?.name ?? null, origin: t?.origin ?? null, parentId: t?.parentId ?? null, addedAt: t?.addedAt ?? addedAtOf(dataDir, d.name), pendingName: t?.pendingName ?? null };
    });
}
