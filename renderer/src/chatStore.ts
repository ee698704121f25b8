import { v7 as uuidv7 } from 'uuid';
import { create } from 'zustand';
import { errorText } from './components/ErrorNote';
import { api } from './trpcClient';
import type { ChatEvent, TurnResult } from './types';

/** One exchange: the user's message and the twin's reply, hanging under the turn it follows. */
export interface TurnNode {
  id: string;
  parentId: string | null;
  userText: string;
  reply: string;
  status: 'streaming' | 'done' | 'stopped' | 'error';
  meta?: string;
  /** The finished turn: provenance, mood, usage and timings for the "why" panel; its id for feedback. */
  result?: TurnResult;
  /** The tools the model called while writing it, as they ran (then as the result keeps them). */
  tools?: ToolCard[];
  order: number;
}

interface ChatState {
  /** Made here, when a new chat starts or is given its own settings before its first message. */
  sessionId: string | null;
  /** The greeting this conversation opened with (null: none). */
  opening: string | null;
  turns: Record<string, TurnNode>;
  /** For each parent ('root' for the start), which of its branches is shown. */
  chosen: Record<string, string>;
  streaming: boolean;
  /** `opening`: the greeting shown above a new chat's first message, kept with the conversation. */
  send(text: string, opening?: string): void;
  /** This conversation's id, made now for a new chat that has none yet (to give it its own settings). */
  ensureSessionId(): string;
  /** More of a stopped or length-cut reply, in place. */
  continueReply(turnId: string): void;
  /** Another reply to the same message: a new branch beside this turn. */
  regenerate(turnId: string): void;
  /** The message changed and sent again: a new branch beside this turn. */
  edit(turnId: string, text: string): void;
  /** Shows the previous (-1) or next (+1) branch at this turn's place. */
  switchBranch(turnId: string, delta: number): void;
  stop(): void;
  /** Stops the reply being written and stops following it (another conversation is opened). */
  detach(): void;
  newSession(): void;
  openSession(sessionId: string): Promise<void>;
}

const key = (parentId: string | null): string => parentId ?? 'root';

/** A tool the model called: how it ended, and while it waits for the user, what to answer. */
export type ToolCard = TurnResult['tools'][number] & { approval?: Extract<ChatEvent, { type: 'tool' }>['approval'] };

/** A tool's card by its call: a later status replaces the earlier one. */
const upsertCard = (cards: ToolCard[] | undefined, card: ToolCard): ToolCard[] => {
  const rest = (cards ?? []).filter((c) => c.callId !== card.callId);
  return [...rest, card];
};

/** The line under a finished reply: its length, speed and the mood it was written in — the same when reopened. */
export function replyMeta(r: TurnResult): string {
  const tps = r.usage?.tokensPerSecond ? ` · ${Math.round(r.usage.tokensPerSecond)} tok/s` : '';
  return `${r.usage?.completionTokens ?? 0} tokens${tps} · mood ${r.mood.label}${r.stopReason === 'cancelled' ? ' · stopped' : r.stopReason === 'max-tokens' ? ' · cut at its length limit' : ''}`;
}
/** The turn being written now: its id (to stop it) and its event stream. */
let current: { turnId: string; unsubscribe(): void } | null = null;

export const siblingsOf = (turns: Record<string, TurnNode>, parentId: string | null): TurnNode[] =>
  Object.values(turns).filter((t) => t.parentId === parentId).sort((a, b) => a.order - b.order);

/** The conversation on screen: the path from the start through the chosen branch at each turn. */
export function visiblePath(turns: Record<string, TurnNode>, chosen: Record<string, string>): TurnNode[] {
  const path: TurnNode[] = [];
  for (let parent: string | null = null; ; ) {
    const options = siblingsOf(turns, parent);
    if (options.length === 0) return path;
    const next = options.find((t) => t.id === chosen[key(parent)]) ?? (options[options.length - 1] as TurnNode);
    path.push(next);
    parent = next.id;
  }
}

