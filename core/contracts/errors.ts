import { z } from 'zod';

/** The closed set of error codes. Expected outcomes are return values; these are for failures. */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'FAILED_PRECONDITION',
  'RESOURCE_EXHAUSTED',
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'CANCELLED',
  'UNSUPPORTED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const wireErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  data: z.unknown().optional(),
});
export type WireError = z.infer<typeof wireErrorSchema>;

/**
 * What the user can do about an error, in the words of the place they read it: a command in the
 * CLI, a place in the app. Messages say what is wrong; hosts add the hint that fits them.
 */
export const errorHintSchema = z.object({ cli: z.string().max(300).optional(), app: z.string().max(300).optional() });
export type ErrorHint = z.infer<typeof errorHintSchema>;

/** The hint an error carries in its data (`data.hint`), if any. */
export function hintOf(err: unknown): ErrorHint | null {
  const data = err instanceof PagiError ? err.data : err;
  if (!data || typeof data !== 'object' || !('hint' in data)) return null;
  const parsed = errorHintSchema.safeParse((data as { hint: unknown }).hint);
  return parsed.success ? parsed.data : null;
}

export class PagiError extends Error {
  readonly code: ErrorCode;
  readonly data: unknown;

  constructor(code: ErrorCode, message: string, data?: unknown) {
    super(message);
    this.name = 'PagiError';
    this.code = code;
    this.data = data;
  }

  toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static fromWire(wire: unknown): PagiError {
    const parsed = wireErrorSchema.safeParse(wire);
    if (!parsed.success) return new PagiError('INTERNAL', 'malformed error on the wire', { wire });
    return new PagiError(parsed.data.code, parsed.data.message, parsed.data.data);
  }

  /** An error with what to do about it in each host's words (see ErrorHint). */
  static hinted(code: ErrorCode, message: string, hint: ErrorHint, data: Record<string, unknown> = {}): PagiError {
    return new PagiError(code, message, { ...data, hint });
  }

  /** Anything thrown becomes a PagiError; unknown errors keep their message but become INTERNAL. */
  static from(err: unknown): PagiError {
    if (err instanceof PagiError) return err;
    if (err instanceof z.ZodError) return PagiError.invalidInput(err);
    if (err instanceof Error) return new PagiError('INTERNAL', err.message);
    return new PagiError('INTERNAL', String(err));
  }

  /** A zod failure as a clear message that names every bad field and what was expected. */
  static invalidInput(err: z.ZodError, what = 'input'): PagiError {
    const issues = err.issues.map((i) => ({
      path: i.path.map(String).join('.') || '(root)',
      message: i.message,
    }));
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return new PagiError('INVALID_INPUT', `invalid ${what} — ${text}`, { issues });
  }
}

export function isPagiError(err: unknown, code?: ErrorCode): err is PagiError {
  return err instanceof PagiError && (code === undefined || err.code === code);
}
