import { v7 as uuidv7, validate, version } from 'uuid';
import { z } from 'zod';

/** Time-ordered ids (UUIDv7): sortable by creation time, safe to merge across machines. */
export function newId(): string {
  return uuidv7();
}

export function isUuidV7(value: string): boolean {
  return validate(value) && version(value) === 7;
}

export const idSchema = z.string().refine(isUuidV7, { message: 'must be a UUIDv7 id' });
