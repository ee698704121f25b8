import { PagiError, type ErrorHint } from '../../contracts/errors.js';
import { CONTROL_CHANNEL, type Envelope } from './wire.js';

type EndpointState = 'up' | 'pending' | 'down';

/** A frame that reached no endpoint: `answered` when its caller got UNAVAILABLE in its place. */
export type UndeliveredHook = (env: Envelope, from: string, why: string, answered: boolean) => void;

interface Endpoint {
  deliver: ((env: Envelope) => void) | null;
  state: EndpointState;
  downReason: string;
  /** What the user can do about it (restart the service), carried on every refusal. */
  downHint?: ErrorHint | undefined;
  buffer: Array<{ from: string; m: unknown }>;
}

/** Frames held for a service that is (re)starting; beyond this its callers get UNAVAILABLE at once. */
const MAX_BUFFERED = 10_000;

function isRequest(m: unknown): m is { k: 'req'; id: number } {
  return typeof m === 'object' && m !== null && (m as { k?: unknown }).k === 'req' && typeof (m as { id?: unknown }).id === 'number';
}

/**
 * Routes frames between endpoints by id, in the host process. A frame for a service that is
 * restarting waits until it is ready again; a request for a service that is down is answered
 * with UNAVAILABLE on its behalf, so a caller never hangs on a dead peer.
 */
export class Switchboard {
  private readonly endpoints = new Map<string, Endpoint>();

  constructor(private readonly onUndelivered?: UndeliveredHook) {}

  private endpoint(id: string): Endpoint {
    let ep = this.endpoints.get(id);
    if (!ep) {
      ep = { deliver: null, state: 'down', downReason: `${id} is not running`, buffer: [] };
      this.endpoints.set(id, ep);
    }
    return ep;
  }

  /** A process for `id` is attached: it gets what was held for it and everything from now on. */
  attach(id: string, deliver: (env: Envelope) => void): void {
    const ep = this.endpoint(id);
    ep.deliver = deliver;
    ep.state = 'up';
    for (const { from, m } of ep.buffer.splice(0)) deliver({ c: from, m });
  }

  /** Frames for `id` are held until it is ready (it is being restarted). */
  hold(id: string): void {
    const ep = this.endpoint(id);
    ep.deliver = null;
    ep.state = 'pending';
  }

  /** `id` is down for good (failed or stopped): answer its held and future requests with UNAVAILABLE and `reason`, a full sentence. */
  down(id: string, reason: string, hint?: ErrorHint): void {
    const ep = this.endpoint(id);
    ep.deliver = null;
    ep.state = 'down';
    ep.downReason = reason;
    ep.downHint = hint;
    for (const { from, m } of ep.buffer.splice(0)) this.refuse(from, { c: id, m });
  }

  /** Tell every other endpoint that `id`'s process went away, so they fail or redo what involved it. */
  announceReset(id: string, reason: string): void {
    for (const [otherId, ep] of this.endpoints) {
      if (otherId === id || !ep.deliver) continue;
      ep.deliver({ c: CONTROL_CHANNEL, m: { k: 'peerReset', peer: id, reason } });
    }
  }

  route(from: string, env: Envelope): void {
    const ep = this.endpoints.get(env.c);
    if (!ep) {
      this.refuse(from, env, `there is no service "${env.c}"`);
      return;
    }
    if (ep.deliver) {
      // attached (ready or starting): the service host itself holds requests until it serves
      ep.deliver({ c: from, m: env.m });
    } else if (ep.state === 'pending') {
      if (ep.buffer.length >= MAX_BUFFERED) this.refuse(from, env, `${env.c} is restarting and its queue is full`);
      else ep.buffer.push({ from, m: env.m });
    } else {
      this.refuse(from, env);
    }
  }

  /** `env` (addressed to `env.c`) cannot be delivered: a request is answered for its callee; anything else has no one to go to. */
  private refuse(from: string, env: Envelope, reason?: string): void {
    const to = env.c;
    const why = reason ?? this.endpoints.get(to)?.downReason ?? `${to} is not available`;
    const caller = this.endpoints.get(from);
    if (!isRequest(env.m)) {
      this.onUndelivered?.(env, from, why, false);
      return;
    }
    if (!caller?.deliver) {
      this.onUndelivered?.(env, from, `${why}, and ${from}, which asked, is not attached either`, false);
      return;
    }
    const hint = reason === undefined ? this.endpoints.get(to)?.downHint : undefined;
    const error = new PagiError('UNAVAILABLE', why, { service: to, ...(hint ? { hint } : {}) }).toWire();
    caller.deliver({ c: to, m: { k: 'res', id: env.m.id, ok: false, e: error } });
    this.onUndelivered?.(env, from, why, true);
  }
}
