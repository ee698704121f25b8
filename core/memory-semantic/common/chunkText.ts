/**
 * Splits a document into chunks for retrieval: on paragraph boundaries, about `target` characters
 * each, never more than `max` (a longer paragraph is split on sentences, then hard). Each chunk of a
 * Markdown document starts with the heading it sits under, so "## Billing" stays attached to its text.
 */
export function chunkText(text: string, opts: { target?: number; max?: number; markdown?: boolean } = {}): string[] {
  const target = opts.target ?? 800;
  const max = opts.max ?? 1_600;
  const paragraphs = text.replace(/\r\n?/g, '\n').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  const chunks: string[] = [];
  let heading = '';
  let current = '';
  const flush = (): void => {
    if (current.trim()) chunks.push(heading && !current.startsWith(heading) ? `${heading}\n${current.trim()}` : current.trim());
    current = '';
  };
  const pieces = (p: string): string[] => {
    if (p.length <= max) return [p];
    const sentences = p.match(/[^.!?\n]+[.!?]*\s*/g) ?? [p];
    const out: string[] = [];
    let buf = '';
    for (const s of sentences) {
      if (buf.length + s.length > max && buf) {
        out.push(buf.trim());
        buf = '';
      }
      if (s.length > max) for (let i = 0; i < s.length; i += max) out.push(s.slice(i, i + max).trim());
      else buf += s;
    }
    if (buf.trim()) out.push(buf.trim());
    return out;
  };
  for (const paragraph of paragraphs) {
    const h = opts.markdown ? paragraph.match(/^(#{1,6})\s+(.+)$/m) : null;
    if (h && paragraph.split('\n').length === 1) {
      flush();
      heading = paragraph;
      continue;
    }
    for (const piece of pieces(paragraph)) {
      if (current && current.length + piece.length + 2 > target) flush();
      current = current ? `${current}\n\n${piece}` : piece;
    }
  }
  flush();
  return chunks;
}
