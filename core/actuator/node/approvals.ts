import type { SqliteDatabase } from '../../../native/sqlite.js';

export type ApprovalAnswer = 'allow-once' | 'always-allow' | 'deny' | 'expired' | 'cancelled';

export interface ApprovalRequest {
  id: string; requestSeq: number; tool: string; args: unknown; turnId: string | null; caller: string;
  createdAt: string; expiresAt: string; decidedAt: string | null; decision: ApprovalAnswer | null;
}

interface StoredRequest {
  id: string; request_seq: number; tool: string; args: string; turn_id: string | null; caller: string;
  created_at: string; expires_at: string; decided_at: string | null; decision: ApprovalAnswer | null;
}

const toRequest = (r: StoredRequest): ApprovalRequest => ({
  id: r.id, requestSeq: r.request_seq, tool: r.tool, args: JSON.parse(r.args) as unknown, turnId: r.turn_id, caller: r.caller,
  createdAt: r.created_at, expiresAt: r.expires_at, decidedAt: r.decided_at, decision: r.decision,
});

export interface ApprovalStore {
  create(r: Omit<ApprovalRequest, 'decidedAt' | 'decision'>): void;
  get(id: string): ApprovalRequest | null;
  byRequestSeq(seq: number): ApprovalRequest | null;
  pending(): ApprovalRequest[];
  /** Undecided requests whose time ran out by `at`. */
  expiredBy(at: string): ApprovalRequest[];
  /** Answers a request once: false when another answer (or the expiry) came first. */
  settle(id: string, answer: ApprovalAnswer, by: string, at: string): boolean;
}

/** Requests live in the database, so a restart (or a reloaded window) finds them still waiting. */
export function createApprovalStore(db: SqliteDatabase): ApprovalStore {
  const one = db.prepare('SELECT * FROM approvals WHERE id = ?');
  const bySeq = db.prepare('SELECT * FROM approvals WHERE request_seq = ?');
  const settle = db.prepare('UPDATE approvals SET decided_at = ?, decision = ?, decided_by = ? WHERE id = ? AND decided_at IS NULL');
  return {
    create(r) {
      db.prepare('INSERT INTO approvals (id, request_seq, tool, args, turn_id, caller, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(r.id, r.requestSeq, r.tool, JSON.stringify(r.args ?? null), r.turnId, r.caller, r.createdAt, r.expiresAt);
    },
    get(id) {
      const r = one.get(id) as StoredRequest | undefined;
      return r ? toRequest(r) : null;
    },
    byRequestSeq(seq) {
      const r = bySeq.get(seq) as StoredRequest | undefined;
      return r ? toRequest(r) : null;
    },
    pending: () => (db.prepare('SELECT * FROM approvals WHERE decided_at IS NULL ORDER BY created_at').all() as StoredRequest[]).map(toRequest),
    expiredBy: (at) => (db.prepare('SELECT * FROM approvals WHERE decided_at IS NULL AND expires_at <= ? ORDER BY created_at').all(at) as StoredRequest[]).map(toRequest),
    settle: (id, answer, by, at) => settle.run(at, answer, by, id).changes === 1,
  };
}
