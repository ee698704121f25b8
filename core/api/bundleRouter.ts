import { z } from 'zod';
import { checkChosenFile, chosenFile, withChosenFile } from './chosenFile.js';
import type { ApiContext, BundleExportInput, BundleExportResult, BundleImportResult, OperationProgress } from './coreAccess.js';
import { filePath, followFileWork, operationId, startFileWork, type FileWorkEvent } from './fileWork.js';
import { procedure, router } from './trpc.js';

export type BundleEvent<R> = FileWorkEvent<R>;

const passphrase = z.string().min(8, 'a passphrase has at least 8 characters').max(1_024).optional();

/** A bundle's download name: the twin's name, without what a file system or a header refuses. */
const bundleFileName = (twinName: string): string => `${twinName.replace(/[^\p{L}\p{N} ._-]/gu, '_').replace(/^[.\s]+/, '').slice(0, 120).trim() || 'twin'}.pagi`;

/** No `out`: a browser's export, written to a staged file that it then downloads (its own save dialog keeps every file it has). */
async function exportTo(ctx: ApiContext, input: Omit<BundleExportInput, 'out'> & { out?: string | undefined }, onProgress: (p: OperationProgress) => void): Promise<BundleExportResult> {
  const { out, ...rest } = input;
  if (out !== undefined) return ctx.bundles.export({ ...rest, out }, onProgress);
  const staged = ctx.files.stageDownload();
  try {
    const r = await ctx.bundles.export({ ...rest, out: staged.path, overwrite: false }, onProgress);
    const name = bundleFileName(r.name);
    staged.publish(name);
    return { ...r, file: name, download: staged.id };
  } catch (err) {
    staged.discard();
    throw err;
  }
}

/**
 * Twin bundles: export this twin to a `.pagi` file; import one as a clone (new ids, lineage) or a move
 * (same ids). Each starts with a mutation (its input in the request body, under an id the client
 * made, so a resend never starts it twice) and is followed by a subscription.
 */
export const bundleRouter = router({
  /** A bundle the user double-clicked (desktop app), once; null when there is none or in a browser. */
  opened: procedure.query(({ ctx }) => ({ file: ctx.bundles.takeOpened?.() ?? null, supported: ctx.bundles.takeOpened !== undefined })),
  /** To `out` (a path: never over an existing file unless `overwrite`), or without it to a staged file for `files.downloadTicket`. */
  export: procedure
    .input(z.object({ operationId, out: filePath('.pagi').optional(), overwrite: z.boolean().default(false), passphrase, includeEvents: z.boolean().default(false), includeModel: z.boolean().default(false) }).strict())
    .mutation(({ ctx, input: { operationId: id, ...input } }) => startFileWork(ctx, id, 'export', (onProgress) => exportTo(ctx, input, onProgress))),
  exportEvents: followFileWork<BundleExportResult>('export'),
  import: procedure
    .input(z.object({ operationId, file: chosenFile(filePath('.pagi')), mode: z.enum(['clone', 'move'], { message: 'mode is "clone" (a new twin descending from this one) or "move" (the same twin, on this machine)' }), passphrase: z.string().max(1_024).optional(), activate: z.boolean().optional() }).strict())
    .mutation(({ ctx, input: { operationId: id, file, ...input } }) => {
      checkChosenFile(ctx, id, file, 'bundle');
      return startFileWork(ctx, id, 'import', (onProgress) => withChosenFile(ctx, file, 'bundle', (path) => ctx.bundles.import({ ...input, file: path }, onProgress)));
    }),
  importEvents: followFileWork<BundleImportResult>('import'),
});

