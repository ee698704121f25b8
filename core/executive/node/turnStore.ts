import { z } from 'zod';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError, wireErrorSchema, type WireError } from '../../contracts/errors.js';
import type { ChatMessage } from '../../contracts/domain.js';
import { promptMessages, promptRecordSchema, withoutMemory, type PromptRecord } from '../common/promptRecord.js';
import { turnResultSchema, type TurnOutcome, type TurnResult } from '../common/contract.js';

export type TurnStatus = 'running' | 'completed' | 'failed' | 'cancelled';

interface TurnRow {
  id: string; session_id: string; user_text: string; reply: string | null; status: TurnStatus; error: string | null; detail: string | null;
  started_at: string; finished_at: string | null; parent_turn_id: string | null; user_episode_id: string | null; reply_episode_id: string | null;
}

export interface TurnRecord {
  turnId: string; sessionId: string; userText: string; reply: string | null; status: TurnStatus; error: string | null;
  startedAt: string; finishedAt: string | null; parentTurnId: string | null;
  result: TurnResult | null;
  continuingId: string | null;
}

export interface SessionSummary { sessionId: string; turns: number; lastAt: string; title: string }

/** Where a new turn hangs in its conversation, and the episodes of the turns off its path (other branches). */
export interface Placement { parent: string | null; offPath: string[] }

/** `turns.detail`: the whole result of a finished turn, or the error of a failed one. */
const storedDetailSchema = z.object({ result: turnResultSchema.optional(), error: wireErrorSchema.optional() });
const parseJson = (text: string | null): unknown => {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
};
/** A continuation's row: one per id, so a continuation sent again never writes twice. */
export interface ContinuationRecord { id: string; turnId: string; status: 'running' | 'completed' | 'failed'; error: WireError | null }

const episodesOf = (rows: Array<Pick<TurnRow, 'user_episode_id' | 'reply_episode_id'>>): string[] =>
  rows.flatMap((r) => [r.user_episode_id, r.reply_episode_id]).filter((id): id is string => id !== null);

/**
 * The turns of `goals.db`: each turn's row from start to outcome, the conversation tree they form
 * (decision 0007), sessions and their titles. Every outcome is kept whole (`detail`), so a turn id
 * sent again gets the first outcome back.
 */
