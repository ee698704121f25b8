import { PagiError } from '../../contracts/errors.js';
import type { ClientOf } from '../../contracts/contract.js';
import type { BusEvent, EventPayload, EventTopic } from '../../contracts/events.js';
import { newId } from '../../contracts/ids.js';
import type { busContract } from './busContract.js';
import type { Logger } from './defineService.js';

export interface PublishResult {
  id: string;
  offset: number;
  duplicate: boolean;
}

export interface SubscribeOptions {
  /** Durable consumer name: the router keeps its acked offset across restarts. */
  consumer: string;
  topics: Array<EventTopic | '*'>;
  fromOffset?: number;
  /** Called once per event, in order. Throwing retries the event; events are delivered at least once. */
  handler: (event: BusEvent) => void | Promise<void>;
}

export interface Subscription {
  close(): void;
  /** Offset of the last event this subscription finished handling (0 before any). */
  readonly lastHandled: number;
}

export interface BusClient {
  /** Resolves once the event is durably committed. `id` makes a retried publish a no-op. */
  publish<T extends EventTopic>(topic: T, payload: EventPayload<T>, opts?: { id?: string }): Promise<PublishResult>;
  subscribe(opts: SubscribeOptions): Subscription;
}

const MAX_BATCH = 1_000;
const HANDLER_RETRIES = 3;

/**
 * Publishes are coalesced per tick into one `publishBatch` call (the router commits them in one
 * transaction); subscriptions reconnect with backoff and resume after the last acked offset.
 */
export function createBusClient(router: ClientOf<typeof busContract>, log: Logger, stopped?: AbortSignal): BusClient {
  let queue: Array<{ id: string; topic: string; payload: unknown; resolve(r: PublishResult): void; reject(e: unknown): void }> = [];
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      router
        .publishBatch({ events: batch.map(({ id, topic, payload }) => ({ id, topic, payload })) })
        .then(({ results }) => batch.forEach((item, i) => item.resolve(results[i] as PublishResult)))
        .catch((err: unknown) => batch.forEach((item) => item.reject(err)));
    }
  };

  return {
    publish(topic, payload, opts) {
      return new Promise((resolve, reject) => {
        queue.push({ id: opts?.id ?? newId(), topic, payload, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      });
    },
    subscribe(opts) {
      const sub = runSubscription(router, log, opts);
      // a service's subscriptions end with the service: none of them needs closing by hand
      stopped?.addEventListener('abort', () => sub.close(), { once: true });
      return sub;
    },
  };
}

function runSubscription(router: ClientOf<typeof busContract>, log: Logger, opts: SubscribeOptions): Subscription {
  const ctl = new AbortController();
  let lastHandled = 0;
  let fromOffset = opts.fromOffset;
  const inbox: BusEvent[] = [];
  let draining: Promise<void> | null = null;

  const handleOne = async (event: BusEvent): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.handler(event);
        return;
      } catch (err) {
        if (attempt >= HANDLER_RETRIES) {
          log.error(`bus consumer ${opts.consumer} gave up on event ${event.offset} (${event.topic}) after ${attempt} tries`, {
            error: PagiError.from(err).message,
          });
          return;
        }
        await sleep(50 * 2 ** attempt, ctl.signal);
      }
    }
  };

  const drain = async (): Promise<void> => {
    while (inbox.length > 0 && !ctl.signal.aborted) {
      const batch = inbox.splice(0);
      for (const event of batch) {
        if (ctl.signal.aborted) return;
        if (event.offset <= lastHandled) continue; // redelivered after a reconnect
        await handleOne(event);
        lastHandled = event.offset;
      }
      router.ack({ consumer: opts.consumer, offset: lastHandled }).catch(() => {
        // the router restarted; it will redeliver from its last durable ack and we skip what we handled
      });
    }
  };

  const kick = (): void => {
    if (draining) return;
    draining = drain().finally(() => {
      draining = null;
      if (inbox.length > 0 && !ctl.signal.aborted) kick();
    });
  };

  const loop = async (): Promise<void> => {
    let backoff = 50;
    while (!ctl.signal.aborted) {
      try {
        await router.subscribe(
          { consumer: opts.consumer, topics: opts.topics, ...(fromOffset !== undefined ? { fromOffset } : {}) },
          {
            signal: ctl.signal,
            onChunk: ({ events }) => {
              backoff = 50;
              inbox.push(...events);
              kick();
            },
          },
        );
      } catch (err) {
        if (ctl.signal.aborted) return;
        log.debug(`bus subscription ${opts.consumer} lost: ${PagiError.from(err).message}; resubscribing`);
      }
      // after a reconnect, resume after what we have handled (the router also knows our durable ack)
      if (lastHandled > 0) fromOffset = lastHandled + 1;
      await sleep(backoff, ctl.signal);
      backoff = Math.min(backoff * 2, 2_000);
    }
  };
  void loop();

  return {
    close: () => ctl.abort(),
    get lastHandled() {
      return lastHandled;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
