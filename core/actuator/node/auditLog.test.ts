import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../native/sqlite.js';
import { migrate } from '../../runtime/node/migrations.js';
import { createAuditLog } from './auditLog.js';
import { createGrantStore } from './grants.js';
import { auditMigrations } from './migrations.js';

const fresh = () => {
  const db = openDatabase(':memory:');
  migrate(db, auditMigrations, 'audit.db');
  return db;
};
const unguard = (db: ReturnType<typeof openDatabase>): void => {
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete');
};

describe('the audit chain', () => {
  it('verifies what it appended, and refuses UPDATE and DELETE', () => {
    const db = fresh();
    const log = createAuditLog(db);
    const r = log.append({ kind: 'request', tool: 'time.now', caller: 'executive', args: '{}', decision: 'allowed' });
    log.append({ kind: 'outcome', refSeq: r.seq, tool: 'time.now', caller: '$actuator', outcome: 'ok', resultBytes: 10, durationMs: 1 });
    expect(log.verify()).toEqual({ ok: true, rows: 2, firstBroken: null });
    expect(() => db.prepare("UPDATE audit_log SET args = '{}' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow(/append-only/);
  });

  it('names the first row whose args were edited behind its back', () => {
    const db = fresh();
    const log = createAuditLog(db);
    for (let i = 0; i < 5; i++) log.append({ kind: 'request', tool: 'files.read', caller: 'executive', args: JSON.stringify({ path: `/a/${i}` }), decision: 'allowed' });
    unguard(db);
    db.prepare(`UPDATE audit_log SET args = '{"path":"/innocent"}' WHERE seq = 3`).run();
    expect(log.verify()).toMatchObject({ ok: false, rows: 5, firstBroken: { seq: 3, reason: expect.stringMatching(/edited/) } });
  });

  it('names a deleted row, and rows cut from the end', () => {
    const db = fresh();
    const log = createAuditLog(db);
    for (let i = 0; i < 5; i++) log.append({ kind: 'request', tool: 'time.now', caller: 'x', decision: 'allowed' });
    unguard(db);
    db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    expect(log.verify()).toMatchObject({ ok: false, rows: 4, firstBroken: { seq: 3, reason: expect.stringMatching(/row 2 is missing/) } });
    const db2 = fresh();
    const log2 = createAuditLog(db2);
    for (let i = 0; i < 3; i++) log2.append({ kind: 'request', tool: 'time.now', caller: 'x', decision: 'allowed' });
    unguard(db2);
    db2.prepare('DELETE FROM audit_log WHERE seq = 3').run();
    expect(log2.verify()).toMatchObject({ ok: false, firstBroken: { seq: 3 } });
  });

  it('filters by time, tool and decision, newest first', () => {
    const db = fresh();
    const log = createAuditLog(db);
    log.append({ kind: 'request', tool: 'a', caller: 'x', decision: 'allowed', at: '2026-01-01T00:00:00.000Z' });
    log.append({ kind: 'request', tool: 'b', caller: 'x', decision: 'denied', at: '2026-02-01T00:00:00.000Z' });
    log.append({ kind: 'request', tool: 'a', caller: 'x', decision: 'denied', at: '2026-03-01T00:00:00.000Z' });
    expect(log.list({ limit: 10 }).map((r) => r.seq)).toEqual([3, 2, 1]);
    expect(log.list({ tool: 'a', limit: 10 }).map((r) => r.seq)).toEqual([3, 1]);
    expect(log.list({ decision: 'denied', since: '2026-02-15T00:00:00Z', limit: 10 }).map((r) => r.seq)).toEqual([3]);
  });

  it('migration 2 moves v1 rows into the chain in order, outcome kept, pending requests kept to expire', () => {
    const db = openDatabase(':memory:');
    migrate(db, auditMigrations.filter((m) => m.version === 1), 'audit.db');
    db.prepare("INSERT INTO audit (at, tool, caller, args, decision, outcome, turn_id) VALUES ('2026-01-01T00:00:00.000Z', 'time.now', 'executive', '{}', 'allowed', 'ok: {}', NULL)").run();
    db.prepare("INSERT INTO audit (at, tool, caller, args, decision, outcome, turn_id) VALUES ('2026-01-02T00:00:00.000Z', 'time.now', 'executive', '{}', 'needs-approval', NULL, 't1')").run();
    db.prepare("INSERT INTO approval_requests (id, audit_id, tool, args, turn_id, caller, created_at) VALUES ('r1', 2, 'time.now', '{}', 't1', 'executive', '2026-01-02T00:00:00.000Z')").run();
    migrate(db, auditMigrations, 'audit.db');
    const log = createAuditLog(db);
    expect(log.verify()).toEqual({ ok: true, rows: 2, firstBroken: null });
    expect(log.list({ limit: 10 }).map((r) => [r.seq, r.decision, r.detail])).toEqual([[2, 'needs-approval', null], [1, 'allowed', 'ok: {}']]);
    expect(db.prepare('SELECT request_seq, decided_at FROM approvals').get()).toEqual({ request_seq: 2, decided_at: null });
    expect(log.append({ kind: 'request', tool: 'x', caller: 'y' }).seq).toBe(3);
    expect(log.verify().ok).toBe(true);
  });
});

describe('granted folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagi-grants-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the real folder, refuses a missing one, a file and a disk root, revokes', () => {
    const store = createGrantStore(fresh(), () => '2026-01-01T00:00:00.000Z');
    mkdirSync(join(dir, 'work'));
    symlinkSync(join(dir, 'work'), join(dir, 'link'));
    writeFileSync(join(dir, 'file.txt'), 'x');
    const g = store.grant(join(dir, 'link'));
    expect(g.folder).toMatch(/work$/);
    expect(store.folders()).toEqual([g.folder]);
    expect(() => store.grant(join(dir, 'nope'))).toThrow(/there is no folder/);
    expect(() => store.grant(join(dir, 'file.txt'))).toThrow(/is a file, not a folder/);
    expect(() => store.grant('/')).toThrow(/root of a disk/);
    expect(store.grant(homedir()).folder).toBeTruthy();
    expect(store.revoke(join(dir, 'work'))).toMatchObject({ revoked: true });
    expect(store.revoke(join(dir, 'work'))).toMatchObject({ revoked: false });
    expect(store.folders()).not.toContain(g.folder);
    expect(store.setHosts(['nas.local', 'nas.local', '192.168.1.2'])).toEqual(['192.168.1.2', 'nas.local']);
  });
});