export const useChatStore = create<ChatState>((set, get) => {
  const patchNode = (id: string, fn: (t: TurnNode) => TurnNode): void => set((s) => (s.turns[id] ? { turns: { ...s.turns, [id]: fn(s.turns[id] as TurnNode) } } : {}));

  /**
   * Follows operation `opId` (a turn, or a continuation of one) into node `nodeId` until its final
   * event. A reply is written by one stream only: a new one first leaves the one before.
   */
  const follow = (opId: string, nodeId: string, failed: (t: TurnNode, why: string, cancelled: boolean) => TurnNode): void => {
    const finish = (fn: (t: TurnNode) => TurnNode): void => {
      patchNode(nodeId, fn);
      if (current?.turnId === opId) {
        current.unsubscribe();
        current = null;
      }
      set({ streaming: false });
    };
    if (get().turns[nodeId]?.status !== 'streaming') return;
    const sub = api.chat.events.subscribe({ turnId: opId }, {
      onData({ data: event }) {
        if (event.type === 'started') set({ sessionId: event.sessionId });
        else if (event.type === 'waiting') patchNode(nodeId, (t) => ({ ...t, meta: `Waiting for the model: ${event.ahead} ${event.ahead === 1 ? 'reply' : 'replies'} ahead` }));
        else if (event.type === 'tool') patchNode(nodeId, (t) => ({ ...t, tools: upsertCard(t.tools, { callId: event.callId ?? `${event.tool}-${t.tools?.length ?? 0}`, tool: event.tool, status: event.status, output: event.output ?? '', ...(event.approval ? { approval: event.approval } : {}) }) }));
        else if (event.type === 'token') patchNode(nodeId, (t) => ({ ...t, reply: t.reply + event.text, ...(t.meta?.startsWith('Waiting') || t.meta === 'Continuing…' ? { meta: undefined } : {}) }));
        else if (event.type === 'done') {
          const r = event.result;
          finish((t) => ({ ...t, reply: r.reply, status: r.stopReason === 'cancelled' ? 'stopped' : 'done', meta: replyMeta(r), result: r, tools: r.tools }));
        } else if (event.type === 'failed') finish((t) => failed(t, errorText(event.error, event.error.hint ?? null), event.error.code === 'CANCELLED'));
      },
      onError(err) {
        finish((t) => failed(t, err.message, false));
      },
    });
    current = { turnId: opId, unsubscribe: () => sub.unsubscribe() };
  };
  const turnFailed = (t: TurnNode, why: string, cancelled: boolean): TurnNode => ({ ...t, status: cancelled ? 'stopped' : 'error', meta: cancelled ? 'stopped' : why });

  const start = (text: string, parentId: string | null, opening?: string): void => {
    if (get().streaming || !text.trim()) return;
    // the id is made here so that sending is idempotent: a resend after a lost connection is the same turn
    const id = uuidv7();
    const sessionId = get().sessionId ?? uuidv7();
    set((s) => ({
      sessionId,
      streaming: true,
      ...(opening && !s.opening ? { opening } : {}),
      turns: { ...s.turns, [id]: { id, parentId, userText: text, reply: '', status: 'streaming', order: Date.now() } },
      chosen: { ...s.chosen, [key(parentId)]: id },
    }));
    current = { turnId: id, unsubscribe: () => undefined };
    // followed only once the host has it: a stream for an id it does not know yet would end at once
    api.chat.send.mutate({ turnId: id, text, sessionId, parentTurnId: parentId, ...(opening ? { opening } : {}) }).then(() => follow(id, id, turnFailed), (err: Error) => {
      patchNode(id, (t) => ({ ...t, status: 'error', meta: err.message }));
      current = null;
      set({ streaming: false });
    });
  };

  return {
    sessionId: null,
    opening: null,
    turns: {},
    chosen: {},
    streaming: false,
    send(text, opening) {
      const path = visiblePath(get().turns, get().chosen);
      start(text, path[path.length - 1]?.id ?? null, path.length === 0 ? opening : undefined);
    },
    ensureSessionId() {
      const made = get().sessionId ?? uuidv7();
      if (made !== get().sessionId) set({ sessionId: made });
      return made;
    },
    continueReply(turnId) {
      const before = get().turns[turnId];
      if (!before || get().streaming) return;
      const continuationId = uuidv7();
      // a continuation that fails leaves the reply as it was, saying why
      const failed = (t: TurnNode, why: string, cancelled: boolean): TurnNode => ({ ...t, status: before.status, meta: cancelled ? before.meta : `Could not continue: ${why}` });
      set({ streaming: true });
      patchNode(turnId, (t) => ({ ...t, status: 'streaming', meta: 'Continuing…' }));
      current = { turnId: continuationId, unsubscribe: () => undefined };
      api.chat.continue.mutate({ turnId, continuationId }).then(() => follow(continuationId, turnId, failed), (err: Error) => {
        patchNode(turnId, (t) => failed(t, err.message, false));
        current = null;
        set({ streaming: false });
      });
    },
    regenerate(turnId) {
      const t = get().turns[turnId];
      if (t) start(t.userText, t.parentId);
    },
    edit(turnId, text) {
      const t = get().turns[turnId];
      if (t) start(text, t.parentId);
    },
    switchBranch(turnId, delta) {
      const t = get().turns[turnId];
      if (!t || get().streaming) return;
      const options = siblingsOf(get().turns, t.parentId);
      const next = options[options.findIndex((o) => o.id === turnId) + delta];
      if (next) set((s) => ({ chosen: { ...s.chosen, [key(t.parentId)]: next.id } }));
    },
    stop() {
      // the host stops the reply and keeps what was written; the stream's last event shows it
      if (current) void api.chat.cancel.mutate({ turnId: current.turnId }).catch(() => undefined);
      set((s) => ({ turns: Object.fromEntries(Object.entries(s.turns).map(([k, t]) => [k, t.status === 'streaming' ? { ...t, meta: 'stopping…' } : t])) }));
    },
    /** Leaves the turn being written (it is stopped) and its stream. */
    detach() {
      get().stop();
      current?.unsubscribe();
      current = null;
      set((s) => ({ streaming: false, turns: Object.fromEntries(Object.entries(s.turns).map(([k, t]) => [k, t.status === 'streaming' ? { ...t, status: 'stopped', meta: 'stopped' } : t])) }));
    },
    newSession() {
      get().detach();
      // its id is made when it starts (or is given its own settings): until then it has the plain chat address
      set({ sessionId: null, opening: null, turns: {}, chosen: {} });
    },
    async openSession(sessionId) {
      get().detach();
      const [history, settings] = await Promise.all([
        api.chat.history.query({ sessionId, limit: 1_000 }),
        api.chat.conversationSettings.query({ sessionId }).catch(() => null),
      ]);
      const turns: Record<string, TurnNode> = {};
      history.forEach((t, i) => {
        const meta = t.result ? replyMeta(t.result) : t.status === 'cancelled' ? 'stopped' : t.error;
        turns[t.turnId] = {
          id: t.turnId, parentId: t.parentTurnId, userText: t.userText, reply: t.reply ?? '', order: i,
          status: t.status === 'failed' ? 'error' : t.status === 'cancelled' ? 'stopped' : t.status === 'running' ? 'streaming' : 'done',
          ...(meta ? { meta } : {}),
          ...(t.result ? { result: t.result, tools: t.result.tools } : {}),
        };
      });
      set({ sessionId, opening: settings?.opening ?? null, turns, chosen: {} });
      // a reply still being written (this window reloaded, another window, `pagi chat`): followed from its start
      const running = history.filter((t) => t.status === 'running').at(-1);
      const continuing = history.filter((t) => t.continuingId).at(-1);
      if (running) {
        set({ streaming: true });
        current = { turnId: running.turnId, unsubscribe: () => undefined };
        follow(running.turnId, running.turnId, turnFailed);
      } else if (continuing?.continuingId) {
        // a reply going on: its stored text is where the continuation began, so its tokens add to it
        const before = turns[continuing.turnId] as TurnNode;
        set({ streaming: true });
        patchNode(continuing.turnId, (t) => ({ ...t, status: 'streaming', meta: 'Continuing…' }));
        current = { turnId: continuing.continuingId, unsubscribe: () => undefined };
        follow(continuing.continuingId, continuing.turnId, (t, why, cancelled) => ({ ...t, status: before.status, meta: cancelled ? before.meta : `Could not continue: ${why}` }));
      }
    },
  };
});