export function createTurnStore(db: SqliteDatabase, now: () => string = () => new Date().toISOString()) {
  const insert = db.prepare("INSERT INTO turns (id, session_id, user_text, status, started_at, parent_turn_id) VALUES (?, ?, ?, 'running', ?, ?)");
  const finish = db.prepare('UPDATE turns SET reply = ?, status = ?, error = ?, detail = ?, finished_at = ? WHERE id = ?');
  const setEpisodes = db.prepare('UPDATE turns SET user_episode_id = ?, reply_episode_id = ? WHERE id = ?');
  const setUserEpisode = db.prepare('UPDATE turns SET user_episode_id = ? WHERE id = ?');
  const ofSession = db.prepare('SELECT id, status, parent_turn_id, user_episode_id, reply_episode_id FROM turns WHERE session_id = ? ORDER BY started_at');

  return {
    /** A turn still `running` in the file was cut off by a crash: it failed (a continuation: the reply stays as it was). Returns how many. */
    failInterrupted(): number {
      db.prepare("UPDATE continuations SET status = 'failed', error = 'interrupted: the executive restarted while the reply went on' WHERE status = 'running'").run();
      return db.prepare("UPDATE turns SET status = 'failed', error = 'interrupted: the executive restarted during this turn', finished_at = ? WHERE status = 'running'").run(now()).changes;
    },

    /** The messages the reply is written from, kept for the Why? panel and for continuing it. */
    recordPrompt(turnId: string, record: PromptRecord): void {
      db.prepare('UPDATE turns SET prompt = ? WHERE id = ?').run(JSON.stringify(record), turnId);
    },

    /** undefined: no such turn; null: its prompt was not kept (written before prompts were). */
    prompt(turnId: string): ChatMessage[] | null | undefined {
      const row = db.prepare('SELECT prompt FROM turns WHERE id = ?').get(turnId) as { prompt: string | null } | undefined;
      if (!row) return undefined;
      const parsed = promptRecordSchema.safeParse(parseJson(row.prompt));
      return parsed.success ? promptMessages(parsed.data) : null;
    },

    /** Takes a forgotten memory's words out of every prompt that recalled it; returns how many prompts changed. */
    forgetInPrompts(memoryId: string): number {
      // the id as it is written in the JSON narrows the scan; the record decides
      const rows = db.prepare('SELECT id, prompt FROM turns WHERE prompt LIKE ? ESCAPE \'\\\'').all(`%${JSON.stringify(memoryId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as Array<{ id: string; prompt: string }>;
      const update = db.prepare('UPDATE turns SET prompt = ? WHERE id = ?');
      let changed = 0;
      db.transaction(() => {
        for (const row of rows) {
          const parsed = promptRecordSchema.safeParse(parseJson(row.prompt));
          const next = parsed.success ? withoutMemory(parsed.data, memoryId) : null;
          if (next) {
            update.run(JSON.stringify(next), row.id);
            changed++;
          }
        }
      })();
      return changed;
    },

    /** Whether another turn follows this one (a reply with turns after it is not the end of its branch). */
    hasFollowers(turnId: string): boolean {
      return db.prepare('SELECT 1 FROM turns WHERE parent_turn_id = ? LIMIT 1').get(turnId) !== undefined;
    },

    continuation(id: string): ContinuationRecord | null {
      const r = db.prepare('SELECT id, turn_id, status, error FROM continuations WHERE id = ?').get(id) as { id: string; turn_id: string; status: ContinuationRecord['status']; error: string | null } | undefined;
      if (!r) return null;
      const error = wireErrorSchema.safeParse(parseJson(r.error));
      return { id: r.id, turnId: r.turn_id, status: r.status, error: error.success ? error.data : r.error ? { code: 'UNAVAILABLE', message: r.error } : null };
    },
    beginContinuation(id: string, turnId: string): void {
      db.prepare("INSERT INTO continuations (id, turn_id, status, started_at) VALUES (?, ?, 'running', ?)").run(id, turnId, now());
    },
    /** The grown reply replaces the turn's; the continuation is done in the same transaction. */
    completeContinuation(id: string, result: TurnResult): void {
      db.transaction(() => {
        setEpisodes.run(result.userEpisodeId, result.replyEpisodeId, result.turnId);
        finish.run(result.reply, result.stopReason === 'cancelled' ? 'cancelled' : 'completed', null, JSON.stringify({ result }), now(), result.turnId);
        db.prepare("UPDATE continuations SET status = 'completed' WHERE id = ?").run(id);
      })();
    },
    failContinuation(id: string, error: PagiError): void {
      db.prepare("UPDATE continuations SET status = 'failed', error = ? WHERE id = ?").run(JSON.stringify(error.toWire()), id);
    },

    /** `parentTurnId` absent: after the session's latest turn; null: from the start of the session. */
    place(sessionId: string, parentTurnId: string | null | undefined): Placement {
      const rows = ofSession.all(sessionId) as TurnRow[];
      const parent = parentTurnId === undefined ? (rows[rows.length - 1]?.id ?? null) : parentTurnId;
      const byId = new Map(rows.map((r) => [r.id, r]));
      if (parent !== null && !byId.has(parent)) throw new PagiError('INVALID_INPUT', `parentTurnId: no turn ${parent} in session ${sessionId}; take a turnId from the session's history`);
      const path = new Set<string>();
      for (let at = parent; at !== null && !path.has(at); at = byId.get(at)?.parent_turn_id ?? null) path.add(at);
      return { parent, offPath: episodesOf(rows.filter((r) => !path.has(r.id))) };
    },

    begin(turn: { turnId: string; sessionId: string; text: string; parent: string | null }): void {
      insert.run(turn.turnId, turn.sessionId, turn.text, now(), turn.parent);
    },

    /** A turn stopped by its caller still has a result: it is kept, marked cancelled. */
    complete(turnId: string, result: TurnResult): void {
      db.transaction(() => {
        setEpisodes.run(result.userEpisodeId, result.replyEpisodeId, turnId);
        finish.run(result.reply, result.stopReason === 'cancelled' ? 'cancelled' : 'completed', null, JSON.stringify({ result }), now(), turnId);
      })();
    },

    /**
     * The user's message is remembered before the reply is written: recorded at once, so a turn that
     * then fails still has its message kept out of the other branches' context.
     */
    recordUserEpisode(turnId: string, episodeId: string): void {
      setUserEpisode.run(episodeId, turnId);
    },

    fail(turnId: string, error: PagiError): void {
      finish.run(null, error.code === 'CANCELLED' ? 'cancelled' : 'failed', error.message, JSON.stringify({ error: error.toWire() }), now(), turnId);
    },

    /**
     * What became of a turn; null when no turn has this id. Rows from before outcomes were kept whole
     * have only their error text: it comes back as CANCELLED or INTERNAL.
     */
    outcome(turnId: string): TurnOutcome | null {
      const r = db.prepare('SELECT id, session_id, status, error, detail FROM turns WHERE id = ?').get(turnId) as Pick<TurnRow, 'id' | 'session_id' | 'status' | 'error' | 'detail'> | undefined;
      if (!r) return null;
      const detail = storedDetailSchema.safeParse(parseJson(r.detail));
      const stored = detail.success ? detail.data : {};
      const error = stored.error ?? (r.error ? { code: r.status === 'cancelled' ? 'CANCELLED' as const : 'INTERNAL' as const, message: r.error } : null);
      return { turnId: r.id, sessionId: r.session_id, status: r.status, result: stored.result ?? null, error: r.status === 'failed' || (r.status === 'cancelled' && !stored.result) ? error : null };
    },

    /** The session's latest `limit` turns, oldest first. */
    history(sessionId: string, limit: number): TurnRecord[] {
      const rows = db.prepare('SELECT * FROM (SELECT * FROM turns WHERE session_id = ? ORDER BY started_at DESC LIMIT ?) ORDER BY started_at').all(sessionId, limit) as TurnRow[];
      const continuing = db.prepare("SELECT id FROM continuations WHERE turn_id = ? AND status = 'running' LIMIT 1").pluck();
      return rows.map((r) => {
        const detail = storedDetailSchema.safeParse(parseJson(r.detail));
        const result = detail.success ? detail.data.result ?? null : null;
        const continuingId = (continuing.get(r.id) as string | undefined) ?? null;
        return { turnId: r.id, sessionId: r.session_id, userText: r.user_text, reply: r.reply, status: r.status, error: r.error, startedAt: r.started_at, finishedAt: r.finished_at, parentTurnId: r.parent_turn_id, result, continuingId };
      });
    },

    /** Newest first; the title is the user's, or the session's first message. */
    sessions(limit: number): SessionSummary[] {
      const rows = db.prepare(
        `SELECT session_id, COUNT(*) AS turns, MAX(started_at) AS last_at,
           COALESCE((SELECT title FROM session_titles s WHERE s.session_id = t.session_id), (SELECT user_text FROM turns t2 WHERE t2.session_id = t.session_id ORDER BY started_at LIMIT 1)) AS first_text
         FROM turns t GROUP BY session_id ORDER BY last_at DESC LIMIT ?`,
      ).all(limit) as Array<{ session_id: string; turns: number; last_at: string; first_text: string }>;
      return rows.map((r) => ({ sessionId: r.session_id, turns: r.turns, lastAt: r.last_at, title: r.first_text.slice(0, 80) }));
    },

    sessionOf(turnId: string): string | null {
      return (db.prepare('SELECT session_id FROM turns WHERE id = ?').pluck().get(turnId) as string | undefined) ?? null;
    },

    rename(sessionId: string, title: string): void {
      if (!db.prepare('SELECT 1 FROM turns WHERE session_id = ?').get(sessionId)) throw new PagiError('NOT_FOUND', `no conversation ${sessionId}`);
      db.prepare('INSERT INTO session_titles (session_id, title) VALUES (?, ?) ON CONFLICT(session_id) DO UPDATE SET title = excluded.title').run(sessionId, title);
    },

    /** The episodes a conversation stored, once it is known to exist and to have no reply being written. */
    deletable(sessionId: string): { episodeIds: string[] } {
      const rows = ofSession.all(sessionId) as TurnRow[];
      if (rows.length === 0) throw new PagiError('NOT_FOUND', `no conversation ${sessionId}`);
      if (rows.some((r) => r.status === 'running')) throw new PagiError('FAILED_PRECONDITION', 'a reply is still being written in this conversation; stop it first');
      return { episodeIds: episodesOf(rows) };
    },

    /** Removes the conversation's turns and title; returns how many turns went. */
    deleteSession(sessionId: string): number {
      return db.transaction(() => {
        db.prepare('DELETE FROM session_titles WHERE session_id = ?').run(sessionId);
        db.prepare('DELETE FROM session_settings WHERE session_id = ?').run(sessionId);
        db.prepare('DELETE FROM session_openings WHERE session_id = ?').run(sessionId);
        db.prepare('DELETE FROM continuations WHERE turn_id IN (SELECT id FROM turns WHERE session_id = ?)').run(sessionId);
        return db.prepare('DELETE FROM turns WHERE session_id = ?').run(sessionId).changes;
      })();
    },
  };
}

export type TurnStore = ReturnType<typeof createTurnStore>;
