import type { CoreAccess } from '../api/coreAccess.js';
import type { Supervisor } from '../runtime/node/supervisor.js';

/** What both hosts hand the router: clients and controls of their supervisor. */
export function supervisorAccess(supervisor: Supervisor, twinId: string): CoreAccess {
  return {
    twinId,
    launcher: supervisor.launcherKind,
    client: (contract) => supervisor.client(contract),
    status: () => supervisor.status({ refresh: true }),
    restart: (id) => supervisor.restart(id),
  };
}
