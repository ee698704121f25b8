import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PagiError } from '../../contracts/errors.js';
import type { EncryptionHeader } from './bundleManifest.js';

/**
 * Passphrase encryption of bundle entries: a key from scrypt, then each entry as a sequence of
 * AES-256-GCM records of `chunkBytes`, each authenticated on its own (so a flipped byte is caught in
 * the record it is in, before its plaintext is passed on) and bound to its entry, its position and
 * whether it is the last (so records cannot be reordered, moved between entries or cut off).
 */

const TAG_BYTES = 16;
const HEADER_BYTES = 5; // 1 byte "last record" flag, 4 bytes ciphertext length
const CHECK_ENTRY = 0xffffffff;
const DEFAULTS = { N: 2 ** 17, r: 8, p: 1, chunkBytes: 1 << 16 };

export interface BundleKey { key: Buffer; header: EncryptionHeader }

const derive = (passphrase: string, salt: Buffer, h: Pick<EncryptionHeader, 'N' | 'r' | 'p'>): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + (1 << 20) }, (err, key) => (err ? reject(err) : resolve(key)));
  });

const nonce = (entry: number, record: number): Buffer => {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(entry, 0);
  n.writeBigUInt64BE(BigInt(record), 4);
  return n;
};
const aad = (name: string, record: number, last: boolean): Buffer => Buffer.from(`${name}\u0000${record}\u0000${last ? 1 : 0}`);

function seal(key: Buffer, entry: number, name: string, record: number, last: boolean, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce(entry, record));
  c.setAAD(aad(name, record, last));
  const body = Buffer.concat([c.update(plain), c.final()]);
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt8(last ? 1 : 0, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body, c.getAuthTag()]);
}

function open(key: Buffer, entry: number, name: string, record: number, last: boolean, body: Buffer, tag: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, nonce(entry, record));
  d.setAAD(aad(name, record, last));
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    throw new PagiError('INVALID_INPUT', `${name} in the bundle was altered or damaged (record ${record} fails its authentication): nothing from it was used; export the twin again`);
  }
}

export async function createBundleKey(passphrase: string): Promise<BundleKey> {
  if (passphrase.length < 8) throw new PagiError('INVALID_INPUT', 'the passphrase must have at least 8 characters');
  const salt = randomBytes(16);
  const key = await derive(passphrase, salt, DEFAULTS);
  const check = seal(key, CHECK_ENTRY, 'check', 0, true, Buffer.alloc(32));
  return { key, header: { cipher: 'aes-256-gcm', kdf: 'scrypt', salt: salt.toString('base64'), ...DEFAULTS, check: check.toString('base64') } };
}

/** The key for a bundle's header, or a clear "wrong passphrase". */
export async function unlockBundle(passphrase: string, header: EncryptionHeader): Promise<Buffer> {
  const key = await derive(passphrase, Buffer.from(header.salt, 'base64'), header);
  const check = Buffer.from(header.check, 'base64');
  if (check.length !== HEADER_BYTES + 32 + TAG_BYTES) throw new PagiError('INVALID_INPUT', "the bundle's encryption header is damaged");
  try {
    open(key, CHECK_ENTRY, 'check', 0, true, check.subarray(HEADER_BYTES, HEADER_BYTES + 32), check.subarray(HEADER_BYTES + 32));
  } catch {
    throw new PagiError('PERMISSION_DENIED', 'wrong passphrase for this bundle (or its encryption header was altered)');
  }
  return key;
}

/** Plaintext in, records out. */
export function encryptStream(key: Buffer, entry: number, name: string, chunkBytes: number): Transform {
  let pending: Buffer = Buffer.alloc(0);
  let record = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      // keep at least one byte back: the last record is only known at the end
      while (pending.length > chunkBytes) {
        this.push(seal(key, entry, name, record++, false, pending.subarray(0, chunkBytes)));
        pending = pending.subarray(chunkBytes);
      }
      done();
    },
    flush(done: TransformCallback) {
      this.push(seal(key, entry, name, record++, true, pending));
      done();
    },
  });
}

/** Records in, plaintext out, each record checked before its bytes go on; a missing last record is an error. */
export function decryptStream(key: Buffer, entry: number, name: string, chunkBytes: number): Transform {
  let pending: Buffer = Buffer.alloc(0);
  let record = 0;
  let ended = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      try {
        while (pending.length >= HEADER_BYTES) {
          if (ended) throw new PagiError('INVALID_INPUT', `${name} in the bundle has data after its last record: it was altered`);
          const last = pending.readUInt8(0);
          const len = pending.readUInt32BE(1);
          if (last > 1 || len > chunkBytes) throw new PagiError('INVALID_INPUT', `${name} in the bundle has a damaged record header (record ${record})`);
          if (pending.length < HEADER_BYTES + len + TAG_BYTES) break;
          const body = pending.subarray(HEADER_BYTES, HEADER_BYTES + len);
          const tag = pending.subarray(HEADER_BYTES + len, HEADER_BYTES + len + TAG_BYTES);
          this.push(open(key, entry, name, record++, last === 1, body, tag));
          pending = pending.subarray(HEADER_BYTES + len + TAG_BYTES);
          ended = last === 1;
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      if (!ended || pending.length > 0) done(new PagiError('INVALID_INPUT', `${name} in the bundle is cut short (its last record is missing): the file is incomplete`));
      else done();
    },
  });
}

/** A small entry (the manifest) in one go. */
export async function sealBuffer(key: Buffer, entry: number, name: string, chunkBytes: number, plain: Buffer): Promise<Buffer> {
  return collect(encryptStream(key, entry, name, chunkBytes), plain);
}
export async function openBuffer(key: Buffer, entry: number, name: string, chunkBytes: number, sealed: Buffer): Promise<Buffer> {
  return collect(decryptStream(key, entry, name, chunkBytes), sealed);
}

function collect(t: Transform, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    t.on('data', (b: Buffer) => parts.push(b));
    t.on('end', () => resolve(Buffer.concat(parts)));
    t.on('error', reject);
    t.end(input);
  });
}
