import { z } from 'zod';
import type { BundleExportResult, BundleImportResult, BundleProgress, ChatGptImportResult } from './coreAccess.js';
import { createAsyncQueue } from './asyncQueue.js';
import { procedure, router, toTrpcError } from './trpc.js';

export type BundleEvent<R> = { type: 'progress'; progress: BundleProgress } | { type: 'done'; result: R };

const filePath = (ext: string) => z.string().min(1, 'give a file path').max(4096).refine((p) => p.toLowerCase().endsWith(ext), { message: `the file name must end in ${ext}` });
const passphrase = z.string().min(8, 'a passphrase has at least 8 characters').max(1_024).optional();

/** Streams progress of a long bundle operation, then its result; a failure ends the stream with the error. */
function streamed<R>(run: (onProgress: (p: BundleProgress) => void) => Promise<R>): AsyncGenerator<BundleEvent<R>> {
  const queue = createAsyncQueue<BundleEvent<R>>();
  let last = 0;
  run((progress) => {
    // at most ten updates a second reach the client
    const now = Date.now();
    if (now - last < 100 && progress.doneBytes < progress.totalBytes) return;
    last = now;
    queue.push({ type: 'progress', progress });
  })
    .then((result) => queue.push({ type: 'done', result }))
    .then(() => queue.end())
    .catch((err: unknown) => queue.fail(toTrpcError(err)));
  return queue[Symbol.asyncIterator]() as AsyncGenerator<BundleEvent<R>>;
}

/** Twin bundles: export this twin to a `.pagi` file; import one as a clone (new ids, lineage) or a move (same ids). */
export const bundleRouter = router({
  /** A bundle the user double-clicked (desktop app), once; null when there is none or in a browser. */
  opened: procedure.query(({ ctx }) => ({ file: ctx.core.takeOpenedBundle?.() ?? null, supported: ctx.core.takeOpenedBundle !== undefined })),
  export: procedure
    .input(z.object({ out: filePath('.pagi'), passphrase, includeEvents: z.boolean().default(false), includeModel: z.boolean().default(false) }).strict())
    .subscription(async function* ({ ctx, input }) {
      yield* streamed<BundleExportResult>((onProgress) => ctx.core.exportBundle(input, onProgress));
    }),
  /** A new twin from a SillyTavern character card (.png V2/V3, .json, .charx): persona, and lorebook entries as facts. */
  fromCard: procedure
    .input(z.object({ file: z.string().min(1, 'give a file path').max(4096).refine((p) => /\.(png|json|charx)$/i.test(p), { message: 'a character card is a .png, .json or .charx file' }) }).strict())
    .mutation(({ ctx, input }) => ctx.core.createTwinFromCard(input.file)),
  /** A ChatGPT data export (conversations.json) into this twin's episodic memory. */
  importChatGpt: procedure
    .input(z.object({ file: filePath('.json') }).strict())
    .subscription(async function* ({ ctx, input }) {
      yield* streamed<ChatGptImportResult>((onProgress) => ctx.core.importChatGpt(input.file, onProgress));
    }),
  import: procedure
    .input(z.object({ file: filePath('.pagi'), mode: z.enum(['clone', 'move'], { message: 'mode is "clone" (a new twin descending from this one) or "move" (the same twin, on this machine)' }), passphrase: z.string().max(1_024).optional() }).strict())
    .subscription(async function* ({ ctx, input }) {
      yield* streamed<BundleImportResult>((onProgress) => ctx.core.importBundle(input, onProgress));
    }),
});
