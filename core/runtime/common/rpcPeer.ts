import { PagiError } from '../../contracts/errors.js';
import { wireMessageSchema, type WireMessage } from './wire.js';

export interface RequestContext {
  caller: string;
  signal: AbortSignal;
  emit(chunk: unknown): void;
}

export type RequestHandler = (method: string, input: unknown, ctx: RequestContext) => Promise<unknown>;

export interface PeerCallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Asks the callee to finish early: its handler's signal aborts, and the call still resolves with what it returns. */
  stop?: AbortSignal;
  onChunk?: (chunk: unknown) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: PagiError): void;
  onChunk?: (chunk: unknown) => void;
  cleanup(): void;
}

/** Default deadline for plain calls; streams have none unless the caller sets one. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * One side of a bidirectional RPC channel: it makes calls to the peer and serves the peer's calls.
 * The transport is a send function plus `receive` for incoming frames, so the same code runs over
 * in-memory queues, child-process IPC and Electron message ports.
 */
export class RpcPeer {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly serving = new Map<number, { ctl: AbortController; answer: boolean }>();

  constructor(
    private readonly peerId: string,
    private readonly send: (msg: WireMessage) => void,
    private readonly handler?: RequestHandler,
    /** A frame that answers nothing we wait for, or cannot be read: for a debug log, never an error. */
    private readonly onDrop?: (frame: unknown, why: string) => void,
  ) {}

  call(method: string, input: unknown, opts: PeerCallOptions = {}): Promise<unknown> {
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? (opts.onChunk ? undefined : DEFAULT_CALL_TIMEOUT_MS);
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new PagiError('CANCELLED', `call ${this.peerId}.${method} was cancelled before it started`));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        this.pending.delete(id);
        cleanup();
        this.trySend({ k: 'can', id });
        reject(new PagiError('CANCELLED', `call ${this.peerId}.${method} was cancelled`));
      };
      const onStop = (): void => this.trySend({ k: 'can', id, stop: true });
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        opts.stop?.removeEventListener('abort', onStop);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.pending.delete(id);
          cleanup();
          this.trySend({ k: 'can', id });
          reject(new PagiError('DEADLINE_EXCEEDED', `call ${this.peerId}.${method} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      opts.stop?.addEventListener('abort', onStop, { once: true });
      this.pending.set(id, { resolve, reject, onChunk: opts.onChunk, cleanup });
      const msg: WireMessage = { k: 'req', id, m: method, a: input };
      if (timeoutMs !== undefined) msg.dl = Date.now() + timeoutMs;
      if (opts.onChunk) msg.s = true;
      try {
        this.send(msg);
        if (opts.stop?.aborted) onStop();
      } catch (err) {
        this.pending.delete(id);
        cleanup();
        reject(new PagiError('UNAVAILABLE', `cannot reach ${this.peerId}: ${PagiError.from(err).message}`));
      }
    });
  }

  receive(raw: unknown): void {
    const parsed = wireMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.onDrop?.(raw, 'malformed: it has no id we could answer');
      return;
    }
    const msg = parsed.data;
    switch (msg.k) {
      case 'req':
        void this.serve(msg.id, msg.m, msg.a, msg.dl);
        return;
      case 'res': {
        const p = this.pending.get(msg.id);
        if (!p) {
          this.onDrop?.(raw, 'no call waits for it (its deadline passed, or it was cancelled)');
          return;
        }
        this.pending.delete(msg.id);
        p.cleanup();
        if (msg.ok) p.resolve(msg.v);
        else p.reject(PagiError.fromWire(msg.e));
        return;
      }
      case 'chk': {
        const p = this.pending.get(msg.id);
        if (p) p.onChunk?.(msg.v);
        else this.onDrop?.(raw, 'no call waits for it');
        return;
      }
      case 'can': {
        const s = this.serving.get(msg.id);
        if (!s) {
          this.onDrop?.(raw, 'the answer went out first: nothing is left to stop');
          return;
        }
        // a stop still wants the answer; a cancel has stopped listening
        s.answer = msg.stop === true && s.answer;
        s.ctl.abort();
        return;
      }
    }
  }

  /** The peer went away: fail what we wait for, stop what we do for it. */
  reset(reason: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.cleanup();
      p.reject(new PagiError('UNAVAILABLE', `${this.peerId} went away while handling the call (${reason})`, { peer: this.peerId, peerReset: true, reason }));
    }
    for (const s of this.serving.values()) {
      s.answer = false;
      s.ctl.abort();
    }
    this.serving.clear();
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private async serve(id: number, method: string, input: unknown, deadline: number | undefined): Promise<void> {
    const ctl = new AbortController();
    const serving = { ctl, answer: true };
    this.serving.set(id, serving);
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (deadline !== undefined) {
      timer = setTimeout(() => {
        serving.answer = false; // the caller has given up already
        ctl.abort();
      }, Math.max(0, deadline - Date.now()));
    }
    try {
      if (!this.handler) throw new PagiError('UNSUPPORTED', `this endpoint serves no procedures (called ${method})`);
      const value = await this.handler(method, input, {
        caller: this.peerId,
        signal: ctl.signal,
        emit: (chunk) => {
          if (serving.answer) this.trySend({ k: 'chk', id, v: chunk });
        },
      });
      if (serving.answer) this.trySend({ k: 'res', id, ok: true, v: value });
    } catch (err) {
      if (serving.answer) this.trySend({ k: 'res', id, ok: false, e: PagiError.from(err).toWire() });
    } finally {
      if (timer) clearTimeout(timer);
      this.serving.delete(id);
    }
  }

  private trySend(msg: WireMessage): void {
    try {
      this.send(msg);
    } catch {
      // the channel is gone; the peer's reset handles the rest
    }
  }
}
