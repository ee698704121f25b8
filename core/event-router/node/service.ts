import { z } from 'zod';
import { PagiError } from '../../contracts/errors.js';
import { EVENT_TOPICS, isEventTopic, type BusEvent } from '../../contracts/events.js';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { eventRouterContract } from '../common/contract.js';
import { createEventLog, type AppendItem, type AppendResult } from './eventLog.js';
import { eventLogMigrations } from './migrations.js';

const configSchema = z.object({
  retention: z
    .object({
      maxEvents: z.number().int().min(1_000).default(1_000_000),
      maxAgeDays: z.number().positive().default(90),
      pruneEveryMs: z.number().int().min(1_000).default(60_000),
    })
    .default({ maxEvents: 1_000_000, maxAgeDays: 90, pruneEveryMs: 60_000 }),
  /** Events per chunk pushed to a subscriber. */
  chunkSize: z.number().int().min(1).max(5_000).default(256),
});

export default defineService({
  id: 'event-router',
  contract: eventRouterContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'events.db', eventLogMigrations, { synchronous: 'FULL', portable: { optional: 'events' } });
    const log = createEventLog(db);

    // Group commit: everything published or acked in one turn of the event loop shares one transaction.
    let pending: Array<{ items: AppendItem[]; resolve(r: AppendResult[]): void; reject(e: unknown): void }> = [];
    const pendingAcks = new Map<string, number>();
    let flushScheduled = false;
    const acked = new Map(log.consumers().map((c) => [c.consumer, c.acked]));
    const wakers = new Set<() => void>();
    const wakeAll = (): void => {
      for (const w of [...wakers]) w();
    };

    const flush = (): void => {
      flushScheduled = false;
      const batch = pending;
      pending = [];
      const acks = [...pendingAcks];
      pendingAcks.clear();
      try {
        const results = log.commit(batch.flatMap((b) => b.items), acks);
        let i = 0;
        for (const b of batch) {
          b.resolve(results.slice(i, i + b.items.length));
          i += b.items.length;
        }
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
      if (batch.length > 0) wakeAll();
    };
    const scheduleFlush = (): void => {
      if (flushScheduled) return;
      flushScheduled = true;
      setImmediate(flush);
    };

    const waitForChange = (signal: AbortSignal): Promise<void> =>
      new Promise((resolve) => {
        const done = (): void => {
          wakers.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        wakers.add(done);
        signal.addEventListener('abort', done, { once: true });
      });

    const pruneTimer = setInterval(() => {
      try {
        const removed = log.prune(ctx.config.retention.maxEvents, ctx.config.retention.maxAgeDays * 86_400_000);
        if (removed > 0) ctx.log.info(`retention pruned ${removed} events`);
      } catch (err) {
        ctx.log.error('retention prune failed', { error: PagiError.from(err).message });
      }
    }, ctx.config.retention.pruneEveryMs);
    pruneTimer.unref();
    ctx.onDispose(() => {
      clearInterval(pruneTimer);
      // acks waiting for the next tick are written before the file closes; long-polls end now
      if (flushScheduled) flush();
      wakeAll();
    });

    return {
      api: {
        publishBatch({ events }, { caller }) {
          const items: AppendItem[] = events.map((e, i) => {
            if (!isEventTopic(e.topic)) {
              throw new PagiError('INVALID_INPUT', `events.${i}.topic: unknown topic "${e.topic}"`, { topic: e.topic });
            }
            const parsed = EVENT_TOPICS[e.topic].safeParse(e.payload);
            if (!parsed.success) throw PagiError.invalidInput(parsed.error, `payload of events.${i} (${e.topic})`);
            return { id: e.id, topic: e.topic, payload: parsed.data, source: caller };
          });
          return new Promise<AppendResult[]>((resolve, reject) => {
            pending.push({ items, resolve, reject });
            scheduleFlush();
          }).then((results) => ({ results }));
        },

        async subscribe({ consumer, topics, fromOffset, window }, { emit, signal }) {
          const filter = topics.includes('*') ? null : topics;
          let cursor = fromOffset !== undefined ? fromOffset - 1 : acked.get(consumer) ?? 0;
          // offsets sent but not yet acked: the window bounds how far a slow consumer can fall behind in memory
          const inFlight: number[] = [];
          while (!signal.aborted) {
            const ackedNow = acked.get(consumer) ?? 0;
            while (inFlight.length > 0 && (inFlight[0] as number) <= ackedNow) inFlight.shift();
            const room = Math.min(window - inFlight.length, ctx.config.chunkSize);
            if (room > 0) {
              const head = log.headOffset();
              const events: BusEvent[] = log.readAfter(cursor, filter, room);
              if (events.length > 0) {
                cursor = (events[events.length - 1] as BusEvent).offset;
                for (const e of events) inFlight.push(e.offset);
                emit({ events });
                continue;
              }
              cursor = Math.max(cursor, head); // nothing matching up to head: skip the scanned range
            }
            await waitForChange(signal);
          }
          return { endedAt: Date.now() };
        },

        ack({ consumer, offset }) {
          const next = Math.max(acked.get(consumer) ?? 0, offset);
          acked.set(consumer, next);
          pendingAcks.set(consumer, next);
          scheduleFlush();
          wakeAll();
          return { acked: next };
        },

        read({ fromOffset, limit, topics }) {
          return {
            events: log.readAfter(fromOffset - 1, topics && !topics.includes('*') ? topics : null, limit),
            headOffset: log.headOffset(),
            firstOffset: log.firstOffset(),
          };
        },

        stats() {
          const head = log.headOffset();
          return {
            headOffset: head,
            firstOffset: log.firstOffset(),
            count: log.count(),
            consumers: [...acked].map(([consumer, a]) => ({ consumer, acked: a, lag: Math.max(0, head - a) })),
          };
        },
      },
      health: () => ({ ok: db.open }),
    };
  },
});
