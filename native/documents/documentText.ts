// The text inside a document's bytes, shared by the services that read documents (memory ingestion,
// the actuator's file tools): pure functions of bytes, so neither service imports the other's code.
import { PagiError } from '../../core/contracts/errors.js';

/** UTF-8 text, refusing binary data and other encodings with what to do about them. */
export function utf8Text(data: Uint8Array, name: string): string {
  if (data.subarray(0, 8_192).includes(0)) throw new PagiError('INVALID_INPUT', `${name} looks like a binary file, not text; save it as plain text or Markdown`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data).replace(/^\uFEFF/, '');
  } catch {
    throw new PagiError('INVALID_INPUT', `${name} is not UTF-8 text; convert it to UTF-8 and try again`);
  }
}

/** The text of a PDF, one page after another (a scanned PDF has none: it needs OCR first). */
export async function pdfText(data: Uint8Array, name: string): Promise<string> {
  if (Buffer.from(data.subarray(0, 5)).toString('latin1') !== '%PDF-') throw new PagiError('INVALID_INPUT', `${name} does not start like a PDF file (%PDF-); is the extension right?`);
  try {
    // loaded on first use: pdf.js is large and most runs never read a PDF
    const { extractText, getDocumentProxy } = await import('unpdf');
    const pdf = await getDocumentProxy(new Uint8Array(data));
    const { text } = await extractText(pdf, { mergePages: false });
    return (text as string[]).join('\n\n');
  } catch (err) {
    throw new PagiError('INVALID_INPUT', `${name} could not be read as a PDF: ${(err as Error).message}`);
  }
}

/** The text of a Word document (.docx), paragraphs separated by blank lines. */
export async function docxText(data: Uint8Array, name: string): Promise<string> {
  // a .docx is a zip archive: anything else is refused before the parser sees it
  if (Buffer.from(data.subarray(0, 4)).toString('latin1') !== 'PK\u0003\u0004') throw new PagiError('INVALID_INPUT', `${name} does not start like a .docx file (a zip archive); is the extension right? (old .doc files are not supported: save as .docx)`);
  try {
    const { default: mammoth } = await import('mammoth');
    const { value } = await mammoth.extractRawText({ buffer: Buffer.from(data) });
    return value.replace(/\n{3,}/g, '\n\n').trim();
  } catch (err) {
    throw new PagiError('INVALID_INPUT', `${name} could not be read as a .docx document: ${(err as Error).message}`);
  }
}
