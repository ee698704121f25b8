import { z } from 'zod';
import type { BundleExportResult, BundleImportResult } from './coreAccess.js';
import { filePath, followFileWork, operationId, startFileWork, type FileWorkEvent } from './fileWork.js';
import { procedure, router } from './trpc.js';

export type BundleEvent<R> = FileWorkEvent<R>;

const passphrase = z.string().min(8, 'a passphrase has at least 8 characters').max(1_024).optional();

/**
 * Twin bundles: export this twin to a `.pagi` file; import one as a clone (new ids, lineage) or a move
 * (same ids). Each starts with a mutation (its input in the request body, under an id the client
 * made, so a resend never starts it twice) and is followed by a subscription.
 */
export const bundleRouter = router({
  /** A bundle the user double-clicked (desktop app), once; null when there is none or in a browser. */
  opened: procedure.query(({ ctx }) => ({ file: ctx.bundles.takeOpened?.() ?? null, supported: ctx.bundles.takeOpened !== undefined })),
  export: procedure
    .input(z.object({ operationId, out: filePath('.pagi'), passphrase, includeEvents: z.boolean().default(false), includeModel: z.boolean().default(false) }).strict())
    .mutation(({ ctx, input: { operationId: id, ...input } }) => startFileWork(ctx, id, 'export', (onProgress) => ctx.bundles.export(input, onProgress))),
  exportEvents: followFileWork<BundleExportResult>('export'),
  import: procedure
    .input(z.object({ operationId, file: filePath('.pagi'), mode: z.enum(['clone', 'move'], { message: 'mode is "clone" (a new twin descending from this one) or "move" (the same twin, on this machine)' }), passphrase: z.string().max(1_024).optional(), activate: z.boolean().optional() }).strict())
    .mutation(({ ctx, input: { operationId: id, ...input } }) => startFileWork(ctx, id, 'import', (onProgress) => ctx.bundles.import(input, onProgress))),
  importEvents: followFileWork<BundleImportResult>('import'),
});
