import type { Migration } from '../../runtime/node/migrations.js';

export const emotionMigrations: Migration[] = [
  {
    version: 1,
    name: 'mood state and history',
    up(db) {
      db.exec(`
        CREATE TABLE mood_state (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          pleasure REAL NOT NULL, arousal REAL NOT NULL, dominance REAL NOT NULL,
          baseline TEXT NOT NULL,
          half_life_minutes REAL NOT NULL,
          baseline_from_persona INTEGER NOT NULL DEFAULT 1,
          updated_at TEXT NOT NULL
        );
        CREATE TABLE mood_history (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          pleasure REAL NOT NULL, arousal REAL NOT NULL, dominance REAL NOT NULL,
          cause TEXT NOT NULL,
          turn_id TEXT
        );
        CREATE INDEX mood_history_at ON mood_history(at);
      `);
    },
  },
];
