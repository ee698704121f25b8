import { z } from 'zod';
import { provenanceSchema } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { EVENT_TOPICS, type BusEvent } from '../../contracts/events.js';
import { newId } from '../../contracts/ids.js';
import { defineService } from '../../runtime/common/defineService.js';
import { createInbox } from '../../runtime/node/inbox.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { episodicMemoryContract } from '../../memory-episodic/common/contract.js';
import { learningContract } from '../common/contract.js';
import { learningMigrations } from './migrations.js';

const configSchema = z.object({
  /** Importance added to an episode each time it is used in a reply. */
  useReward: z.number().min(0).max(0.5).default(0.02),
  /** Importance moved by explicit feedback on a reply that used the episode. */
  feedbackReward: z.number().min(0).max(0.5).default(0.1),
});

export default defineService({
  id: 'learning',
  contract: learningContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'learning.db', learningMigrations);
    const inbox = createInbox(db);
    const episodic = ctx.client(episodicMemoryContract);
    const now = (): string => new Date().toISOString();
    const planAdjust = db.prepare('INSERT OR IGNORE INTO adjustments (op_id, memory_id, tier, delta, reason) VALUES (?, ?, ?, ?, ?)');

    /**
     * Adjustments are planned in this database (with the event, exactly once) and then applied to
     * episodic memory with an op id, so a crash between the two never applies one twice.
     */
    const applyPlanned = async (): Promise<void> => {
      const rows = db.prepare('SELECT op_id, memory_id, delta FROM adjustments WHERE applied_at IS NULL ORDER BY rowid LIMIT 500').all() as Array<{ op_id: string; memory_id: string; delta: number }>;
      for (const r of rows) {
        try {
          await episodic.adjustImportance({ id: r.memory_id, delta: r.delta, opId: r.op_id });
        } catch (err) {
          const e = PagiError.from(err);
          if (e.code !== 'NOT_FOUND') throw e; // retried on the next event or the timer
          ctx.log.info(`memory ${r.memory_id} is gone; adjustment dropped`);
        }
        db.prepare('UPDATE adjustments SET applied_at = ? WHERE op_id = ?').run(now(), r.op_id);
      }
    };

    const onEvent = async (event: BusEvent): Promise<void> => {
      if (event.topic === 'turn.completed') {
        const p = EVENT_TOPICS['turn.completed'].parse(event.payload);
        inbox.once(event, () => {
          db.prepare('INSERT OR IGNORE INTO decisions (turn_id, session_id, provenance, mood, at) VALUES (?, ?, ?, ?, ?)').run(p.turnId, p.sessionId, JSON.stringify(p.provenance), JSON.stringify(p.mood), event.time);
          for (const m of p.provenance) if (m.tier === 'episodic') planAdjust.run(`${event.id}:${m.id}`, m.id, m.tier, ctx.config.useReward, 'used in a reply');
        });
      } else if (event.topic === 'feedback.given') {
        const p = EVENT_TOPICS['feedback.given'].parse(event.payload);
        inbox.once(event, () => {
          db.prepare('INSERT OR IGNORE INTO feedback (event_id, turn_id, rating, note, at) VALUES (?, ?, ?, ?, ?)').run(event.id, p.turnId, p.rating, p.note ?? null, event.time);
          const row = db.prepare('SELECT provenance FROM decisions WHERE turn_id = ?').pluck().get(p.turnId) as string | undefined;
          const used = row ? z.array(provenanceSchema).parse(JSON.parse(row)) : [];
          const delta = p.rating === 'up' ? ctx.config.feedbackReward : -ctx.config.feedbackReward;
          for (const m of used) if (m.tier === 'episodic') planAdjust.run(`${event.id}:${m.id}`, m.id, m.tier, delta, `feedback: ${p.rating}`);
        });
      }
      await applyPlanned();
    };

    ctx.bus.subscribe({ consumer: 'learning', topics: ['turn.completed', 'feedback.given'], handler: onEvent });
    const retry = setInterval(() => void applyPlanned().catch(() => undefined), 30_000);
    ctx.onDispose(() => clearInterval(retry));
    retry.unref();

    return {
      api: {
        async feedback({ turnId, rating, note }) {
          const eventId = newId();
          await ctx.bus.publish('feedback.given', { turnId, rating, ...(note ? { note } : {}) }, { id: eventId });
          return { accepted: true as const, eventId };
        },
        stats() {
          const fb = db.prepare('SELECT rating, COUNT(*) AS n FROM feedback GROUP BY rating').all() as Array<{ rating: string; n: number }>;
          return {
            turnsSeen: db.prepare('SELECT COUNT(*) FROM decisions').pluck().get() as number,
            feedback: Object.fromEntries(fb.map((r) => [r.rating, r.n])),
            adjustments: db.prepare('SELECT COUNT(*) FROM adjustments WHERE applied_at IS NOT NULL').pluck().get() as number,
            lastEventAt: (db.prepare('SELECT MAX(at) FROM processed_events').pluck().get() as string | null) ?? null,
          };
        },
      },
      health: () => ({ ok: db.open }),
    };
  },
});
