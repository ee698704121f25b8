import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { newId } from '../../contracts/ids.js';

export interface ApiKeyInfo { id: string; label: string; createdAt: string; lastUsedAt: string | null }

const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/**
 * API keys for the local HTTP API. Only a key's sha256 is stored: the key itself is shown once, when
 * it is made. Revoked keys stay as rows (revoked_at) so their ids are never reused.
 */
export function createApiKeys(db: SqliteDatabase, now: () => string = () => new Date().toISOString()) {
  return {
    create(label: string): { id: string; key: string; label: string } {
      const key = `pagi_${randomBytes(24).toString('base64url')}`;
      const id = newId();
      db.prepare('INSERT INTO api_keys (id, label, hash, created_at) VALUES (?, ?, ?, ?)').run(id, label, hashKey(key), now());
      return { id, key, label };
    },
    /** Compares every live hash in constant time, so the answer's timing says nothing about which key is near. */
    verify(key: string): { valid: boolean; id: string | null } {
      const want = Buffer.from(hashKey(key), 'hex');
      const rows = db.prepare('SELECT id, hash FROM api_keys WHERE revoked_at IS NULL').all() as Array<{ id: string; hash: string }>;
      const hit = rows.find((r) => timingSafeEqual(Buffer.from(r.hash, 'hex'), want));
      if (!hit) return { valid: false, id: null };
      db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now(), hit.id);
      return { valid: true, id: hit.id };
    },
    list(): ApiKeyInfo[] {
      const rows = db.prepare('SELECT id, label, created_at, last_used_at FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at').all() as Array<{ id: string; label: string; created_at: string; last_used_at: string | null }>;
      return rows.map((r) => ({ id: r.id, label: r.label, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
    },
    /** False when there is no live key with this id (unknown, or revoked before). */
    revoke(id: string): boolean {
      return db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now(), id).changes === 1;
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
