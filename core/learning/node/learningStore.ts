import { z } from 'zod';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { provenanceSchema, type Pad, type Provenance } from '../../contracts/domain.js';

export interface Adjustment {
  /** `<event id>:<memory id>`: episodic memory applies an op id once, however often it is sent. */
  opId: string;
  memoryId: string;
  tier: Provenance['tier'];
  delta: number;
  reason: string;
}

export interface LearningStats { turnsSeen: number; feedback: Record<string, number>; adjustments: number; lastEventAt: string | null }

/**
 * `learning.db`: the decisions (completed turns with the memories they used and the mood), the
 * feedback on them, and the importance adjustments — planned here first, then marked applied once
 * episodic memory has them. `processed_events` is the inbox's (runtime/node/inbox.ts).
 */
export function createLearningStore(db: SqliteDatabase, now: () => string = () => new Date().toISOString()) {
  const plan = db.prepare('INSERT OR IGNORE INTO adjustments (op_id, memory_id, tier, delta, reason) VALUES (?, ?, ?, ?, ?)');
  return {
    /** The first record of a turn stands: a turn is decided once. */
    recordDecision(d: { turnId: string; sessionId: string; provenance: Provenance[]; mood: Pad; at: string }): void {
      db.prepare('INSERT OR IGNORE INTO decisions (turn_id, session_id, provenance, mood, at) VALUES (?, ?, ?, ?, ?)').run(d.turnId, d.sessionId, JSON.stringify(d.provenance), JSON.stringify(d.mood), d.at);
    },
    recordFeedback(f: { eventId: string; turnId: string; rating: string; note: string | null; at: string }): void {
      db.prepare('INSERT OR IGNORE INTO feedback (event_id, turn_id, rating, note, at) VALUES (?, ?, ?, ?, ?)').run(f.eventId, f.turnId, f.rating, f.note, f.at);
    },
    /** The memories a turn's reply used; none for a turn not seen (or seen before learning kept decisions). */
    usedBy(turnId: string): Provenance[] {
      const row = db.prepare('SELECT provenance FROM decisions WHERE turn_id = ?').pluck().get(turnId) as string | undefined;
      return row ? z.array(provenanceSchema).parse(JSON.parse(row)) : [];
    },
    /** A planned op id is planned once. */
    plan(a: Adjustment): void {
      plan.run(a.opId, a.memoryId, a.tier, a.delta, a.reason);
    },
    /** Planned and not yet applied, oldest first. */
    pending(limit = 500): Array<Pick<Adjustment, 'opId' | 'memoryId' | 'delta'>> {
      const rows = db.prepare('SELECT op_id, memory_id, delta FROM adjustments WHERE applied_at IS NULL ORDER BY rowid LIMIT ?').all(limit) as Array<{ op_id: string; memory_id: string; delta: number }>;
      return rows.map((r) => ({ opId: r.op_id, memoryId: r.memory_id, delta: r.delta }));
    },
    markApplied(opId: string): void {
      db.prepare('UPDATE adjustments SET applied_at = ? WHERE op_id = ?').run(now(), opId);
    },
    stats(): LearningStats {
      const fb = db.prepare('SELECT rating, COUNT(*) AS n FROM feedback GROUP BY rating').all() as Array<{ rating: string; n: number }>;
      return {
        turnsSeen: db.prepare('SELECT COUNT(*) FROM decisions').pluck().get() as number,
        feedback: Object.fromEntries(fb.map((r) => [r.rating, r.n])),
        adjustments: db.prepare('SELECT COUNT(*) FROM adjustments WHERE applied_at IS NOT NULL').pluck().get() as number,
        lastEventAt: (db.prepare('SELECT MAX(at) FROM processed_events').pluck().get() as string | null) ?? null,
      };
    },
  };
}

export type LearningStore = ReturnType<typeof createLearningStore>;
