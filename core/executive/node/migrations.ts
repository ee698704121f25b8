import type { Migration } from '../../runtime/node/migrations.js';

export const goalsMigrations: Migration[] = [
  {
    version: 1,
    name: 'turns',
    up(db) {
      db.exec(`
        CREATE TABLE turns (
          id TEXT PRIMARY KEY,
          session_id TEXT NOT NULL,
          user_text TEXT NOT NULL,
          reply TEXT,
          status TEXT NOT NULL,
          error TEXT,
          detail TEXT,
          started_at TEXT NOT NULL,
          finished_at TEXT
        );
        CREATE INDEX turns_session ON turns(session_id, started_at);
      `);
    },
  },
  {
    version: 2,
    name: 'branches: each turn continues a parent turn; the episodes it stored',
    up(db) {
      db.exec(`
        ALTER TABLE turns ADD COLUMN parent_turn_id TEXT;
        ALTER TABLE turns ADD COLUMN user_episode_id TEXT;
        ALTER TABLE turns ADD COLUMN reply_episode_id TEXT;
        CREATE INDEX turns_parent ON turns(parent_turn_id);
        -- existing conversations were linear: each turn continues the one before it
        UPDATE turns SET parent_turn_id = (SELECT p.id FROM turns p WHERE p.session_id = turns.session_id AND p.started_at < turns.started_at ORDER BY p.started_at DESC LIMIT 1);
      `);
    },
  },
  {
    version: 3,
    name: 'conversation titles chosen by the user',
    up(db) {
      db.exec('CREATE TABLE session_titles (session_id TEXT PRIMARY KEY, title TEXT NOT NULL)');
    },
  },
  {
    version: 4,
    name: 'the prompt each reply was written from; continued replies; per-conversation generation settings and openings',
    up(db) {
      db.exec(`
        ALTER TABLE turns ADD COLUMN prompt TEXT;
        CREATE TABLE continuations (
          id TEXT PRIMARY KEY,
          turn_id TEXT NOT NULL,
          status TEXT NOT NULL,
          error TEXT,
          started_at TEXT NOT NULL
        );
        CREATE INDEX continuations_turn ON continuations(turn_id);
        CREATE TABLE session_settings (session_id TEXT PRIMARY KEY, generation TEXT NOT NULL);
        CREATE TABLE session_openings (session_id TEXT PRIMARY KEY, text TEXT NOT NULL, episode_id TEXT);
      `);
    },
  },
];
