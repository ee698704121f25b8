import { z } from 'zod';
import { checkChosenFile, chosenFile, withChosenFile } from './chosenFile.js';
import type { ConversationImportResult } from './coreAccess.js';
import { filePath, followFileWork, operationId, startFileWork } from './fileWork.js';
import { procedure, router } from './trpc.js';

/** What comes from other apps: a character card becomes a new twin; conversation histories become this twin's memories. */
export const importRouter = router({
  /** A new twin from a SillyTavern character card (.png V2/V3, .json, .charx): persona, and lorebook entries as facts. */
  card: procedure
    .input(z.object({ file: chosenFile(z.string().min(1, 'give a file path').max(4096).refine((p) => /\.(png|json|charx)$/i.test(p), { message: 'a character card is a .png, .json or .charx file' })) }).strict())
    .mutation(({ ctx, input }) => withChosenFile(ctx, input.file, 'card', (path) => ctx.imports.card(path))),
  /**
   * A JSON Lines file (one `{session, time, speaker, text, ref?}` a line) or a ChatGPT export's
   * conversations.json into this twin's episodic memory, streamed; `extract` then asks the model for
   * facts in the imported turns. Followed with `conversationEvents`.
   */
  conversations: procedure
    .input(z.object({ operationId, file: chosenFile(filePath('.jsonl', '.ndjson', '.json')), extract: z.boolean().default(false) }).strict())
    .mutation(({ ctx, input: { operationId: id, file, ...input } }) => {
      checkChosenFile(ctx, id, file, 'chatgpt');
      return startFileWork(ctx, id, 'conversation import', (onProgress, signal) => withChosenFile(ctx, file, 'chatgpt', (path) => ctx.imports.conversations({ ...input, file: path }, onProgress, signal)));
    }),
  conversationEvents: followFileWork<ConversationImportResult>('conversation import'),
});
