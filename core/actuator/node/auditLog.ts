import { createHash } from 'node:crypto';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import type { AuditRow } from '../common/contract.js';

/** The previous hash of the first row. */
export const GENESIS = '0'.repeat(64);

/** Refuses changes in place: the chain would still catch them, but an honest bug should fail loudly first. */
export const AUDIT_GUARDS = [
  "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
  "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
];

export type AuditFields = Omit<AuditRow, 'seq' | 'hash'>;
export type NewAuditRow = Pick<AuditFields, 'kind' | 'tool' | 'caller'> & Partial<Omit<AuditFields, 'kind' | 'tool' | 'caller'>>;

interface StoredRow {
  seq: number; at: string; kind: string; ref_seq: number | null; tool: string; caller: string; args: string | null; decision: string | null;
  approved_by: string | null; outcome: string | null; turn_id: string | null; request_id: string | null; result_bytes: number | null;
  duration_ms: number | null; error: string | null; detail: string | null; prev_hash: string; hash: string;
}

const COLUMNS = 'seq, at, kind, ref_seq, tool, caller, args, decision, approved_by, outcome, turn_id, request_id, result_bytes, duration_ms, error, detail, prev_hash, hash';

const toRow = (r: StoredRow): AuditRow => ({
  seq: r.seq, at: r.at, kind: r.kind as AuditRow['kind'], refSeq: r.ref_seq, tool: r.tool, caller: r.caller, args: r.args, decision: r.decision,
  approvedBy: r.approved_by, outcome: r.outcome, turnId: r.turn_id, requestId: r.request_id, resultBytes: r.result_bytes,
  durationMs: r.duration_ms, error: r.error, detail: r.detail, hash: r.hash,
});

/**
 * The row's content as stable JSON: every field, keys in a fixed order, so the same row always
 * hashes the same (the sequence number is part of it: a row moved or renumbered breaks the chain).
 */
export function canonical(r: StoredRow): string {
  return JSON.stringify([r.seq, r.at, r.kind, r.ref_seq, r.tool, r.caller, r.args, r.decision, r.approved_by, r.outcome, r.turn_id, r.request_id, r.result_bytes, r.duration_ms, r.error, r.detail]);
}

export const chainHash = (prevHash: string, content: string): string => createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');

/** Recomputes every row's hash in order, from the genesis (migration 2, and a clone whose ids were remapped). */
export function rechain(db: SqliteDatabase): number {
  const rows = db.prepare(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq`).all() as StoredRow[];
  const set = db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?');
  let prev = GENESIS;
  for (const r of rows) {
    const hash = chainHash(prev, canonical(r));
    set.run(prev, hash, r.seq);
    prev = hash;
  }
  return rows.length;
}

export interface VerifyResult { ok: boolean; rows: number; firstBroken: { seq: number; reason: string } | null }

export interface AuditLog {
  append(row: NewAuditRow): AuditRow;
  list(q: { since?: string | undefined; tool?: string | undefined; decision?: string | undefined; limit: number }): AuditRow[];
  get(seq: number): AuditRow | null;
  verify(): VerifyResult;
}

/**
 * The audit chain in `audit_log`: rows are only ever appended, each hash = sha256(previous hash,
 * canonical content). The head is kept in memory (one writer: this service), so an append is one INSERT.
 */
export function createAuditLog(db: SqliteDatabase, now: () => string = () => new Date().toISOString()): AuditLog {
  const head = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  let lastSeq = head?.seq ?? 0;
  let lastHash = head?.hash ?? GENESIS;
  const insert = db.prepare(`INSERT INTO audit_log (${COLUMNS}) VALUES (${COLUMNS.split(', ').map(() => '?').join(', ')})`);
  const byId = db.prepare(`SELECT ${COLUMNS} FROM audit_log WHERE seq = ?`);

  return {
    append(n) {
      const stored: StoredRow = {
        seq: lastSeq + 1, at: n.at ?? now(), kind: n.kind, ref_seq: n.refSeq ?? null, tool: n.tool, caller: n.caller, args: n.args ?? null,
        decision: n.decision ?? null, approved_by: n.approvedBy ?? null, outcome: n.outcome ?? null, turn_id: n.turnId ?? null,
        request_id: n.requestId ?? null, result_bytes: n.resultBytes ?? null, duration_ms: n.durationMs ?? null,
        error: n.error === undefined || n.error === null ? null : n.error.slice(0, 4_000), detail: n.detail === undefined || n.detail === null ? null : n.detail.slice(0, 4_000),
        prev_hash: lastHash, hash: '',
      };
      stored.hash = chainHash(lastHash, canonical(stored));
      insert.run(stored.seq, stored.at, stored.kind, stored.ref_seq, stored.tool, stored.caller, stored.args, stored.decision, stored.approved_by, stored.outcome,
        stored.turn_id, stored.request_id, stored.result_bytes, stored.duration_ms, stored.error, stored.detail, stored.prev_hash, stored.hash);
      lastSeq = stored.seq;
      lastHash = stored.hash;
      return toRow(stored);
    },
    list({ since, tool, decision, limit }) {
      const filters: Array<[string, unknown]> = [];
      if (since) filters.push(['at >= ?', new Date(since).toISOString()]);
      if (tool) filters.push(['tool = ?', tool]);
      if (decision) filters.push(['decision = ?', decision]);
      const where = filters.map(([w]) => w);
      const params = filters.map(([, p]) => p);
      const sql = `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
      return (db.prepare(sql).all(...params, limit) as StoredRow[]).map(toRow);
    },
    get(seq) {
      const r = byId.get(seq) as StoredRow | undefined;
      return r ? toRow(r) : null;
    },
    verify() {
      let prev = GENESIS;
      let expectedSeq = 1;
      let rows = 0;
      const total = (): number => db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;
      for (const r of db.prepare(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq`).iterate() as IterableIterator<StoredRow>) {
        rows++;
        const broken = (reason: string): VerifyResult => ({ ok: false, rows: total(), firstBroken: { seq: r.seq, reason } });
        if (r.seq !== expectedSeq) return { ok: false, rows: total(), firstBroken: { seq: r.seq, reason: `row ${expectedSeq}${r.seq - expectedSeq > 1 ? `–${r.seq - 1}` : ''} is missing (deleted)` } };
        if (r.prev_hash !== prev) return broken('its link to the previous row does not match (a row before it was removed or changed)');
        if (chainHash(prev, canonical(r)) !== r.hash) return broken('its content does not match its hash (the row was edited)');
        prev = r.hash;
        expectedSeq++;
      }
      // the chain alone cannot show rows cut from its end: the head this service wrote last can
      if (lastSeq > expectedSeq - 1) return { ok: false, rows, firstBroken: { seq: expectedSeq, reason: `rows ${expectedSeq}–${lastSeq} written by this run are missing (deleted from the end)` } };
      return { ok: true, rows, firstBroken: null };
    },
  };
}
