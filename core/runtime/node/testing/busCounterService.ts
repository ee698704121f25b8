import { join } from 'node:path';
import { z } from 'zod';
import { openDatabase } from '../../../../native/sqlite.js';
import { call, defineContract } from '../../../contracts/contract.js';
import { defineService } from '../../common/defineService.js';
import { createInbox } from '../inbox.js';

/**
 * Test fixture: a durable bus consumer whose side effect (a row per event, a counter) must happen
 * exactly once per event even when the process is killed mid-stream.
 */
export const busCounterContract = defineContract('test.counter', {
  counts: call(z.object({}), z.object({ distinct: z.number().int(), effects: z.number().int(), maxTimes: z.number().int(), lastHandled: z.number().int() })),
});

export default defineService({
  id: 'test.counter',
  contract: busCounterContract,
  configSchema: z.object({ handlerDelayMs: z.number().int().min(0).default(0) }),
  async start(ctx) {
    const db = openDatabase(join(ctx.paths.twinDir, 'test-counter.db'));
    db.exec('CREATE TABLE IF NOT EXISTS seen (n INTEGER PRIMARY KEY, times INTEGER NOT NULL)');
    db.exec('CREATE TABLE IF NOT EXISTS effects (id INTEGER PRIMARY KEY CHECK (id = 1), total INTEGER NOT NULL)');
    db.exec('INSERT OR IGNORE INTO effects (id, total) VALUES (1, 0)');
    const inbox = createInbox(db);
    const sub = ctx.bus.subscribe({
      consumer: 'test.counter',
      topics: ['test.ping'],
      handler: async (event) => {
        if (ctx.config.handlerDelayMs) await new Promise((r) => setTimeout(r, ctx.config.handlerDelayMs));
        const n = (event.payload as { n: number }).n;
        inbox.once(event, () => {
          db.prepare('INSERT INTO seen (n, times) VALUES (?, 1) ON CONFLICT(n) DO UPDATE SET times = times + 1').run(n);
          db.prepare('UPDATE effects SET total = total + 1 WHERE id = 1').run();
        });
      },
    });
    return {
      api: {
        counts: () => ({
          distinct: db.prepare('SELECT COUNT(*) FROM seen').pluck().get() as number,
          effects: db.prepare('SELECT total FROM effects WHERE id = 1').pluck().get() as number,
          maxTimes: (db.prepare('SELECT COALESCE(MAX(times), 0) FROM seen').pluck().get() as number),
          lastHandled: sub.lastHandled,
        }),
      },
    };
  },
});
