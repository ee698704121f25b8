import { describe, expect, it } from 'vitest';
import { docxText, pdfText, utf8Text } from './documentText.js';
import { tinyDocx, tinyPdf } from './testDocuments.js';

describe('document text', () => {
  it('reads UTF-8 text without its byte-order mark', () => {
    expect(utf8Text(Buffer.from('\uFEFFcafé'), 'a.txt')).toBe('café');
  });

  it('refuses binary and non-UTF-8 bytes with what to do', () => {
    expect(() => utf8Text(Buffer.from([0x68, 0x00, 0x69]), 'b.bin')).toThrow(/b\.bin looks like a binary file/);
    expect(() => utf8Text(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'l.txt')).toThrow(/not UTF-8 text; convert it/);
  });

  it('reads the text of a PDF and refuses what is not one', async () => {
    expect(await pdfText(tinyPdf('Quarterly report'), 'r.pdf')).toContain('Quarterly report');
    await expect(pdfText(Buffer.from('hello'), 'fake.pdf')).rejects.toThrow(/does not start like a PDF/);
    await expect(pdfText(Buffer.from('%PDF-1.4\ngarbage'), 'broken.pdf')).rejects.toThrow(/could not be read as a PDF/);
  });

  it('reads the paragraphs of a .docx and refuses what is not one', async () => {
    const text = await docxText(await tinyDocx(['Minutes of the meeting', 'Budget approved & signed']), 'm.docx');
    expect(text).toBe('Minutes of the meeting\n\nBudget approved & signed');
    await expect(docxText(Buffer.from('not a zip'), 'old.docx')).rejects.toThrow(/does not start like a \.docx file/);
    await expect(docxText(Buffer.from('PK\u0003\u0004garbage'), 'broken.docx')).rejects.toThrow(/could not be read as a \.docx document/);
  });
});
