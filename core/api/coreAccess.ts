import type { ClientOf, Contract } from '../contracts/contract.js';
import type { TurnChunk, TurnResult } from '../executive/common/contract.js';
import type { ServiceId } from '../contracts/manifest.js';
import type { ServiceStatus } from '../runtime/common/serviceStatus.js';
import type { OperationHub } from './operationHub.js';

/** What a host gives the router: typed clients to services and the supervisor's controls. */
export interface CoreAccess {
  /** The twin the services run for (it changes when another twin is activated). */
  readonly twinId: string;
  launcher: string;
  client<C extends Contract>(contract: C): ClientOf<C>;
  status(): Promise<ServiceStatus[]>;
  restart(id: string): Promise<void>;
  /** A service's config: what the user set (config.json), and what the running service parsed (defaults filled in). */
  serviceConfig(id: ServiceId): { saved: Record<string, unknown>; effective: Record<string, unknown> | null };
  /**
   * Sets top-level keys of a service's config: the service restarts with them and, once it runs,
   * they are saved to config.json. If it cannot run with them, the old config stays and this throws.
   * `runtimeOnly` keys go to the restarted process but are not saved (e.g. the model loaded now).
   */
  reconfigure(id: ServiceId, patch: Record<string, unknown>, runtimeOnly?: Record<string, unknown>): Promise<void>;
  /** Twin bundles (`.pagi`): the host writes and reads the files; the services copy and rebuild their databases. */
  exportBundle(input: BundleExportInput, onProgress: (p: BundleProgress) => void): Promise<BundleExportResult>;
  importBundle(input: BundleImportInput, onProgress: (p: BundleProgress) => void): Promise<BundleImportResult>;
  /** A new twin (beside this one) from a SillyTavern character card: .png (V2/V3), .json or .charx. */
  createTwinFromCard(file: string): Promise<CardImportResult>;
  /** A ChatGPT data export (`conversations.json`) into this twin's episodic memory. */
  importChatGpt(file: string, onProgress: (p: BundleProgress) => void): Promise<ChatGptImportResult>;
  /** The twins of this data folder, and running another one (every service restarts for it). */
  listTwins(): Array<{ id: string; name: string | null; origin: 'clone' | 'move' | 'card' | null; parentId: string | null; addedAt: string | null }>;
  activateTwin(id: string): Promise<void>;
  /** Long operations this host runs for its clients, started once per client-made id and followed as event streams. */
  readonly operations: HostOperations;
  /** The desktop host: a `.pagi` file the OS asked the app to open (double-click), handed over once. */
  takeOpenedBundle?: () => string | null;
}

export interface HostOperations {
  turns: OperationHub<TurnChunk, TurnResult>;
  bundles: OperationHub<BundleProgressEvent, BundleExportResult | BundleImportResult | ChatGptImportResult>;
}

export interface BundleProgressEvent { type: 'progress'; progress: BundleProgress }
export interface BundleProgress { phase: string; doneBytes: number; totalBytes: number }
export interface BundleExportInput { out: string; passphrase?: string | undefined; includeEvents: boolean; includeModel?: boolean }
export interface BundleExportResult { file: string; bytes: number; entries: number; encrypted: boolean; twinId: string; name: string }
export interface BundleImportInput { file: string; mode: 'clone' | 'move'; passphrase?: string | undefined }
export interface BundleImportResult {
  twinId: string; sourceTwinId: string; name: string; mode: 'clone' | 'move'; parentId: string | null; generation: number;
  databases: number; embeddingModel: string | null; settings: Record<string, Record<string, unknown>>;
  model: { fileName: string; installed: 'copied' | 'already-installed' } | null;
}

export interface ApiContext {
  core: CoreAccess;
}

export interface CardImportResult { twinId: string; name: string; spec: string; facts: number; notes: string[] }
export interface ChatGptImportResult { conversations: number; episodes: number; skipped: Array<{ conversation: number; title: string | null; error: string }> }
