import { z } from 'zod';

/**
 * The kinds of file a user hands the app or gets from it, and what each may be: the desktop's
 * open and save dialogs filter by these extensions, the headless host's upload route refuses
 * others and anything above the kind's size cap.
 */
export const FILE_KINDS = ['bundle', 'card', 'chatgpt', 'document', 'model'] as const;
export type FileKind = (typeof FILE_KINDS)[number];
export const fileKindSchema = z.enum(FILE_KINDS, { message: `the kind of file is one of: ${FILE_KINDS.join(', ')}` });

/** Lower-case extensions, with the dot. */
export const FILE_EXTENSIONS = {
  bundle: ['.pagi'],
  card: ['.png', '.json', '.charx'],
  chatgpt: ['.json', '.jsonl', '.ndjson'],
  document: ['.txt', '.md', '.pdf'],
  model: ['.gguf'],
} as const satisfies Record<FileKind, readonly string[]>;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The largest upload of each kind: a bundle may carry model weights, a model may be very large; cards and documents are read whole by their importers. */
export const UPLOAD_MAX_BYTES: Record<FileKind, number> = {
  bundle: 64 * GiB,
  card: 50 * MiB,
  chatgpt: 8 * GiB,
  document: 50 * MiB,
  model: 512 * GiB,
};

/** What each kind is called where the user reads it (dialog titles, errors). */
export const FILE_KIND_LABELS: Record<FileKind, string> = {
  bundle: 'a twin bundle',
  card: 'a character card',
  chatgpt: 'a ChatGPT export',
  document: 'a document',
  model: 'a model',
};

export function hasExtensionOf(kind: FileKind, name: string): boolean {
  const lower = name.toLowerCase();
  return FILE_EXTENSIONS[kind].some((ext) => lower.endsWith(ext));
}

/** An upload handle as the headless host gives it out: random, and meaningful only to the host that made it. */
export const uploadHandleSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not an upload this app gave out: choose the file again');

/** A file the user chose: a path on this computer (the CLI, the desktop app) or a file uploaded to the headless host. */
export const uploadedFileSchema = z.object({ upload: uploadHandleSchema }).strict();
export type UploadedFile = z.infer<typeof uploadedFileSchema>;

/** What the desktop preload bridge asks the main process, checked there. */
export const pickFileRequestSchema = z.object({ kind: fileKindSchema }).strict();
export const pickSaveFileRequestSchema = z.object({ kind: fileKindSchema, suggestedName: z.string().min(1).max(255) }).strict();

/**
 * The desktop file bridge the preload exposes as `window.pagiFiles` (nothing else besides tRPC):
 * native dialogs, and the path of a file dropped onto the window. Null when the user cancels.
 */
export interface DesktopFileBridge {
  pickFile(request: { kind: FileKind }): Promise<string | null>;
  /** `overwrite`: the dialog asked the user about replacing a file at `path`. */
  pickSaveFile(request: { kind: FileKind; suggestedName: string }): Promise<{ path: string; overwrite: boolean } | null>;
  /** The path on disk of a file dropped onto the window (a DOM `File`); empty when it has none (e.g. dragged from a web page). */
  pathForFile(file: Blob): string;
}

/** IPC channel names shared by the preload and the main process. */
export const FILE_DIALOG_CHANNELS = { pick: 'pagi:files:pick', save: 'pagi:files:save' } as const;
