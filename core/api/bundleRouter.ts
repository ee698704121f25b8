import { z } from 'zod';
import { tracked, type TrackedEnvelope } from '@trpc/server';
import { PagiError } from '../contracts/errors.js';
import { idSchema } from '../contracts/ids.js';
import type { BundleExportResult, BundleImportResult, BundleProgress, BundleProgressEvent, ChatGptImportResult, CoreAccess } from './coreAccess.js';
import { failedEvent, followInput, type OperationEvent } from './operationHub.js';
import { procedure, router } from './trpc.js';

export type BundleEvent<R> = OperationEvent<BundleProgressEvent, R>;

const filePath = (ext: string) => z.string().min(1, 'give a file path').max(4096).refine((p) => p.toLowerCase().endsWith(ext), { message: `the file name must end in ${ext}` });
const passphrase = z.string().min(8, 'a passphrase has at least 8 characters').max(1_024).optional();
const operationId = idSchema;

type BundleResult = BundleExportResult | BundleImportResult | ChatGptImportResult;

/** Starts a long bundle operation under the client's id (once), reporting at most ten progress events a second. */
function startBundleWork(core: CoreAccess, id: string, kind: string, run: (onProgress: (p: BundleProgress) => void) => Promise<BundleResult>): { operationId: string } {
  let last = 0;
  core.operations.bundles.start(id, kind, (emit) =>
    run((progress) => {
      const now = Date.now();
      if (now - last < 100 && progress.doneBytes < progress.totalBytes) return;
      last = now;
      emit({ type: 'progress', progress });
    }),
  );
  return { operationId: id };
}

/** Progress, then one final event (`done` with the result, or `failed`): never an error a transport could retry. */
function followBundleWork<R extends BundleResult>(kind: string) {
  return procedure.input(followInput('operationId')).subscription(async function* ({ ctx, input, signal }): AsyncGenerator<TrackedEnvelope<BundleEvent<R>>> {
    const live = ctx.core.operations.bundles.follow(input.operationId, kind, input.lastEventId, signal) as AsyncGenerator<TrackedEnvelope<BundleEvent<R>>> | null;
    if (live) return yield* live;
    yield tracked('0', failedEvent(new PagiError('NOT_FOUND', `no ${kind} ${input.operationId} is running or finished lately in this app: start it again`)));
  });
}

/**
 * Twin bundles: export this twin to a `.pagi` file; import one as a clone (new ids, lineage) or a move
 * (same ids). Each long operation starts with a mutation (its input in the request body, under an id
 * the client made, so a resend never starts it twice) and is followed by a subscription.
 */
export const bundleRouter = router({
  /** A bundle the user double-clicked (desktop app), once; null when there is none or in a browser. */
  opened: procedure.query(({ ctx }) => ({ file: ctx.core.takeOpenedBundle?.() ?? null, supported: ctx.core.takeOpenedBundle !== undefined })),
  export: procedure
    .input(z.object({ operationId, out: filePath('.pagi'), passphrase, includeEvents: z.boolean().default(false), includeModel: z.boolean().default(false) }).strict())
    .mutation(({ ctx, input: { operationId: id, ...input } }) => startBundleWork(ctx.core, id, 'export', (onProgress) => ctx.core.exportBundle(input, onProgress))),
  exportEvents: followBundleWork<BundleExportResult>('export'),
  /** A new twin from a SillyTavern character card (.png V2/V3, .json, .charx): persona, and lorebook entries as facts. */
  fromCard: procedure
    .input(z.object({ file: z.string().min(1, 'give a file path').max(4096).refine((p) => /\.(png|json|charx)$/i.test(p), { message: 'a character card is a .png, .json or .charx file' }) }).strict())
    .mutation(({ ctx, input }) => ctx.core.createTwinFromCard(input.file)),
  /** A ChatGPT data export (conversations.json) into this twin's episodic memory. */
  importChatGpt: procedure
    .input(z.object({ operationId, file: filePath('.json') }).strict())
    .mutation(({ ctx, input }) => startBundleWork(ctx.core, input.operationId, 'chatgpt-import', (onProgress) => ctx.core.importChatGpt(input.file, onProgress))),
  importChatGptEvents: followBundleWork<ChatGptImportResult>('chatgpt-import'),
  import: procedure
    .input(z.object({ operationId, file: filePath('.pagi'), mode: z.enum(['clone', 'move'], { message: 'mode is "clone" (a new twin descending from this one) or "move" (the same twin, on this machine)' }), passphrase: z.string().max(1_024).optional() }).strict())
    .mutation(({ ctx, input: { operationId: id, ...input } }) => startBundleWork(ctx.core, id, 'import', (onProgress) => ctx.core.importBundle(input, onProgress))),
  importEvents: followBundleWork<BundleImportResult>('import'),
});
