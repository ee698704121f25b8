/**
 * Stored text reaches the terminal: memories, names from character cards and GGUF files, errors
 * quoting them. A control character in it must not drive the terminal (an ESC sequence recolours
 * it, moves the cursor or retitles the window; a carriage return overwrites the line; a bidi
 * override reorders what is shown), so such characters are printed as visible escapes instead.
 * Newlines and tabs stay: they are how text is laid out.
 */
// C0 controls but \t and \n, DEL, C1 controls (0x9b is a one-byte CSI), bidi embeddings, overrides and isolates
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string, width: number): string => (c.codePointAt(0) ?? 0).toString(16).padStart(width, '0');

/** Text for a human reading a terminal: every unsafe character as `\xNN` or `\uNNNN`. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/** JSON for a terminal or a pipe: still valid JSON (the same values), with nothing a terminal would act on. */
export function terminalJson(value: unknown): string {
  // JSON.stringify escapes C0 controls itself, but leaves DEL, C1 controls and bidi marks as they are
  return (JSON.stringify(value, null, 2) ?? 'null').replace(UNSAFE, (c) => `\\u${hex(c, 4)}`);
}
