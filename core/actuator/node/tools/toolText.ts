import { z } from 'zod';

/**
 * The JSON schema models are given for a tool's arguments, made from its zod schema so the two
 * never disagree. `io: 'input'` keeps arguments with a default optional, as the model may omit them.
 */
export function parametersOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return json;
}

/** `text` within `maxChars`, saying how much was left out so the model knows it saw only part. */
export function capText(text: string, maxChars: number, howToSeeMore = ''): string {
  if (text.length <= maxChars) return text;
  const rest = text.length - maxChars;
  return `${text.slice(0, maxChars)}\n…cut, ${rest} more character${rest === 1 ? '' : 's'}${howToSeeMore ? ` (${howToSeeMore})` : ''}`;
}

/**
 * Collects a stream of text up to `maxChars`, counting what it drops, so a command or a page that
 * writes gigabytes costs no more memory than the cap.
 */
export class CappedText {
  private kept = '';
  private dropped = 0;
  constructor(private readonly maxChars: number) {}

  push(chunk: string): void {
    const room = this.maxChars - this.kept.length;
    if (room > 0) this.kept += chunk.slice(0, room);
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }

  get wasCut(): boolean {
    return this.dropped > 0;
  }

  toString(): string {
    return this.dropped === 0 ? this.kept : `${this.kept}\n…cut, ${this.dropped} more character${this.dropped === 1 ? '' : 's'}`;
  }
}
