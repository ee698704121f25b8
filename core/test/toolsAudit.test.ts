import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../native/sqlite.js';
import { actuatorContract } from '../actuator/common/contract.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { twinDirOf } from '../runtime/node/paths.js';
import { pagi, waitFor } from './helpers.js';

const APPROVAL_MS = 1_500;
const code = (r: Awaited<ReturnType<typeof pagi>>): number => ('code' in r ? r.code : 0);
const ok = (r: Awaited<ReturnType<typeof pagi>>): string => {
  if (code(r)) throw new Error(`pagi exited ${code(r)}: ${r.stderr}`);
  return r.stdout;
};

describe('tools: policies, approvals, grants and the audit chain (against a running host)', () => {
  let dataDir: string;
  let host: HeadlessHost;
  const cli = (...args: string[]) => pagi([...args, '--data-dir', dataDir]);
  const actuator = () => host.supervisor.client(actuatorContract);
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pagi-tools-'));
    host = await startHeadlessHost({ dataDir, serviceConfig: { actuator: { approvalTimeoutMs: APPROVAL_MS } } });
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a time tool by default, asks when told to, and "always allow" sets the policy', async () => {
    const first = await actuator().invoke({ tool: 'time.now', args: {}, turnId: 't1' });
    expect(first.status).toBe('ok');
    await actuator().setPolicy({ tool: 'time.now', policy: 'ask' });
    const ask = await actuator().invoke({ tool: 'time.now', args: { timeZone: 'Europe/Paris' } });
    if (ask.status !== 'needs-approval') throw new Error(`expected needs-approval, got ${ask.status}`);
    expect(ask.preview.summary).toMatch(/Europe\/Paris/);
    expect((await actuator().pendingApprovals({})).map((p) => p.requestId)).toContain(ask.requestId);
    expect(await actuator().decide({ requestId: ask.requestId, decision: 'always-allow' })).toMatchObject({ status: 'ok', auditId: ask.auditId });
    expect((await actuator().listTools({})).find((t) => t.name === 'time.now')).toMatchObject({ policy: 'allow', policySource: 'user' });
    const rows = await actuator().auditList({ limit: 20 });
    expect(rows.filter((r) => r.refSeq === ask.auditId).map((r) => [r.kind, r.decision ?? r.outcome])).toEqual([['outcome', 'ok'], ['decision', 'always-allowed']]);
    expect(rows.find((r) => r.kind === 'decision')?.approvedBy).toBe('$host');
    expect((await actuator().auditVerify({})).ok).toBe(true);
  });

  it('a request nobody answers is denied and audited; a pending one survives a restart', async () => {
    await actuator().setPolicy({ tool: 'time.now', policy: 'ask' });
    const late = await actuator().invoke({ tool: 'time.now', args: {} });
    const kept = await actuator().invoke({ tool: 'time.now', args: {} });
    if (late.status !== 'needs-approval' || kept.status !== 'needs-approval') throw new Error('expected two requests');
    await host.supervisor.restart('actuator');
    expect((await actuator().pendingApprovals({})).map((p) => p.requestId)).toEqual(expect.arrayContaining([late.requestId, kept.requestId]));
    expect((await actuator().cancelRun({ requestId: kept.requestId })).cancelled).toBe(true);
    await waitFor('the request to expire', async () => (await actuator().auditList({ decision: 'expired', limit: 5 })).find((r) => r.requestId === late.requestId), 10_000, 100);
    expect(await actuator().decide({ requestId: late.requestId, decision: 'allow-once' })).toMatchObject({ status: 'denied', reason: expect.stringMatching(/expired/) });
    expect(await actuator().pendingApprovals({})).toEqual([]);
    await actuator().setPolicy({ tool: 'time.now', policy: 'allow' });
  }, 30_000);

  it('pagi tools and pagi audit: list, policy, grant, revoke, list the chain, and name the first broken row', async () => {
    expect(ok(await cli('tools', 'list'))).toMatch(/time\.now\s+time\s+allow/);
    expect(ok(await cli('tools', 'policy', 'time.now', 'deny'))).toMatch(/time\.now: deny/);
    expect(code(await cli('tools', 'policy', 'time.now', 'maybe'))).toBe(2);
    const folder = join(dataDir, 'notes');
    mkdirSync(folder);
    expect(ok(await cli('tools', 'grant', folder))).toMatch(/granted .*notes/);
    expect((await cli('tools', 'grant', '/')).stderr).toMatch(/root of a disk/);
    expect(JSON.parse(ok(await cli('tools', 'grants', '--json')))).toEqual([expect.objectContaining({ folder: expect.stringMatching(/notes$/) })]);
    expect(ok(await cli('tools', 'revoke', folder))).toMatch(/revoked/);
    expect((await actuator().invoke({ tool: 'time.now', args: {} })).status).toBe('denied');

    const listed = JSON.parse(ok(await cli('audit', 'list', '--tool', 'time.now', '--json'))) as Array<{ tool: string; seq: number }>;
    expect(listed.length).toBeGreaterThan(3);
    expect(listed.every((r) => r.tool === 'time.now')).toBe(true);
    expect(ok(await cli('audit', 'list', '--since', '2000-01-01T00:00:00Z'))).toMatch(/request\s+time\.now/);
    expect(ok(await cli('audit', 'verify'))).toMatch(/the audit chain holds/);

    // behind the service's back, with plain SQL: an edited row, then a deleted one
    const db = openDatabase(join(twinDirOf(dataDir, host.twinId), 'audit.db'));
    try {
      db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete');
      db.prepare(`UPDATE audit_log SET args = '{"timeZone":"UTC"}' WHERE seq = 3`).run();
      const edited = await cli('audit', 'verify');
      expect(code(edited)).toBe(1);
      expect(edited.stderr).toMatch(/broken at row 3: .*edited/);
      db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
      expect((await cli('audit', 'verify')).stderr).toMatch(/broken at row 3: row 2 is missing/);
    } finally {
      db.close();
    }
  }, 60_000);
});
