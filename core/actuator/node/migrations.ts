import type { Migration } from '../../runtime/node/migrations.js';
import { AUDIT_GUARDS, rechain } from './auditLog.js';

export const auditMigrations: Migration[] = [
  {
    version: 1,
    name: 'policies, audit log, approval requests',
    up(db) {
      db.exec(`
        CREATE TABLE policies (tool TEXT PRIMARY KEY, policy TEXT NOT NULL CHECK (policy IN ('allow', 'ask', 'deny')), updated_at TEXT NOT NULL);
        CREATE TABLE audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          tool TEXT NOT NULL,
          caller TEXT NOT NULL,
          args TEXT NOT NULL,
          decision TEXT NOT NULL,
          outcome TEXT,
          turn_id TEXT
        );
        CREATE TABLE approval_requests (
          id TEXT PRIMARY KEY,
          audit_id INTEGER NOT NULL REFERENCES audit(id),
          tool TEXT NOT NULL,
          args TEXT NOT NULL,
          turn_id TEXT,
          caller TEXT NOT NULL,
          created_at TEXT NOT NULL,
          decided_at TEXT,
          approved INTEGER
        );
      `);
    },
  },
  {
    version: 2,
    name: 'append-only hash-chained audit log, approvals with expiry, granted folders and allowed hosts',
    up(db) {
      db.exec(`
        CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('request', 'decision', 'outcome', 'setting')),
          ref_seq INTEGER,
          tool TEXT NOT NULL,
          caller TEXT NOT NULL,
          args TEXT,
          decision TEXT,
          approved_by TEXT,
          outcome TEXT,
          turn_id TEXT,
          request_id TEXT,
          result_bytes INTEGER,
          duration_ms INTEGER,
          error TEXT,
          detail TEXT,
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL
        );
        CREATE INDEX audit_log_tool ON audit_log (tool, seq);
        CREATE INDEX audit_log_at ON audit_log (at);
        CREATE TABLE approvals (
          id TEXT PRIMARY KEY,
          request_seq INTEGER NOT NULL,
          tool TEXT NOT NULL,
          args TEXT NOT NULL,
          turn_id TEXT,
          caller TEXT NOT NULL,
          created_at TEXT NOT NULL,
          expires_at TEXT NOT NULL,
          decided_at TEXT,
          decision TEXT CHECK (decision IN ('allow-once', 'always-allow', 'deny', 'expired', 'cancelled')),
          decided_by TEXT
        );
        CREATE INDEX approvals_pending ON approvals (decided_at, expires_at);
        CREATE TABLE grants (folder TEXT PRIMARY KEY, granted_at TEXT NOT NULL);
        CREATE TABLE allowed_hosts (host TEXT PRIMARY KEY, added_at TEXT NOT NULL);
      `);
      // the old rows become request rows under their own ids, their outcome (written in place then) as detail
      db.exec(`
        INSERT INTO audit_log (seq, at, kind, tool, caller, args, decision, turn_id, detail, prev_hash, hash)
          SELECT id, at, 'request', tool, caller, args, decision, turn_id, outcome, '', '' FROM audit ORDER BY id;
        INSERT INTO approvals (id, request_seq, tool, args, turn_id, caller, created_at, expires_at, decided_at, decision)
          SELECT id, audit_id, tool, args, turn_id, caller, created_at, created_at, decided_at,
                 CASE WHEN decided_at IS NULL THEN NULL WHEN approved = 1 THEN 'allow-once' ELSE 'deny' END
          FROM approval_requests;
        DROP TABLE approval_requests;
        DROP TABLE audit;
      `);
      rechain(db);
      for (const guard of AUDIT_GUARDS) db.exec(guard);
    },
  },
];
