import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { call, defineContract } from '../../contracts/contract.js';
import { PagiError } from '../../contracts/errors.js';
import { defineService, type ServiceDefinition } from '../common/defineService.js';
import { createInProcessLauncher } from './inProcessLauncher.js';
import { openServiceDatabase } from './migrations.js';
import { Supervisor } from './supervisor.js';
import type { SqliteDatabase } from '../../../native/sqlite.js';

const contract = defineContract('test.teardown', { noop: call(z.object({}), z.object({})) });
const TWIN = '0190a000-0000-7000-8000-0000000000aa';

/** A service that registers three teardown steps and opens a database, optionally failing after. */
function fixture(steps: string[], opened: SqliteDatabase[], failAfterSetup: boolean): ServiceDefinition {
  return defineService({
    id: 'test.teardown',
    contract,
    configSchema: z.object({}),
    async start(ctx) {
      opened.push(openServiceDatabase(ctx, 'teardown.db', [{ version: 1, name: 't', up: (db) => db.exec('CREATE TABLE t (x)') }], { portable: false }));
      for (const name of ['first', 'second', 'third']) ctx.onDispose(() => void steps.push(name));
      ctx.onDispose(() => {
        throw new Error('a broken step does not stop the others');
      });
      if (failAfterSetup) throw new PagiError('FAILED_PRECONDITION', 'cannot run here');
      return { api: { noop: () => ({}) } };
    },
  });
}

describe('teardown in one place', () => {
  it.each([
    ['stops', false],
    ['fails to start', true],
  ])('when a service %s, its steps run in reverse order and its databases close', async (_what, failAfterSetup) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pagi-teardown-'));
    const steps: string[] = [];
    const opened: SqliteDatabase[] = [];
    const sup = new Supervisor({
      launcher: createInProcessLauncher(async () => fixture(steps, opened, failAfterSetup)),
      specs: [{ id: 'test.teardown', dependsOn: [], modulePath: 'unused' }],
      dataDir,
      twinId: TWIN,
      logSink: () => undefined,
    });
    try {
      await sup.start();
      await sup.stop();
      expect(steps).toEqual(['third', 'second', 'first']);
      expect(opened.map((db) => db.open)).toEqual([false]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
