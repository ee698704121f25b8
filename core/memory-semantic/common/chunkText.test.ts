import { describe, expect, it } from 'vitest';
import { chunkText } from './chunkText.js';

describe('chunkText', () => {
  it('packs paragraphs up to the target and keeps Markdown headings with their text', () => {
    const md = '# Guide\n\nIntro paragraph.\n\n## Billing\n\nInvoices go out monthly.\n\nRefunds take a week.';
    expect(chunkText(md, { markdown: true, target: 40 })).toEqual(['# Guide\nIntro paragraph.', '## Billing\nInvoices go out monthly.', '## Billing\nRefunds take a week.']);
  });
  it('splits a paragraph longer than the maximum on sentences, and hard when it must', () => {
    const long = `${'A short sentence. '.repeat(50)}${'x'.repeat(3_000)}`;
    const chunks = chunkText(long, { target: 500, max: 600 });
    expect(chunks.every((c) => c.length <= 600)).toBe(true);
    expect(chunks.join('').replace(/\s/g, '').length).toBe(long.replace(/\s/g, '').length);
  });
  it('gives nothing for blank text', () => {
    expect(chunkText(' \n\n \n')).toEqual([]);
  });
});
