import type { WorkingTurn } from '../common/contract.js';

export interface WorkingSession {
  turns: WorkingTurn[];
  vars: Record<string, unknown>;
  tokens: number;
  lastActive: number;
}


/** Sessions of recent turns, each bounded by tokens and expired after a time without activity. */
export function createSessionStore(opts: { maxTokens: number; ttlMs: number }) {
  const sessions = new Map<string, WorkingSession>();

  const session = (id: string): WorkingSession => {
    let s = sessions.get(id);
    if (!s) {
      s = { turns: [], vars: {}, tokens: 0, lastActive: Date.now() };
      sessions.set(id, s);
    }
    return s;
  };

  return {
    sessions,
    /**
     * Adds a turn; the oldest turns fall out past the token bound (they are already in episodic memory).
     * A turn id already held is replaced in place (a continued reply, a redelivered append): never twice.
     */
    append(id: string, turn: WorkingTurn): { evicted: number } {
      const s = session(id);
      const at = s.turns.findIndex((t) => t.id === turn.id);
      if (at >= 0) {
        s.tokens -= (s.turns[at] as WorkingTurn).tokens;
        s.turns[at] = turn;
      } else s.turns.push(turn);
      s.tokens += turn.tokens;
      s.lastActive = Date.now();
      let evicted = 0;
      while (s.tokens > opts.maxTokens && s.turns.length > 1) {
        const old = s.turns.shift() as WorkingTurn;
        s.tokens -= old.tokens;
        evicted++;
      }
      return { evicted };
    },
    /** The most recent turns that fit in `maxTokens`, oldest first. */
    recent(id: string, maxTokens = opts.maxTokens): { turns: WorkingTurn[]; vars: Record<string, unknown>; tokens: number } {
      const s = sessions.get(id);
      if (!s) return { turns: [], vars: {}, tokens: 0 };
      s.lastActive = Date.now();
      const out: WorkingTurn[] = [];
      let tokens = 0;
      for (let i = s.turns.length - 1; i >= 0; i--) {
        const t = s.turns[i] as WorkingTurn;
        if (tokens + t.tokens > maxTokens) break;
        out.unshift(t);
        tokens += t.tokens;
      }
      return { turns: out, vars: s.vars, tokens };
    },
    setVar(id: string, key: string, value: unknown): void {
      const s = session(id);
      s.vars[key] = value;
      s.lastActive = Date.now();
    },
    clear: (id: string): boolean => sessions.delete(id),
    /** Drops sessions idle for longer than the TTL; returns how many. */
    expire(now = Date.now()): number {
      let n = 0;
      for (const [id, s] of sessions) {
        if (now - s.lastActive > opts.ttlMs) {
          sessions.delete(id);
          n++;
        }
      }
      return n;
    },
  };
}
