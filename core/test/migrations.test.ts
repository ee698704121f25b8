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

const tables = (db: ReturnType<typeof openDatabase>): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index', 'trigger') ORDER BY name").pluck().all() as string[]);

const cases = Object.entries(ALL).flatMap(([file, list]) => list.map((m) => [file, m.version, m.name, list] as const));

describe('migrations', () => {
  it.each(cases)('%s v%i (%s) applies on top of the previous versions, creates objects, and passes integrity_check', (file, version, _name, list) => {
    const db = openDatabase(':memory:');
    migrate(db, list.filter((m) => m.version < version), file);
    const before = tables(db);
    expect(migrate(db, list.filter((m) => m.version <= version), file)).toBe(version);
    expect(tables(db).length).toBeGreaterThan(before.length);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('is idempotent and refuses a database from a newer app', () => {
    const db = openDatabase(':memory:');
    migrate(db, episodicMigrations, 'episodic.db');
    expect(migrate(db, episodicMigrations, 'episodic.db')).toBe(2);
    db.pragma('user_version = 99');
    expect(() => migrate(db, episodicMigrations, 'episodic.db')).toThrow(/schema version 99, newer than this app knows \(2\)/);
  });
});
