import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { openServiceDatabase } from '../../runtime/node/migrations.js';
import { createConversationStore } from './conversationStore.js';
import { goalsMigrations } from './migrations.js';

describe('a conversation\'s own settings', () => {
  let dir: string;
  let db: SqliteDatabase;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagi-conversations-'));
    db = openServiceDatabase(dir, 'goals.db', goalsMigrations);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps only the values it sets, null included; inherit gives a value back to the twin', () => {
    const store = createConversationStore(db);
    expect(store.settings('s1')).toEqual({ sessionId: 's1', generation: {}, opening: null });
    store.setGeneration('s1', { temperature: 1.2, maxTokens: null }, []);
    expect(store.setGeneration('s1', { topK: 40 }, []).generation).toEqual({ temperature: 1.2, maxTokens: null, topK: 40 });
    expect(store.setGeneration('s1', {}, ['temperature', 'topK']).generation).toEqual({ maxTokens: null });
    expect(store.generationOf('s2')).toEqual({});
    store.setGeneration('s1', {}, ['maxTokens']);
    expect(db.prepare('SELECT COUNT(*) FROM session_settings').pluck().get()).toBe(0);
  });

  it('a row that no longer reads counts as the twin\'s settings rather than failing the conversation', () => {
    db.prepare('INSERT INTO session_settings (session_id, generation) VALUES (?, ?)').run('s1', '{"temperature": 99}');
    db.prepare('INSERT INTO session_settings (session_id, generation) VALUES (?, ?)').run('s2', 'not json');
    const store = createConversationStore(db);
    expect(store.generationOf('s1')).toEqual({});
    expect(store.generationOf('s2')).toEqual({});
  });

  it('a conversation opens once', () => {
    const store = createConversationStore(db);
    expect(store.open('s1', 'Hello.')).toBe(true);
    expect(store.open('s1', 'Hi again.')).toBe(false);
    store.recordOpeningEpisode('s1', 'e1');
    expect(store.openingOf('s1')).toEqual({ text: 'Hello.', episodeId: 'e1' });
  });
});
