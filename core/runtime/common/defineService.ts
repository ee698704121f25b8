import type { z } from 'zod';
import type { ApiOf, ClientOf, Contract } from '../../contracts/contract.js';
import type { BusClient } from './busClient.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface Logger {
  trace(msg: string, data?: unknown): void;
  debug(msg: string, data?: unknown): void;
  info(msg: string, data?: unknown): void;
  warn(msg: string, data?: unknown): void;
  error(msg: string, data?: unknown): void;
}

export interface ServicePaths {
  /** The data folder of the whole app (`--data-dir`). */
  dataDir: string;
  /** The folder of the active twin: every data-owning service keeps its files here. */
  twinDir: string;
}

export interface ServiceContext<Cfg> {
  id: string;
  twinId: string;
  config: Cfg;
  log: Logger;
  bus: BusClient;
  paths: ServicePaths;
  /** Aborted when the service is asked to stop. */
  signal: AbortSignal;
  /** A typed client for another service's contract. */
  client<C extends Contract>(contract: C): ClientOf<C>;
  /** The databases this service opened with `openServiceDatabase(ctx, …)`: what it puts in a twin bundle. */
  databases: { add(entry: unknown): void };
  /**
   * Something to undo when the service stops (a timer, a server, a last write). The host runs these
   * in reverse order of registration, then closes the service's databases and ends its bus
   * subscriptions itself: a service registers only what the host cannot know about.
   */
  onDispose(fn: () => unknown): void;
}

export interface ServiceHealth {
  ok: boolean;
  detail?: string;
}

export interface StartedService<C extends Contract> {
  api: ApiOf<C>;
  health?: () => ServiceHealth | Promise<ServiceHealth>;
}

export interface ServiceDefinition<C extends Contract = Contract, S extends z.ZodType = z.ZodType> {
  id: C['id'];
  contract: C;
  configSchema: S;
  start(ctx: ServiceContext<z.output<S>>): Promise<StartedService<C>>;
}

/** The one shape every service has. The host loads it, validates config, starts it, serves its contract. */
export function defineService<C extends Contract, S extends z.ZodType>(def: ServiceDefinition<C, S>): ServiceDefinition<C, S> {
  return def;
}
