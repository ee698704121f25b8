import { z } from 'zod';
import { newId } from '../../contracts/ids.js';
import { defineService } from '../../runtime/common/defineService.js';
import { createInbox } from '../../runtime/node/inbox.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { episodicMemoryContract } from '../../memory-episodic/common/contract.js';
import { learningContract } from '../common/contract.js';
import { createLearner } from './learner.js';
import { createLearningStore } from './learningStore.js';
import { learningMigrations } from './migrations.js';

const configSchema = z.object({
  /** Importance added to an episode each time it is used in a reply. */
  useReward: z.number().min(0).max(0.5).default(0.02),
  /** Importance moved by explicit feedback on a reply that used the episode. */
  feedbackReward: z.number().min(0).max(0.5).default(0.1),
});

/** Adjustments that could not reach episodic memory (it was restarting) are sent again this often. */
const RETRY_MS = 30_000;

export default defineService({
  id: 'learning',
  contract: learningContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'learning.db', learningMigrations);
    const inbox = createInbox(db);
    const store = createLearningStore(db);
    const episodic = ctx.client(episodicMemoryContract);
    const learner = createLearner({ store, inbox, adjustImportance: (input) => episodic.adjustImportance(input), ...ctx.config, log: ctx.log });

    ctx.bus.subscribe({ consumer: 'learning', topics: ['turn.completed', 'feedback.given'], handler: (event) => learner.handle(event) });
    const retry = setInterval(() => void learner.applyPlanned().catch(() => undefined), RETRY_MS);
    retry.unref();
    ctx.onDispose(() => clearInterval(retry));

    return {
      api: {
        async feedback({ turnId, rating, note }) {
          // handled like any other event: the learner plans its adjustments when it arrives
          const eventId = newId();
          await ctx.bus.publish('feedback.given', { turnId, rating, ...(note ? { note } : {}) }, { id: eventId });
          return { accepted: true as const, eventId };
        },
        stats: () => store.stats(),
      },
      health: () => ({ ok: db.open }),
    };
  },
});
