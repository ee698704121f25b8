import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../contracts/ids.js';
import { hintOf, type PagiError } from '../contracts/errors.js';
import { startHeadlessHost, type HeadlessHost } from '../host/headlessHost.js';
import { createHostClient, fromClientError, type HostClient } from '../host/hostClient.js';
import { sweepDeletedTwins } from '../host/twinRegistry.js';
import { access, tempDir } from './bundleFixture.js';

const noop = (): void => undefined;

describe('the twins of a data folder: named, renamed, deleted', () => {
  let dir: string;
  let host: HeadlessHost;
  let client: HostClient;
  let first: string;
  let second: string;
  let third: string;
  beforeAll(async () => {
    dir = tempDir('twins');
    host = await startHeadlessHost({ dataDir: dir });
    client = createHostClient(host);
    first = host.twinId;
    await client.twin.update.mutate({ name: 'Ada' });
    const bundle = join(dir, 'ada.pagi');
    await access(host, dir).bundles.export({ out: bundle, includeEvents: false }, noop);
    second = (await access(host, dir).bundles.import({ file: bundle, mode: 'clone', activate: false }, noop)).twinId;
    third = (await access(host, dir).bundles.import({ file: bundle, mode: 'clone', activate: false }, noop)).twinId;
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every twin has its name in the list, the one created here too, also while another runs', { timeout: 120_000 }, async () => {
    const list = await client.twin.list.query();
    expect(list.map((t) => [t.id, t.name, t.active]).sort()).toEqual([[first, 'Ada', true], [second, 'Ada', false], [third, 'Ada', false]].sort());
    expect(list.find((t) => t.id === first)).toMatchObject({ origin: 'created', addedAt: expect.any(String) as unknown });
    await client.twin.activate.mutate({ id: second });
    expect((await client.twin.list.query()).find((t) => t.id === first)).toMatchObject({ name: 'Ada', active: false });
  });

  it('a twin that does not run takes a new name when it next runs; the running one at once', { timeout: 120_000 }, async () => {
    expect(await client.twin.rename.mutate({ id: first, name: 'Ada the First' })).toEqual({ id: first, name: 'Ada the First', now: false });
    expect((await client.twin.list.query()).find((t) => t.id === first)).toMatchObject({ name: 'Ada the First', pendingName: 'Ada the First' });
    await client.twin.activate.mutate({ id: first });
    expect((await client.twin.get.query()).name).toBe('Ada the First');
    expect((await client.twin.list.query()).find((t) => t.id === first)).toMatchObject({ pendingName: null });
    await client.twin.rename.mutate({ id: first, name: 'Ada' });
    expect((await client.twin.get.query()).name).toBe('Ada');
  });

  it('a twin that does not run is deleted with its backups; the running one is refused, in words', { timeout: 120_000 }, async () => {
    mkdirSync(join(dir, 'backups', third, '2026-01-01'), { recursive: true });
    writeFileSync(join(dir, 'backups', third, '2026-01-01', 'episodic.db'), 'x');
    expect(await client.twin.delete.mutate({ id: third })).toEqual({ deleted: third });
    expect(existsSync(join(dir, 'twins', third))).toBe(false);
    expect(existsSync(join(dir, 'backups', third))).toBe(false);
    expect((await client.twin.list.query()).map((t) => t.id).sort()).toEqual([first, second].sort());
    const refused = await client.twin.delete.mutate({ id: first }).then(() => null, (e: unknown) => fromClientError(e));
    expect(refused).toMatchObject({ code: 'FAILED_PRECONDITION', message: 'the twin that runs now cannot be deleted' });
    expect(hintOf(refused as PagiError)?.app).toBe('switch to another twin first');
    for (const id of [third, '00000000-0000-7000-8000-000000000000']) {
      await expect(client.twin.delete.mutate({ id })).rejects.toThrow(/there is no twin/);
    }
    await expect(client.twin.delete.mutate({ id: '../active-twin.json' as never })).rejects.toThrow();
    await expect(client.twin.rename.mutate({ id: second, name: '   ' })).rejects.toThrow(/a name needs some text/);
    expect(existsSync(join(dir, 'active-twin.json'))).toBe(true);
  });

  it('a deletion cut short by a crash is finished at the next start, and never listed', () => {
    const gone = newId();
    const half = join(dir, 'twins', `.deleting-${gone}`);
    mkdirSync(half, { recursive: true });
    mkdirSync(join(dir, 'backups', gone), { recursive: true });
    sweepDeletedTwins(dir);
    expect(existsSync(half)).toBe(false);
    expect(existsSync(join(dir, 'backups', gone))).toBe(false);
    // the twins that were not being deleted are untouched
    expect(existsSync(join(dir, 'twins', second))).toBe(true);
  });
});
