import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../native/sqlite.js';
import { auditMigrations } from '../actuator/node/migrations.js';
import { emotionMigrations } from '../emotion/node/migrations.js';
import { eventLogMigrations } from '../event-router/node/migrations.js';
import { goalsMigrations } from '../executive/node/migrations.js';
import { identityMigrations } from '../identity/node/migrations.js';
import { inferenceMigrations } from '../inference/node/migrations.js';
import { learningMigrations } from '../learning/node/migrations.js';
import { episodicMigrations } from '../memory-episodic/node/migrations.js';
import { semanticMigrations } from '../memory-semantic/node/migrations.js';
import { migrate, type Migration } from '../runtime/node/migrations.js';

const ALL: Record<string, Migration[]> = {
  'audit.db': auditMigrations, 'emotion.db': emotionMigrations, 'events.db': eventLogMigrations, 'goals.db': goalsMigrations,
  'identity.db': identityMigrations, 'models.db': inferenceMigrations, 'learning.db': learningMigrations,
  'episodic.db': episodicMigrations, 'semantic.db': semanticMigrations,
};

const schema = (db: ReturnType<typeof openDatabase>): string[] =>
  (db.prepare("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master WHERE type IN ('table', 'index', 'trigger', 'view') ORDER BY name").pluck().all() as string[]);

const cases = Object.entries(ALL).flatMap(([file, list]) => list.map((m) => [file, m.version, m.name, list] as const));

describe('migrations', () => {
  it.each(cases)('%s v%i (%s) applies on top of the previous versions, changes the schema, and passes integrity_check', (file, version, _name, list) => {
    const db = openDatabase(':memory:');
    migrate(db, list.filter((m) => m.version < version), file);
    const before = schema(db);
    expect(migrate(db, list.filter((m) => m.version <= version), file)).toBe(version);
    expect(schema(db)).not.toEqual(before);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('is idempotent and refuses a database from a newer app', () => {
    const db = openDatabase(':memory:');
    migrate(db, episodicMigrations, 'episodic.db');
    expect(migrate(db, episodicMigrations, 'episodic.db')).toBe(3);
    db.pragma('user_version = 99');
    expect(() => migrate(db, episodicMigrations, 'episodic.db')).toThrow(/schema version 99, newer than this app knows \(3\)/);
  });
});

describe('models.db v2', () => {
  it('moves v1 rows into the registry with new UUIDv7 ids', () => {
    const db = openDatabase(':memory:');
    migrate(db, inferenceMigrations.filter((m) => m.version === 1), 'models.db');
    db.prepare("INSERT INTO models (path, name, architecture, file_bytes, added_at, last_used_at) VALUES ('/m/a.gguf', 'a', 'llama', 10, '2026-01-01T00:00:00Z', NULL)").run();
    migrate(db, inferenceMigrations, 'models.db');
    const row = db.prepare('SELECT * FROM model_files').get() as { id: string; path: string; file_name: string; source: string; hash_status: string; metadata: string };
    expect(row).toMatchObject({ path: '/m/a.gguf', file_name: 'a.gguf', source: 'reference', hash_status: 'pending' });
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(JSON.parse(row.metadata)).toEqual({ name: 'a', architecture: 'llama' });
  });
});

describe('episodic.db v3', () => {
  it('keeps v2 episodes and rebuilds their full-text index with the neighbour column', () => {
    const db = openDatabase(':memory:');
    migrate(db, episodicMigrations.filter((m) => m.version <= 2), 'episodic.db');
    db.prepare("INSERT INTO episodes (id, session_id, time, actor, kind, text, importance) VALUES ('e1', 's', '2024-01-01T00:00:00.000Z', 'ana', 'message', 'We adopted a greyhound', 0.5)").run();
    migrate(db, episodicMigrations, 'episodic.db');
    expect(db.prepare("SELECT rowid FROM episodes_fts WHERE episodes_fts MATCH 'greyhound'").pluck().all()).toHaveLength(1);
    expect(db.prepare("SELECT context, pinned FROM episodes WHERE id = 'e1'").get()).toEqual({ context: '', pinned: 0 });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

describe('semantic.db v2', () => {
  it('keeps v1 facts as current beliefs with their learned time, to be re-embedded', () => {
    const db = openDatabase(':memory:');
    migrate(db, semanticMigrations.filter((m) => m.version === 1), 'semantic.db');
    db.prepare("INSERT INTO facts (id, text, confidence, created_at) VALUES ('f1', 'Ada keeps bees', 0.9, '2024-01-01T00:00:00.000Z')").run();
    db.prepare("INSERT INTO meta (key, value) VALUES ('embedding.model', 'old'), ('embedding.dims', '64')").run();
    migrate(db, semanticMigrations, 'semantic.db');
    expect(db.prepare("SELECT kind, updated_at, retired_at FROM facts WHERE id = 'f1'").get()).toEqual({ kind: 'fact', updated_at: '2024-01-01T00:00:00.000Z', retired_at: null });
    expect(db.prepare('SELECT COUNT(*) FROM meta').pluck().get()).toBe(0);
    db.prepare("UPDATE facts SET text = 'Ada keeps wasps' WHERE id = 'f1'").run();
    expect(db.prepare("SELECT rowid FROM facts_fts WHERE facts_fts MATCH 'wasps'").pluck().all()).toHaveLength(1);
  });
});

describe('goals.db v2', () => {
  it('makes existing conversations linear: each turn follows the one started before it', () => {
    const db = openDatabase(':memory:');
    migrate(db, goalsMigrations.filter((m) => m.version === 1), 'goals.db');
    const add = db.prepare("INSERT INTO turns (id, session_id, user_text, status, started_at) VALUES (?, ?, 'x', 'completed', ?)");
    add.run('t1', 's', '2024-01-01T00:00:01Z');
    add.run('t2', 's', '2024-01-01T00:00:02Z');
    add.run('u1', 'other', '2024-01-01T00:00:03Z');
    migrate(db, goalsMigrations, 'goals.db');
    expect(db.prepare('SELECT id, parent_turn_id FROM turns ORDER BY id').all()).toEqual([{ id: 't1', parent_turn_id: null }, { id: 't2', parent_turn_id: 't1' }, { id: 'u1', parent_turn_id: null }]);
  });
});

describe('models.db v4', () => {
  it('keeps every download and accepts the paused status', () => {
    const db = openDatabase(':memory:');
    migrate(db, inferenceMigrations.filter((m) => m.version <= 3), 'models.db');
    db.prepare("INSERT INTO downloads (id, uri, file_name, status, created_at) VALUES ('d1', 'https://x/m.gguf', 'm.gguf', 'done', '2026-01-01T00:00:00Z')").run();
    expect(() => db.prepare("UPDATE downloads SET status = 'paused' WHERE id = 'd1'").run()).toThrow(/CHECK/);
    migrate(db, inferenceMigrations, 'models.db');
    expect(db.prepare('SELECT id, status FROM downloads').all()).toEqual([{ id: 'd1', status: 'done' }]);
    db.prepare("UPDATE downloads SET status = 'paused' WHERE id = 'd1'").run();
    expect(() => db.prepare("UPDATE downloads SET status = 'elsewhere' WHERE id = 'd1'").run()).toThrow(/CHECK/);
    db.close();
  });
});
