import { z } from 'zod';
import { padSchema, type Mood, type Pad } from '../../contracts/domain.js';
import { PagiError } from '../../contracts/errors.js';
import { defineService } from '../../runtime/common/defineService.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { identityContract } from '../../identity/common/contract.js';
import { emotionContract } from '../common/contract.js';
import { blendToward, decayToward, moodLabel } from '../common/moodMath.js';
import { emotionMigrations } from './migrations.js';

const configSchema = z.object({
  /** How far one appraisal moves the mood toward itself (0 = never moves, 1 = jumps). */
  sensitivity: z.number().min(0).max(1).default(0.35),
  /** Used until the persona's baseline is known. */
  fallbackBaseline: padSchema.default({ pleasure: 0.2, arousal: 0, dominance: 0.1 }),
  fallbackHalfLifeMinutes: z.number().positive().default(30),
});

interface StateRow { pleasure: number; arousal: number; dominance: number; baseline: string; half_life_minutes: number; baseline_from_persona: number; updated_at: string }

export default defineService({
  id: 'emotion',
  contract: emotionContract,
  configSchema,
  async start(ctx) {
    const db = openServiceDatabase(ctx, 'emotion.db', emotionMigrations);
    const identity = ctx.client(identityContract);
    const nowIso = (): string => new Date().toISOString();

    if (!db.prepare('SELECT 1 FROM mood_state WHERE id = 1').get()) {
      const b = ctx.config.fallbackBaseline;
      db.prepare('INSERT INTO mood_state (id, pleasure, arousal, dominance, baseline, half_life_minutes, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)')
        .run(b.pleasure, b.arousal, b.dominance, JSON.stringify(b), ctx.config.fallbackHalfLifeMinutes, nowIso());
    }
    const row = (): StateRow => db.prepare('SELECT * FROM mood_state WHERE id = 1').get() as StateRow;
    const baselineOf = (r: StateRow): Pad => padSchema.parse(JSON.parse(r.baseline));
    const toMood = (p: Pad, at: string): Mood => ({ ...p, label: moodLabel(p), at });

    /** The mood now: the stored point decayed toward the baseline for the time since it was stored. */
    const now = (): { pad: Pad; r: StateRow } => {
      const r = row();
      const stored = { pleasure: r.pleasure, arousal: r.arousal, dominance: r.dominance };
      const elapsed = Date.now() - Date.parse(r.updated_at);
      return { pad: decayToward(stored, baselineOf(r), elapsed, r.half_life_minutes * 60_000), r };
    };

    const setBaseline = (baseline: Pad, halfLife: number | undefined, fromPersona: boolean): void => {
      db.prepare('UPDATE mood_state SET baseline = ?, half_life_minutes = COALESCE(?, half_life_minutes), baseline_from_persona = ? WHERE id = 1')
        .run(JSON.stringify(baseline), halfLife ?? null, fromPersona ? 1 : 0);
    };

    // The persona sets the baseline unless the user set one here; refresh it whenever the twin changes.
    const syncPersona = async (): Promise<void> => {
      if (row().baseline_from_persona !== 1) return;
      try {
        const twin = await identity.get({});
        setBaseline(twin.persona.baseline, twin.persona.moodHalfLifeMinutes, true);
      } catch (err) {
        ctx.log.warn('could not read the persona baseline; keeping the last one', { error: PagiError.from(err).message });
      }
    };
    void syncPersona();
    ctx.bus.subscribe({ consumer: 'emotion', topics: ['twin.updated'], handler: () => syncPersona() });

    return {
      api: {
        current() {
          const { pad, r } = now();
          return { ...toMood(pad, nowIso()), baseline: baselineOf(r), halfLifeMinutes: r.half_life_minutes };
        },
        async apply({ appraisal, cause, turnId, weight }) {
          const { pad: before } = now();
          const after = blendToward(before, appraisal, ctx.config.sensitivity * weight);
          const at = nowIso();
          db.transaction(() => {
            db.prepare('UPDATE mood_state SET pleasure = ?, arousal = ?, dominance = ?, updated_at = ? WHERE id = 1').run(after.pleasure, after.arousal, after.dominance, at);
            db.prepare('INSERT INTO mood_history (at, pleasure, arousal, dominance, cause, turn_id) VALUES (?, ?, ?, ?, ?, ?)').run(at, after.pleasure, after.arousal, after.dominance, cause, turnId);
          })();
          const result = { before: toMood(before, at), after: toMood(after, at) };
          await ctx.bus.publish('emotion.changed', { before, after, label: result.after.label, cause, turnId });
          return result;
        },
        history({ from, to, limit }) {
          const rows = db.prepare(
            'SELECT * FROM (SELECT * FROM mood_history WHERE at >= ? AND at <= ? ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id',
          ).all(from ?? '0000', to ?? '9999', limit) as Array<{ at: string; pleasure: number; arousal: number; dominance: number; cause: string; turn_id: string | null }>;
          return rows.map((r) => ({ ...toMood(r, r.at), cause: r.cause, turnId: r.turn_id }));
        },
        setBaseline({ baseline, halfLifeMinutes }) {
          setBaseline(baseline, halfLifeMinutes, false);
          const r = row();
          return { baseline: baselineOf(r), halfLifeMinutes: r.half_life_minutes };
        },
      },
      health: () => ({ ok: db.open }),
    };
  },
});
