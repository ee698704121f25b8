import { PagiError } from '../../contracts/errors.js';
import { EVENT_TOPICS, type BusEvent } from '../../contracts/events.js';
import type { Logger } from '../../runtime/common/defineService.js';
import type { createInbox } from '../../runtime/node/inbox.js';
import type { LearningStore } from './learningStore.js';

export interface LearnerOptions {
  store: LearningStore;
  inbox: ReturnType<typeof createInbox>;
  /** Episodic memory's `adjustImportance`: idempotent by op id. */
  adjustImportance(input: { id: string; delta: number; opId: string }): Promise<unknown>;
  /** Importance added to an episode each time it is used in a reply. */
  useReward: number;
  /** Importance moved by explicit feedback on a reply that used the episode. */
  feedbackReward: number;
  log: Pick<Logger, 'info'>;
}

/**
 * What learning does with events: a completed turn makes the episodes it used a little more
 * important; feedback on it moves them up or down. Each event plans its adjustments exactly once
 * (in the inbox's transaction); planned adjustments then go to episodic memory with their op ids,
 * so a crash between the two never applies one twice.
 */
export function createLearner(opts: LearnerOptions) {
  const { store } = opts;

  const applyPlanned = async (): Promise<void> => {
    for (const a of store.pending()) {
      try {
        await opts.adjustImportance({ id: a.memoryId, delta: a.delta, opId: a.opId });
      } catch (err) {
        const e = PagiError.from(err);
        if (e.code !== 'NOT_FOUND') throw e; // retried on the next event or the timer
        opts.log.info(`memory ${a.memoryId} is gone; adjustment dropped`);
      }
      store.markApplied(a.opId);
    }
  };

  const plan = (event: BusEvent): void => {
    if (event.topic === 'turn.completed') {
      const p = EVENT_TOPICS['turn.completed'].parse(event.payload);
      opts.inbox.once(event, () => {
        store.recordDecision({ turnId: p.turnId, sessionId: p.sessionId, provenance: p.provenance, mood: p.mood, at: event.time });
        for (const m of p.provenance) if (m.tier === 'episodic') store.plan({ opId: `${event.id}:${m.id}`, memoryId: m.id, tier: m.tier, delta: opts.useReward, reason: 'used in a reply' });
      });
    } else if (event.topic === 'feedback.given') {
      const p = EVENT_TOPICS['feedback.given'].parse(event.payload);
      opts.inbox.once(event, () => {
        store.recordFeedback({ eventId: event.id, turnId: p.turnId, rating: p.rating, note: p.note ?? null, at: event.time });
        const delta = p.rating === 'up' ? opts.feedbackReward : -opts.feedbackReward;
        for (const m of store.usedBy(p.turnId)) if (m.tier === 'episodic') store.plan({ opId: `${event.id}:${m.id}`, memoryId: m.id, tier: m.tier, delta, reason: `feedback: ${p.rating}` });
      });
    }
  };

  return {
    /** Plans what the event calls for (once), then applies whatever is planned. */
    async handle(event: BusEvent): Promise<void> {
      plan(event);
      await applyPlanned();
    },
    applyPlanned,
  };
}

export type Learner = ReturnType<typeof createLearner>;
