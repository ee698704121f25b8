import { PagiError } from '../../contracts/errors.js';

/**
 * How many generations may wait for a sequence. Beyond it a generation fails at once: behind 256
 * others it would wait many minutes, and the caller is better told to come back later.
 */
export const MAX_WAITING = 256;

export interface SequenceLease<S> {
  sequence: S;
  /** Aborts when the pool closes (the model is unloaded or replaced): stop generating and release. */
  closing: AbortSignal;
  /** Gives the sequence back (to the first waiter, if any); calling it again does nothing. */
  release(): void;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** While queued: how many generations wait ahead of this one; called when queued and whenever that changes. */
  onWaiting?(ahead: number): void;
}

interface Waiter<S> {
  resolve(lease: SequenceLease<S>): void;
  reject(err: PagiError): void;
  onWaiting?(ahead: number): void;
  ahead: number;
  detach(): void;
}

/**
 * The sequences of one context, created once and lent out in turn. Taking a sequence per
 * generation and disposing it afterwards does not work under load: node-llama-cpp gives a disposed
 * sequence's id back asynchronously, so the next generation finds "No sequences left". Lending the
 * same sequences also lets a generation reuse the prompt prefix the previous one left in it.
 * Waiters are served first come, first served.
 */
export function createSequencePool<S>(sequences: readonly S[], opts: { maxWaiting?: number } = {}) {
  if (sequences.length === 0) throw new PagiError('INTERNAL', 'a sequence pool needs at least one sequence');
  const maxWaiting = opts.maxWaiting ?? MAX_WAITING;
  const free = [...sequences];
  const queue: Array<Waiter<S>> = [];
  const closing = new AbortController();
  let closedWith: string | null = null;
  let leased = 0;
  let drained: (() => void) | null = null;

  /** A callback that throws must not leave the queue half updated. */
  const tell = (w: Waiter<S>, ahead: number): void => {
    if (w.ahead === ahead) return;
    w.ahead = ahead;
    try {
      w.onWaiting?.(ahead);
    } catch {
      // the waiter's own problem; its place in the queue stands
    }
  };
  const renumber = (from: number): void => {
    for (let i = from; i < queue.length; i++) tell(queue[i] as Waiter<S>, i);
  };

  const lend = (sequence: S): SequenceLease<S> => {
    leased++;
    let released = false;
    return {
      sequence,
      closing: closing.signal,
      release: () => {
        if (released) return;
        released = true;
        leased--;
        if (closedWith !== null) {
          if (leased === 0) drained?.();
          return;
        }
        const next = queue.shift();
        if (!next) {
          free.push(sequence);
          return;
        }
        next.detach();
        next.resolve(lend(sequence));
        renumber(0);
      },
    };
  };

  return {
    /** A free sequence now, or one once those queued before this call have had theirs. */
    acquire(o: AcquireOptions = {}): Promise<SequenceLease<S>> {
      if (closedWith !== null) return Promise.reject(unloadedWhileWaiting(closedWith));
      if (o.signal?.aborted) return Promise.reject(cancelledWhileWaiting());
      // the sequence given back last: a conversation's next turn finds its own prefix still there
      const sequence = queue.length === 0 ? free.pop() : undefined;
      if (sequence !== undefined) return Promise.resolve(lend(sequence));
      if (queue.length >= maxWaiting) {
        return Promise.reject(new PagiError(
          'RESOURCE_EXHAUSTED',
          `the model is busy: ${queue.length} replies are already waiting for it; try again in a few minutes`,
          { waiting: queue.length },
        ));
      }
      return new Promise<SequenceLease<S>>((resolve, reject) => {
        const onAbort = (): void => {
          const at = queue.indexOf(waiter);
          if (at < 0) return;
          queue.splice(at, 1);
          waiter.detach();
          reject(cancelledWhileWaiting());
          renumber(at);
        };
        const waiter: Waiter<S> = {
          resolve, reject, ahead: -1,
          ...(o.onWaiting ? { onWaiting: o.onWaiting } : {}),
          detach: () => o.signal?.removeEventListener('abort', onAbort),
        };
        o.signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
        tell(waiter, queue.length - 1);
      });
    },

    /**
     * No more lending: waiters fail at once with `reason` in the message, holders see `closing`
     * abort. Resolves once every lent sequence is back — only then may the context be disposed.
     */
    close(reason: string): Promise<void> {
      if (closedWith === null) {
        closedWith = reason;
        closing.abort(new PagiError('UNAVAILABLE', unloadedWhileGenerating(reason)));
        for (const w of queue.splice(0)) {
          w.detach();
          w.reject(unloadedWhileWaiting(reason));
        }
      }
      if (leased === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const before = drained;
        drained = () => {
          before?.();
          resolve();
        };
      });
    },

    get size(): number {
      return sequences.length;
    },
    /** Generations that hold a sequence now. */
    get busy(): number {
      return leased;
    },
    get waiting(): number {
      return queue.length;
    },
  };
}

export type SequencePool<S> = ReturnType<typeof createSequencePool<S>>;

export const cancelledWhileWaiting = (): PagiError => new PagiError('CANCELLED', 'the reply was cancelled while it waited for the model');
const unloadedWhileWaiting = (reason: string): PagiError =>
  new PagiError('UNAVAILABLE', `the model was unloaded (${reason}) before this reply started; send it again once a model is loaded`);
/** For generations that held a sequence when the pool closed. */
export const unloadedWhileGenerating = (reason: string): string =>
  `the model was unloaded (${reason}) while this reply was being written; send it again once a model is loaded`;
