import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { createApiKeys, type ApiKeys } from './apiKeys.js';
import { identityMigrations } from './migrations.js';

describe('API keys', () => {
  let dir: string;
  let db: SqliteDatabase;
  let keys: ApiKeys;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-keys-'));
    db = openServiceDatabase(dir, 'identity.db', identityMigrations);
    let tick = 0;
    keys = createApiKeys(db, () => new Date(Date.UTC(2025, 0, 1) + ++tick * 1000).toISOString());
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores only the hash of a key, which is shown once', () => {
    const made = keys.create('script');
    expect(made.key).toMatch(/^pagi_[A-Za-z0-9_-]{32}$/);
    const stored = JSON.stringify(db.prepare('SELECT * FROM api_keys').all());
    expect(stored).not.toContain(made.key);
    expect(stored).not.toContain(made.key.slice(5));
    expect(keys.list()).toEqual([{ id: made.id, label: 'script', createdAt: expect.any(String), lastUsedAt: null }]);
  });

  it('verifies a live key and records its use; a wrong or revoked key is not valid', () => {
    const a = keys.create('a');
    const b = keys.create('b');
    expect(keys.verify(a.key)).toEqual({ valid: true, id: a.id });
    expect(keys.list().find((k) => k.id === a.id)?.lastUsedAt).not.toBeNull();
    expect(keys.verify(`${a.key}x`)).toEqual({ valid: false, id: null });
    expect(keys.revoke(b.id)).toBe(true);
    expect(keys.revoke(b.id)).toBe(false);
    expect(keys.revoke('nope')).toBe(false);
    expect(keys.verify(b.key)).toEqual({ valid: false, id: null });
    expect(keys.list().map((k) => k.label)).toEqual(['a']);
  });
});
