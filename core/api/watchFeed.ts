import { tracked, type TrackedEnvelope } from '@trpc/server';
import type { ClientOf } from '../contracts/contract.js';
import { PagiError } from '../contracts/errors.js';
import { createBusClient, type Subscription } from '../runtime/common/busClient.js';
import type { busContract } from '../runtime/common/busContract.js';
import type { Logger } from '../runtime/common/defineService.js';
import type { ServiceStateListener } from '../runtime/common/serviceStatus.js';
import { noticeOfEvent, type WatchNotice } from './watchNotices.js';

/** What the feed listens to: the supervisor's state changes and the event log. */
export interface WatchSources {
  onStateChange(listener: ServiceStateListener): () => void;
  /** The running twin's event router (asked anew each time: the twin can change). */
  bus(): ClientOf<typeof busContract>;
  twinId(): string;
  log?: Logger;
}

export interface WatchFeedOptions {
  /** Notices kept for every client together: a client further behind than this is told to resync. */
  capacity?: number;
  /** How long the event log is still followed after the last client left, so a reconnect misses nothing. */
  lingerMs?: number;
}

export interface WatchFeed {
  /** The notices after `lastEventId` (or from now), each with its id; ends when `signal` aborts. */
  follow(lastEventId: string | null | undefined, signal: AbortSignal | undefined): AsyncGenerator<TrackedEnvelope<WatchNotice>>;
  /** A notice only the host knows of (e.g. a bundle the desktop was asked to open). */
  tell(notice: Extract<WatchNotice, { kind: 'bundle-opened' }>): void;
  /** Notices the host holds now, for all clients together: never more than `capacity`. */
  readonly buffered: number;
  close(): void;
}

/** The event log's name for this feed's place in it. */
export const WATCH_CONSUMER = 'host.watch';
const SILENT: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * One feed per host for all its clients: every notice goes into one ring of `capacity`, and each
 * client reads it at its own pace through a cursor. A slow client costs the host nothing more: when
 * the ring has moved past its cursor it gets one `resync` and goes on from the newest. Ids are
 * `<run>.<seq>`, so a reconnect resumes where it left off while this host runs, and resyncs after.
 * The event log is followed (from its head, as consumer `host.watch`) only while someone watches.
 */
export function createWatchFeed(sources: WatchSources, opts: WatchFeedOptions = {}): WatchFeed {
  const capacity = opts.capacity ?? 512;
  const lingerMs = opts.lingerMs ?? 30_000;
  const log = sources.log ?? SILENT;
  const run = Math.random().toString(36).slice(2, 10);
  const ring: WatchNotice[] = [];
  let firstSeq = 1; // the seq of ring[0]
  let nextSeq = 1;
  const wakers = new Set<() => void>();
  let watchers = 0;
  let closed = false;

  const push = (notice: WatchNotice): void => {
    ring.push(notice);
    nextSeq++;
    if (ring.length > capacity) {
      ring.shift();
      firstSeq++;
    }
    for (const wake of [...wakers]) wake();
  };
  const idOf = (seq: number): string => `${run}.${seq}`;
  const seqOf = (id: string | null | undefined): number | null => {
    const m = /^([a-z0-9]+)\.(\d{1,15})$/.exec(id ?? '');
    return m && m[1] === run ? Number(m[2]) : null;
  };

  // ---- the event log, followed while someone watches ----
  let subscription: Subscription | null = null;
  let opening = false;
  let followedTwin: string | null = null;
  /** The last offset turned into a notice (0: none yet, start at the head). */
  let lastOffset = 0;
  let linger: ReturnType<typeof setTimeout> | null = null;

  const openLog = async (): Promise<void> => {
    if (subscription || opening || closed || watchers === 0) return;
    opening = true;
    try {
      const twin = sources.twinId();
      const { headOffset } = await sources.bus().read({ fromOffset: 1, limit: 1 }, { timeoutMs: 5_000 });
      if (followedTwin !== null && followedTwin !== twin) {
        lastOffset = 0; // another twin, another log: its offsets say nothing of the last one's
        push({ kind: 'resync', reason: 'twin-switched' });
      } else if (lastOffset > 0 && headOffset - lastOffset > capacity) {
        lastOffset = 0; // more missed than a client could take: show everything again instead
        push({ kind: 'resync', reason: 'gap' });
      }
      if (lastOffset === 0 || lastOffset > headOffset) lastOffset = headOffset;
      followedTwin = twin;
      if (closed || watchers === 0) return;
      const bus = createBusClient(sources.bus(), log);
      subscription = bus.subscribe({
        consumer: WATCH_CONSUMER,
        topics: ['*'],
        fromOffset: lastOffset + 1,
        handler: (event) => {
          if (event.offset <= lastOffset) return;
          lastOffset = event.offset;
          push(noticeOfEvent(event));
        },
      });
    } catch (err) {
      // the event router is not up: its `running` change opens the log again
      log.debug(`events.watch: the event log cannot be followed yet: ${PagiError.from(err).message}`);
    } finally {
      opening = false;
    }
  };
  const closeLog = (): void => {
    subscription?.close();
    subscription = null;
  };

  const stopStates = sources.onStateChange((change) => {
    push({ kind: 'service', change });
    // a restarted event router resumes the same log (the bus client reconnects); another twin's is a new one
    if (change.id === 'event-router' && change.state === 'running' && watchers > 0) {
      if (followedTwin !== null && followedTwin !== sources.twinId()) closeLog();
      void openLog();
    }
  });

  const waitForNotice = (signal: AbortSignal | undefined): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        wakers.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      wakers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });

  return {
    async *follow(lastEventId, signal) {
      watchers++;
      if (linger) clearTimeout(linger);
      linger = null;
      void openLog();
      try {
        const asked = seqOf(lastEventId);
        const resumed = asked !== null && asked >= firstSeq - 1 && asked < nextSeq;
        let cursor = resumed ? asked : nextSeq - 1; // the last seq this client has
        yield tracked(idOf(cursor), { kind: 'ready', resumed });
        while (!signal?.aborted && !closed) {
          if (cursor < firstSeq - 1) {
            // the ring moved on while this client was slow: one notice instead of what it missed
            cursor = nextSeq - 1;
            yield tracked(idOf(cursor), { kind: 'resync', reason: 'fell-behind' });
            continue;
          }
          if (cursor < nextSeq - 1) {
            cursor++;
            yield tracked(idOf(cursor), ring[cursor - firstSeq] as WatchNotice);
            continue;
          }
          await waitForNotice(signal);
        }
      } finally {
        watchers--;
        if (watchers === 0 && !closed) {
          linger = setTimeout(() => {
            linger = null;
            if (watchers === 0) closeLog();
          }, lingerMs);
          linger.unref?.();
        }
      }
    },
    tell(notice) {
      push(notice);
    },
    get buffered() {
      return ring.length;
    },
    close() {
      closed = true;
      if (linger) clearTimeout(linger);
      stopStates();
      closeLog();
      for (const wake of [...wakers]) wake();
    },
  };
}
