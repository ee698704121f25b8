import type { SqliteDatabase } from '../../../native/sqlite.js';
import type { ConversationSettings } from '../common/contract.js';
import { generationChangeSchema, GENERATION_KEYS, type GenerationSettings } from '../common/generation.js';

type GenerationChange = Partial<GenerationSettings>;

const parseChange = (text: string | undefined): GenerationChange => {
  if (!text) return {};
  try {
    // a row that no longer reads (hand-edited, from a newer version) counts as "the twin's settings"
    const parsed = generationChangeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
};

/**
 * What belongs to a conversation rather than to one turn: its own generation settings (over the
 * twin's) and the greeting it opened with. A conversation may have settings before its first turn
 * (the client makes its id).
 */
export function createConversationStore(db: SqliteDatabase) {
  const generationOf = (sessionId: string): GenerationChange =>
    parseChange((db.prepare('SELECT generation FROM session_settings WHERE session_id = ?').get(sessionId) as { generation: string } | undefined)?.generation);
  const openingOf = (sessionId: string): { text: string; episodeId: string | null } | null => {
    const row = db.prepare('SELECT text, episode_id FROM session_openings WHERE session_id = ?').get(sessionId) as { text: string; episode_id: string | null } | undefined;
    return row ? { text: row.text, episodeId: row.episode_id } : null;
  };
  const settings = (sessionId: string): ConversationSettings => ({ sessionId, generation: generationOf(sessionId), opening: openingOf(sessionId)?.text ?? null });

  return {
    settings,
    generationOf,
    openingOf,

    /** `change` sets values (null included); `inherit` drops keys back to the twin's. */
    setGeneration(sessionId: string, change: GenerationChange, inherit: ReadonlyArray<keyof GenerationSettings>): ConversationSettings {
      const next: GenerationChange = { ...generationOf(sessionId), ...change };
      for (const k of inherit) delete next[k];
      const kept = Object.fromEntries(GENERATION_KEYS.filter((k) => k in next).map((k) => [k, next[k]]));
      if (Object.keys(kept).length === 0) db.prepare('DELETE FROM session_settings WHERE session_id = ?').run(sessionId);
      else db.prepare('INSERT INTO session_settings (session_id, generation) VALUES (?, ?) ON CONFLICT(session_id) DO UPDATE SET generation = excluded.generation').run(sessionId, JSON.stringify(kept));
      return settings(sessionId);
    },

    /** The first opening of a conversation stays: a later one (another window, a retry) changes nothing. Returns whether it was kept. */
    open(sessionId: string, text: string): boolean {
      return db.prepare('INSERT INTO session_openings (session_id, text) VALUES (?, ?) ON CONFLICT(session_id) DO NOTHING').run(sessionId, text).changes === 1;
    },

    /**
     * The opening a turn must remember: the one kept but never remembered (its first turn failed
     * before), else the one `offered` with the first turn of an empty conversation; else none.
     */
    openingFor(sessionId: string, offered: string | undefined, empty: boolean): string | undefined {
      const kept = openingOf(sessionId);
      if (kept) return kept.episodeId === null ? kept.text : undefined;
      if (!offered || !empty) return undefined;
      return this.open(sessionId, offered) ? offered : undefined;
    },

    recordOpeningEpisode(sessionId: string, episodeId: string): void {
      db.prepare('UPDATE session_openings SET episode_id = ? WHERE session_id = ?').run(episodeId, sessionId);
    },
  };
}

export type ConversationStore = ReturnType<typeof createConversationStore>;
