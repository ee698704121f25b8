import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost } from '../host/headlessHost.js';
import { access, listTwinFolders, populateTwin, tempDir } from './bundleFixture.js';

const noop = (): void => undefined;
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'pagi.js');

function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isFile()) out[name] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

/** A twin folder is whole when every database in it opens, passes integrity_check, and identity holds its twin. */
function wholeTwin(dir: string, twinId: string): string | null {
  const files = readdirSync(dir).filter((f) => f.endsWith('.db'));
  if (!files.includes('identity.db')) return 'no identity.db';
  for (const f of files) {
    const db = new Database(join(dir, f), { readonly: true });
    try {
      const ok = db.pragma('integrity_check', { simple: true });
      if (ok !== 'ok') return `${f}: ${String(ok)}`;
      if (f === 'identity.db' && !db.prepare('SELECT 1 FROM twin WHERE id = ?').get(twinId)) return 'identity.db lacks the twin';
    } finally {
      db.close();
    }
  }
  return null;
}

/** `pagi import` in its own process, killed with SIGKILL after `afterMs` (or left to finish when null). */
function runImport(dataDir: string, bundle: string, afterMs: number | null): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [CLI, 'import', bundle, '--as', 'clone', '--json', '--data-dir', dataDir], { stdio: 'ignore' });
  if (afterMs !== null) setTimeout(() => child.kill('SIGKILL'), afterMs);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - t0 })));
}

/** A small deterministic generator, so a failing run can be repeated with its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

describe('an import killed at random points', () => {
  let dir: string;
  let bundle: string;
  let bystander: string;
  beforeAll(async () => {
    dir = tempDir('bundle-kill');
    const host = await startHeadlessHost({ dataDir: dir });
    try {
      await populateTwin(host, 1_500);
      bundle = join(dir, 'twin.pagi');
      await access(host, dir).bundles.export({ out: bundle, includeEvents: true }, noop);
      bystander = (await access(host, dir).bundles.import({ file: bundle, mode: 'clone' }, noop)).twinId;
    } finally {
      await host.stop();
    }
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('50 times leaves no partial twin and every other twin byte-identical', { timeout: 600_000 }, async () => {
    const seed = Number(process.env.PAGI_KILL_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const before = fingerprint(join(dir, 'twins', bystander));
    const full = await runImport(dir, bundle, null);
    expect(full.code, 'an import left alone finishes').toBe(0);
    const problems: string[] = [];
    let finished = 0;
    for (let i = 0; i < 50; i++) {
      const known = new Set(listTwinFolders(dir));
      const delay = Math.floor(random() * full.ms * 1.1);
      await runImport(dir, bundle, delay);
      await new Promise((r) => setTimeout(r, 150)); // its services see the host gone and exit
      for (const name of listTwinFolders(dir)) {
        if (known.has(name) || name.startsWith('.staging-')) continue;
        const why = wholeTwin(join(dir, 'twins', name), name);
        if (why) problems.push(`kill ${i} after ${delay} ms (seed ${seed}): partial twin ${name}: ${why}`);
        else finished++;
      }
      const now = fingerprint(join(dir, 'twins', bystander));
      if (JSON.stringify(now) !== JSON.stringify(before)) problems.push(`kill ${i} after ${delay} ms (seed ${seed}): twin ${bystander} changed`);
    }
    expect(problems).toEqual([]);
    console.log(`kill test (seed ${seed}): 50 kills within ${full.ms} ms imports; ${finished} finished before the kill, the rest left no twin`);
    // what killed imports left in staging is swept when a host starts
    const host = await startHeadlessHost({ dataDir: dir });
    await host.stop();
    expect(listTwinFolders(dir).filter((n) => n.startsWith('.staging-'))).toEqual([]);
    expect(existsSync(join(dir, 'twins', bystander))).toBe(true);
  });
});
