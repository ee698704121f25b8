import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { access, listTwinFolders, populateTwin, tempDir } from './bundleFixture.js';
import { hostileCorpus, unpackBundle, type HostileCase } from './hostileBundles.js';

const noop = (): void => undefined;

/** Every file under a folder with its sha256: what "byte-identical" is checked against. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('hostile bundles are refused with a clear error, and change nothing', () => {
  let host: HeadlessHost;
  let dir: string;
  let cases: HostileCase[] = [];
  let bystander: string;

  beforeAll(async () => {
    dir = tempDir('bundle-hostile');
    host = await startHeadlessHost({ dataDir: dir });
    await populateTwin(host, 60);
    const core = access(host, dir);
    const plain = join(dir, 'base.pagi');
    const sealed = join(dir, 'sealed.pagi');
    await core.bundles.export({ out: plain, includeEvents: false }, noop);
    await core.bundles.export({ out: sealed, passphrase: 'correct horse battery', includeEvents: false }, noop);
    // a twin that is on this machine but not running: it must stay byte-identical
    bystander = (await core.bundles.import({ file: plain, mode: 'clone' }, noop)).twinId;
    cases = hostileCorpus(await unpackBundle(plain), readFileSync(sealed));
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has at least 40 crafted files', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('refuses each one with its reason; no twin appears, no staging is left, other twins are untouched', { timeout: 300_000 }, async () => {
    const core = access(host, dir);
    const before = fingerprint(join(dir, 'twins', bystander));
    const twins = listTwinFolders(dir);
    const failures: string[] = [];
    for (const c of cases) {
      const file = join(dir, 'hostile.pagi');
      writeFileSync(file, c.bytes);
      const outcome = await core.bundles.import({ file, mode: 'clone', ...(c.passphrase ? { passphrase: c.passphrase } : {}) }, noop).then(
        (r) => `imported as ${r.twinId}`,
        (err: unknown) => (err as Error).message,
      );
      if (process.env.PAGI_PRINT_REFUSALS) console.log(`${c.name} → ${outcome}`);
      if (!c.refusal.test(outcome)) failures.push(`${c.name}: ${outcome}`);
      const now = listTwinFolders(dir);
      if (JSON.stringify(now) !== JSON.stringify(twins)) failures.push(`${c.name}: twin folders changed to ${now.join(', ')}`);
    }
    expect(failures).toEqual([]);
    expect(fingerprint(join(dir, 'twins', bystander))).toEqual(before);
  });
});
