import type { ClientOf, Contract } from '../contracts/contract.js';
import type { ServiceStatus } from '../runtime/common/serviceStatus.js';

/** What a host gives the router: typed clients to services and the supervisor's controls. */
export interface CoreAccess {
  twinId: string;
  launcher: string;
  client<C extends Contract>(contract: C): ClientOf<C>;
  status(): Promise<ServiceStatus[]>;
  restart(id: string): Promise<void>;
}

export interface ApiContext {
  core: CoreAccess;
}
