import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { identityMigrations } from './migrations.js';
import { createTwinStore, type TwinStore } from './twinStore.js';

const TWIN = '0190a000-0000-7000-8000-000000000001';

describe('the twin row', () => {
  let dir: string;
  let db: SqliteDatabase;
  let twin: TwinStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-twin-'));
    db = openServiceDatabase(dir, 'identity.db', identityMigrations);
    let tick = 0;
    twin = createTwinStore(db, TWIN, () => new Date(Date.UTC(2025, 0, 1) + ++tick * 1000).toISOString());
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is created once, with the defaults, created and updated at the same moment (not set up yet)', () => {
    expect(() => twin.get()).toThrow(/does not exist/);
    expect(twin.ensure({ name: 'Ada', persona: { speakingStyle: 'short sentences' } })).toBe(true);
    expect(twin.ensure({ name: 'Other', persona: {} })).toBe(false);
    const t = twin.get();
    expect(t).toMatchObject({ id: TWIN, name: 'Ada', parentId: null, generation: 0, lifecycle: 'active', persona: { speakingStyle: 'short sentences', traits: ['curious', 'warm', 'concise'] } });
    expect(t.updatedAt).toBe(t.createdAt);
  });

  it('merges persona changes, keeps the name unless given, and pauses', () => {
    twin.ensure({ name: 'Ada', persona: {} });
    const before = twin.get();
    const renamed = twin.update({ name: 'Grace' });
    expect(renamed.name).toBe('Grace');
    expect(renamed.persona).toEqual(before.persona);
    const styled = twin.update({ persona: { traits: ['calm'] } });
    expect(styled).toMatchObject({ name: 'Grace', persona: { traits: ['calm'], description: before.persona.description } });
    expect(() => twin.update({ persona: { moodHalfLifeMinutes: -1 } })).toThrow();
    expect(renamed.updatedAt > renamed.createdAt).toBe(true);
    const paused = twin.setLifecycle('paused');
    expect(paused).toMatchObject({ name: 'Grace', lifecycle: 'paused' });
  });
});
