import type { ClientOf, Contract } from '../contracts/contract.js';
import type { FileKind } from '../contracts/fileKinds.js';
import type { ServiceId } from '../contracts/manifest.js';
import type { TurnChunk, TurnResult } from '../executive/common/contract.js';
import type { ServiceStateListener, ServiceStatus } from '../runtime/common/serviceStatus.js';
import type { OperationHub } from './operationHub.js';
import type { WatchFeed } from './watchFeed.js';

/**
 * What a host hands the router, in the parts each group of procedures needs. Both hosts build it
 * the same way (core/host/apiContext.ts); only the desktop host adds `bundles.takeOpened`.
 */
export interface ApiContext {
  /** The running twin's services, reached through their contracts. */
  core: ServiceAccess;
  /** The supervisor's controls and each service's settings. */
  system: SystemControl;
  /** Long operations this host runs for its clients, started once per client-made id and followed as event streams. */
  operations: HostOperations;
  /** Twin bundles (`.pagi`): the host writes and reads the files; the services copy and rebuild their databases. */
  bundles: BundleFiles;
  /** What comes from other apps: character cards (a new twin) and conversation histories (this twin's memories). */
  imports: Imports;
  /** The twins of this data folder. */
  twins: Twins;
  /** What changed, for `events.watch`: one feed per host, read by every client at its own pace. */
  watch: WatchFeed;
  /** Files a browser uploaded to the host, and exports staged for a browser to download. */
  files: StagedFiles;
}

export interface ServiceAccess {
  /** The twin the services run for (it changes when another twin is activated). */
  readonly twinId: string;
  readonly launcher: string;
  client<C extends Contract>(contract: C): ClientOf<C>;
}

export interface SystemControl {
  status(): Promise<ServiceStatus[]>;
  restart(id: string): Promise<void>;
  /** Tells `listener` each time a service changes state, restart count or last error; returns what stops it. */
  onStateChange(listener: ServiceStateListener): () => void;
  /** A service's config: what the user set (config.json), and what the running service parsed (defaults filled in). */
  serviceConfig(id: ServiceId): { saved: Record<string, unknown>; effective: Record<string, unknown> | null };
  /**
   * Sets top-level keys of a service's config: the service restarts with them and, once it runs,
   * they are saved to config.json. If it cannot run with them, the old config stays and this throws.
   * `runtimeOnly` keys go to the restarted process but are not saved (e.g. the model loaded now).
   */
  reconfigure(id: ServiceId, patch: Record<string, unknown>, runtimeOnly?: Record<string, unknown>): Promise<void>;
}

export interface BundleFiles {
  export(input: BundleExportInput, onProgress: (p: OperationProgress) => void): Promise<BundleExportResult>;
  import(input: BundleImportInput, onProgress: (p: OperationProgress) => void): Promise<BundleImportResult>;
  /** The desktop host: a `.pagi` file the OS asked the app to open (double-click), handed over once. */
  takeOpened?: () => string | null;
}

export interface Imports {
  /** A new twin (beside this one) from a SillyTavern character card: .png (V2/V3), .json or .charx. */
  card(file: string): Promise<CardImportResult>;
  /** A JSON Lines file or a ChatGPT export (`conversations.json`) into this twin's episodic memory. */
  conversations(input: ConversationImportInput, onProgress: (p: OperationProgress) => void, signal: AbortSignal): Promise<ConversationImportResult>;
}

/**
 * An uploaded file taken for one use: its path inside the host, and what ends the use. Work that
 * succeeded removes it; work that failed (a wrong passphrase) gives it back for another try, until
 * it goes unused for an hour.
 */
export interface StagedUploadUse { path: string; name: string; release(used: boolean): void }

export interface StagedFiles {
  /** Throws NOT_FOUND unless `handle` is an upload of `kind` this host gave out and still holds (a call says a bad one at once). */
  checkUpload(handle: string, kind: FileKind): void;
  /** Takes the upload for one use (CONFLICT while another use has it); `release` deletes it. */
  takeUpload(handle: string, kind: FileKind): StagedUploadUse;
  /** A fresh file to export into, for a browser to download once `publish` names it. */
  stageDownload(): { id: string; path: string; publish(name: string): void; discard(): void };
  /** A single-use URL, valid a minute, that downloads a published export: a link cannot carry the token. */
  downloadTicket(id: string): { url: string; name: string };
}

export interface Twins {
  list(): Array<{ id: string; name: string | null; origin: 'clone' | 'move' | 'card' | 'created' | null; parentId: string | null; addedAt: string | null; pendingName: string | null }>;
  /** The running twin's name as it is now, kept so the list names it while another twin runs. */
  rememberName(id: string, name: string): void;
  /** Renames a twin: the running one at once, another when it next runs. */
  rename(id: string, name: string): Promise<void>;
  /** Deletes a twin that does not run, with its memories and backups, for good. */
  delete(id: string): Promise<void>;
  /** Runs another twin of this data folder: every service restarts for it. */
  activate(id: string): Promise<void>;
}

export type FileWorkResult = BundleExportResult | BundleImportResult | ConversationImportResult;

export interface HostOperations {
  turns: OperationHub<TurnChunk, TurnResult>;
  /** Bundle export and import, and conversation imports. */
  files: OperationHub<ProgressEvent, FileWorkResult>;
}

/** How far a long operation is: bytes of a file, or jobs (fact extraction after an import). */
export interface OperationProgress { phase: string; done: number; total: number; unit: 'bytes' | 'jobs' }
export interface ProgressEvent { type: 'progress'; progress: OperationProgress }
export interface BundleExportInput {
  out: string; passphrase?: string | undefined; includeEvents: boolean; includeModel?: boolean;
  /** Replace a file already at `out` (a save dialog asked the user); otherwise CONFLICT. */
  overwrite?: boolean | undefined;
}
export interface BundleExportResult {
  file: string; bytes: number; entries: number; encrypted: boolean; twinId: string; name: string;
  /** An export for a browser: the staged file to ask a download ticket for (`files.downloadTicket`); null for a path. */
  download: string | null;
}
export interface BundleImportInput {
  file: string; mode: 'clone' | 'move'; passphrase?: string | undefined;
  /** true: run the imported twin now; false: keep the one that runs; absent: run it if the one running was never used. */
  activate?: boolean | undefined;
}
export interface BundleImportResult {
  twinId: string; sourceTwinId: string; name: string; mode: 'clone' | 'move'; parentId: string | null; generation: number;
  databases: number; embeddingModel: string | null; settings: Record<string, Record<string, unknown>>;
  model: { fileName: string; installed: 'copied' | 'already-installed' } | null;
  /** The imported twin is the one that runs now. */
  activated: boolean;
  /** The twin that ran before the import had never been used (no memories, no facts, persona as created). */
  previousUnused: boolean;
  /** Why the imported twin, asked to run, could not (it is imported all the same); null otherwise. */
  activationError: string | null;
}
export interface CardImportResult { twinId: string; name: string; spec: string; facts: number; notes: string[] }
export interface ConversationImportInput { file: string; extract: boolean }
export interface ConversationImportResult {
  format: 'jsonl' | 'chatgpt';
  /** Conversations (ChatGPT) or utterance lines (JSON Lines) read. */
  items: number;
  episodes: number;
  /** Items that could not be read: the line or conversation number, its title if it has one, why. */
  skipped: Array<{ at: number; title: string | null; error: string }>;
  skippedTotal: number;
  extraction: { jobs: number; done: number; failed: number; added: number; updated: number; superseded: number; errors: string[] } | null;
}
