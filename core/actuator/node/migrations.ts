import type { Migration } from '../../runtime/node/migrations.js';

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
];
