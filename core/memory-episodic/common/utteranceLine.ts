import { z } from 'zod';

/** One line of a conversation import (`pagi memory import FILE`, JSON Lines). */
export const utteranceLineSchema = z.object({
  session: z.string().min(1).max(200),
  time: z.iso.datetime({ offset: true, message: 'time must be an ISO 8601 date-time, e.g. 2023-05-08T13:56:00Z' }),
  speaker: z.string().min(1).max(120),
  text: z.string().min(1).max(200_000),
  ref: z.string().max(500).optional(),
});
export type UtteranceLine = z.infer<typeof utteranceLineSchema>;

export type ParsedLine = { ok: true; value: UtteranceLine } | { ok: false; error: string };

/** A line parsed and checked, or the reason it is refused (naming the field). */
export function parseUtteranceLine(line: string): ParsedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return { ok: false, error: `not valid JSON (${(err as Error).message})` };
  }
  const r = utteranceLineSchema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ') };
}
