import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HardwareInventory } from '../../../native/hardware.js';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { createHardwareInventory } from './hardwareInventory.js';
import { identityMigrations } from './migrations.js';

const MACHINE: HardwareInventory = {
  os: { platform: 'linux', release: '6.1', arch: 'x64', distro: 'Debian 12' },
  cpu: { model: 'Test CPU', cores: 2, speedMHz: 2000 },
  ramBytes: 8e9, freeRamBytes: 4e9,
  gpus: [{ vendor: 'NVIDIA', model: 'H200', vramBytes: 141e9 }],
};
const BACKEND = { name: 'cuda', gpu: 'cuda', reason: 'detected cuda and chose it automatically' };

describe('the hardware inventory', () => {
  let dir: string;
  let db: SqliteDatabase;
  const warnings: string[] = [];
  const log = { warn: (msg: string) => void warnings.push(msg) };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-hardware-'));
    db = openServiceDatabase(dir, 'identity.db', identityMigrations);
    warnings.length = 0;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the machine at start and answers from the stored row until asked to refresh', async () => {
    let reads = 0;
    const inv = createHardwareInventory(db, { log, read: async () => ({ ...MACHINE, freeRamBytes: ++reads }) });
    expect(await inv.get(false)).toMatchObject({ cpu: MACHINE.cpu, gpus: MACHINE.gpus, freeRamBytes: 1, backend: null, readAt: expect.any(String) });
    expect((await inv.get(false)).freeRamBytes).toBe(1);
    expect((await inv.get(true)).freeRamBytes).toBe(2);
    expect(reads).toBe(2);
  });

  it('records the backend the inference service chose, and keeps it across a new read', async () => {
    const inv = createHardwareInventory(db, { log, read: async () => MACHINE });
    await inv.ready;
    inv.setBackend(BACKEND);
    expect((await inv.get(false)).backend).toEqual(BACKEND);
    expect((await inv.get(true)).backend).toEqual(BACKEND);
  });

  it('a failed first read is logged and retried by the next request; a backend alone is not an inventory', async () => {
    let fail = true;
    const inv = createHardwareInventory(db, { log, read: async () => {
      if (fail) throw new Error('no systeminformation');
      return MACHINE;
    } });
    await inv.ready;
    expect(warnings).toEqual(['hardware inventory failed']);
    inv.setBackend(BACKEND);
    fail = false;
    expect(await inv.get(false)).toMatchObject({ os: MACHINE.os, backend: BACKEND });
  });

  it('with no read yet stored, a request that reads fails as the read did', async () => {
    const inv = createHardwareInventory(db, { log, read: async () => {
      throw new Error('no systeminformation');
    } });
    await expect(inv.get(false)).rejects.toThrow('no systeminformation');
  });
});
