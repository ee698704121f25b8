import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost } from '../host/headlessHost.js';
import { identityContract } from '../identity/common/contract.js';
import { episodicMemoryContract } from '../memory-episodic/common/contract.js';
import { access, populateTwin, tempDir } from './bundleFixture.js';
import { pagi } from './helpers.js';

const noop = (): void => undefined;
const activeTwin = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'active-twin.json'), 'utf8')) as { twinId: string }).twinId;

describe('which twin runs after an import', () => {
  const dirs: string[] = [];
  let bundle: string;
  beforeAll(async () => {
    const sourceDir = tempDir('activation-src');
    dirs.push(sourceDir);
    const source = await startHeadlessHost({ dataDir: sourceDir });
    await populateTwin(source, 12);
    bundle = join(sourceDir, 'ada.pagi');
    await access(source, sourceDir).bundles.export({ out: bundle, includeEvents: false }, noop);
    await source.stop();
  }, 120_000);
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('on a fresh install the imported twin runs at once; onto a twin in use it waits until asked', { timeout: 120_000 }, async () => {
    const dir = tempDir('activation-fresh');
    dirs.push(dir);
    const host = await startHeadlessHost({ dataDir: dir });
    try {
      const empty = host.twinId;
      const core = access(host, dir);
      const first = await core.bundles.import({ file: bundle, mode: 'clone' }, noop);
      expect(first).toMatchObject({ activated: true, previousUnused: true, name: 'Ada' });
      expect(host.supervisor.twinId).toBe(first.twinId);
      expect(activeTwin(dir)).toBe(first.twinId);
      expect((await host.supervisor.client(episodicMemoryContract).search({ query: 'lighthouse keeper door', limit: 3 })).hits.length).toBeGreaterThan(0);

      // Ada now runs and has memories: a second clone is added beside her, and she keeps running
      const second = await core.bundles.import({ file: bundle, mode: 'clone' }, noop);
      expect(second).toMatchObject({ activated: false, previousUnused: false });
      expect(host.supervisor.twinId).toBe(first.twinId);
      // asked for, it runs whatever ran before
      const third = await core.bundles.import({ file: bundle, mode: 'clone', activate: true }, noop);
      expect(third.activated).toBe(true);
      expect(host.supervisor.twinId).toBe(third.twinId);
      expect(empty).not.toBe(third.twinId);
    } finally {
      await host.stop();
    }
  });

  it('a twin that was set up (its persona changed) is not replaced, even without memories', { timeout: 120_000 }, async () => {
    const dir = tempDir('activation-setup');
    dirs.push(dir);
    const host = await startHeadlessHost({ dataDir: dir });
    try {
      await host.supervisor.client(identityContract).update({ name: 'Bo' });
      const result = await access(host, dir).bundles.import({ file: bundle, mode: 'clone' }, noop);
      expect(result).toMatchObject({ activated: false, previousUnused: false });
      expect((await host.supervisor.client(identityContract).get({})).name).toBe('Bo');
    } finally {
      await host.stop();
    }
  });

  it('pagi import onto a new data folder runs the imported twin, and search finds its memories', { timeout: 120_000 }, async () => {
    const dir = tempDir('activation-cli');
    dirs.push(dir);
    const imported = await pagi(['import', bundle, '--as', 'clone', '--data-dir', dir]);
    expect('code' in imported ? imported.stderr : '').toBe('');
    expect(imported.stdout).toMatch(/it is now the twin that runs \(the one before it had never been used\)/);
    const found = await pagi(['memory', 'search', 'lighthouse keeper door', '--json', '--data-dir', dir]);
    expect((JSON.parse(found.stdout) as unknown[]).length).toBeGreaterThan(0);
    const again = await pagi(['import', bundle, '--as', 'clone', '--data-dir', dir]);
    expect(again.stdout).toMatch(/still runs; switch with `pagi twins activate [0-9a-f-]{36}`/);
    const id = /pagi twins activate ([0-9a-f-]{36})/.exec(again.stdout)?.[1] as string;
    const switched = await pagi(['twins', 'activate', id, '--data-dir', dir]);
    expect(switched.stdout).toMatch(new RegExp(`Ada \\(${id}\\) is now the twin that runs`));
    const list = await pagi(['twins', '--json', '--data-dir', dir]);
    const twins = JSON.parse(list.stdout) as Array<{ id: string; active: boolean }>;
    expect(twins.filter((t) => t.active).map((t) => t.id)).toEqual([id]);
    expect(twins).toHaveLength(3);
    const wrong = await pagi(['twins', 'activate', '--data-dir', dir]);
    expect('code' in wrong && wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/needs a twin id/);
  });
});
