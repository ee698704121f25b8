import { z } from 'zod';
import raw from './catalog.json' with { type: 'json' };

export const catalogEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  name: z.string(),
  purpose: z.enum(['chat', 'embedding']),
  /** `hf:owner/repo/file.gguf` or an https URL. */
  uri: z.string().regex(/^(hf:|https?:\/\/)/),
  fileName: z.string().regex(/^[^\\/]+\.gguf$/),
  /** For the fit estimate before downloading; the server's size is what the download is checked against. */
  approxBytes: z.number().int().positive(),
  /** Checked after the download when known. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  license: z.string(),
  minRamGB: z.number().positive(),
  description: z.string(),
});
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

/** The curated catalog ships with the app; it is validated like any file read from disk. */
export const CATALOG: readonly CatalogEntry[] = z.object({ version: z.literal(1), entries: z.array(catalogEntrySchema).min(1) }).parse(raw).entries;
