import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { pdfText, utf8Text } from '../../../native/documents/documentText.js';
import { PagiError } from '../../contracts/errors.js';

export const DOCUMENT_TYPES = { '.txt': 'text/plain', '.md': 'text/markdown', '.markdown': 'text/markdown', '.pdf': 'application/pdf' } as const;
export const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

export interface ReadDocument { name: string; mediaType: string; bytes: number; data: Buffer; text: string }

/** Reads a document for ingestion, refusing what cannot be read with a reason and what to do. */
export async function readDocument(path: string): Promise<ReadDocument> {
  const ext = extname(path).toLowerCase();
  const mediaType = (DOCUMENT_TYPES as Record<string, string>)[ext];
  if (!mediaType) throw new PagiError('INVALID_INPUT', `${basename(path)}: only ${Object.keys(DOCUMENT_TYPES).join(', ')} files can be ingested (got "${ext || 'no extension'}")`);
  const info = await stat(path).catch(() => null);
  if (!info) throw new PagiError('NOT_FOUND', `no file at ${path}`);
  if (!info.isFile()) throw new PagiError('INVALID_INPUT', `${path} is not a file`);
  if (info.size === 0) throw new PagiError('INVALID_INPUT', `${basename(path)} is empty`);
  if (info.size > MAX_DOCUMENT_BYTES) throw new PagiError('RESOURCE_EXHAUSTED', `${basename(path)} is ${(info.size / 1048576).toFixed(1)} MB; documents up to ${MAX_DOCUMENT_BYTES / 1048576} MB can be ingested — split it first`);
  const data = await readFile(path);
  const text = mediaType === 'application/pdf' ? await pdfText(data, basename(path)) : utf8Text(data, basename(path));
  if (!text.trim()) throw new PagiError('INVALID_INPUT', `${basename(path)} has no text to ingest${mediaType === 'application/pdf' ? ' (a scanned PDF needs OCR first)' : ''}`);
  return { name: basename(path), mediaType, bytes: info.size, data, text };
}
