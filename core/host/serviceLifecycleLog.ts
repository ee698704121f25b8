import type { EventPayload } from '../contracts/events.js';
import { PagiError } from '../contracts/errors.js';
import { eventRouterContract } from '../event-router/common/contract.js';
import type { LogSink, ServiceStateChange } from '../runtime/common/serviceStatus.js';
import type { Supervisor } from '../runtime/node/supervisor.js';

type LifecycleEvent =
  | { id: string; topic: 'service.crashed'; payload: EventPayload<'service.crashed'> }
  | { id: string; topic: 'service.restarted'; payload: EventPayload<'service.restarted'> };

/** Records kept while the event router cannot take them (it may be the one that crashed); past this, the oldest go. */
const MAX_WAITING = 200;
const RETRY_MS = 5_000;

/**
 * Writes the supervisor's crashes and restarts into the event log (`service.crashed`,
 * `service.restarted`), so the System page's log shows them beside everything else. The event
 * router may itself be down: records wait (bounded) and go when it runs again. Event ids are fixed
 * per record, so a publish retried after a lost answer is not written twice. Returns what stops it.
 */
export function recordServiceLifecycle(supervisor: Supervisor, logSink: LogSink): () => void {
  const lastState = new Map<string, ServiceStateChange['state']>();
  const gaveUp = new Set<string>();
  let waiting: LifecycleEvent[] = [];
  let publishing = false;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const publish = async (): Promise<void> => {
    if (publishing || stopped || waiting.length === 0) return;
    publishing = true;
    const batch = waiting.slice();
    try {
      await supervisor.client(eventRouterContract).publishBatch({ events: batch }, { timeoutMs: 10_000 });
      waiting = waiting.filter((e) => !batch.includes(e));
    } catch (err) {
      // kept for the event router's next start (its own `running` change calls this again), or a later try
      logSink({ service: 'host', level: 'debug', msg: `service crash records wait for the event log: ${PagiError.from(err).message}`, time: Date.now() });
      retry ??= setTimeout(() => {
        retry = null;
        void publish();
      }, RETRY_MS);
      retry.unref?.();
    } finally {
      publishing = false;
    }
    if (waiting.some((e) => !batch.includes(e))) void publish();
  };

  const record = (event: LifecycleEvent): void => {
    waiting.push(event);
    if (waiting.length > MAX_WAITING) waiting = waiting.slice(-MAX_WAITING);
    void publish();
  };

  const stop = supervisor.onStateChange((change) => {
    const before = lastState.get(change.id);
    lastState.set(change.id, change.state);
    if (change.ended && !change.ended.asked) {
      const next = change.state === 'failed' ? 'failed' : 'restart';
      record({ id: `service-${change.id}-crashed-${change.at}`, topic: 'service.crashed', payload: { service: change.id, how: change.ended.how, restarts: change.restarts, next } });
    } else if (change.state === 'running' && (before === 'restarting' || gaveUp.has(change.id))) {
      record({ id: `service-${change.id}-restarted-${change.at}`, topic: 'service.restarted', payload: { service: change.id, restarts: change.restarts } });
    }
    // what waited for the event router goes as soon as it runs again
    // a failed service started again (from the System page) comes back through `starting`, not `restarting`
    if (change.state === 'failed') gaveUp.add(change.id);
    else if (change.state === 'running') gaveUp.delete(change.id);
    if (change.id === eventRouterContract.id && change.state === 'running') void publish();
  });
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    stop();
  };
}
