import { z } from 'zod';
import { PagiError } from '../contracts/errors.js';
import { uploadedFileSchema, type FileKind, type UploadedFile } from '../contracts/fileKinds.js';
import type { ApiContext } from './coreAccess.js';

/**
 * A file a procedure works on: a path on the host's computer (the CLI and the desktop app, whose
 * dialogs give paths) or `{upload}`, a handle the headless host gave a browser for a file it
 * uploaded. A handle resolves only inside the host, to the file it staged: no client names a path
 * through it.
 */
export type ChosenFile = string | UploadedFile;

export const chosenFile = (path: z.ZodType<string>) => z.union([path, uploadedFileSchema]);

/**
 * Says a bad upload handle at once, before long work starts under `operationId` (the work itself takes
 * the file). Not when that operation is known already: its upload is used (and removed once it
 * succeeded), and a resend of the call — a retried request, a reconnect — gets that operation back.
 */
export function checkChosenFile(ctx: ApiContext, operationId: string, file: ChosenFile, kind: FileKind): void {
  if (typeof file !== 'string' && ctx.operations.files.state(operationId) === null) ctx.files.checkUpload(file.upload, kind);
}

/**
 * Runs `work` on the file's path; an uploaded file is removed once the work succeeded. An error
 * names the file as the user called it, never where the host staged it.
 */
export async function withChosenFile<T>(ctx: ApiContext, file: ChosenFile, kind: FileKind, work: (path: string) => Promise<T>): Promise<T> {
  if (typeof file === 'string') return work(file);
  const staged = ctx.files.takeUpload(file.upload, kind);
  let result: T;
  try {
    result = await work(staged.path);
  } catch (err) {
    staged.release(false); // kept for another try (a wrong passphrase must not mean uploading again)
    const e = PagiError.from(err);
    throw new PagiError(e.code, e.message.replaceAll(staged.path, staged.name), e.data);
  }
  staged.release(true);
  return result;
}
