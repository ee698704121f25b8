import { create } from 'zustand';
import { api } from './trpcClient';
import type { TurnResult } from './types';

export interface ChatMessage {
  id: string;
  role: 'user' | 'twin';
  text: string;
  status: 'streaming' | 'done' | 'stopped' | 'error';
  meta?: string;
  /** The finished turn: provenance, mood, usage and timings for the "why" panel; its id for feedback. */
  result?: TurnResult;
}

interface ChatState {
  sessionId: string | null;
  messages: ChatMessage[];
  streaming: boolean;
  send(text: string): void;
  stop(): void;
  newSession(): void;
  /** Shows a stored conversation (its turns from the executive's record). */
  openSession(sessionId: string): Promise<void>;
}

let current: { unsubscribe(): void } | null = null;

/** The conversation on screen; the stored record lives in the core (episodic memory, executive turns). */
export const useChatStore = create<ChatState>((set, get) => ({
  sessionId: null,
  messages: [],
  streaming: false,
  send(text) {
    if (get().streaming || !text.trim()) return;
    const replyId = `r${Date.now()}`;
    const update = (fn: (m: ChatMessage) => ChatMessage): void =>
      set((s) => ({ messages: s.messages.map((m) => (m.id === replyId ? fn(m) : m)) }));
    set((s) => ({
      streaming: true,
      messages: [...s.messages, { id: `u${Date.now()}`, role: 'user', text, status: 'done' }, { id: replyId, role: 'twin', text: '', status: 'streaming' }],
    }));
    const sessionId = get().sessionId;
    current = api.chat.send.subscribe(
      { text, ...(sessionId ? { sessionId } : {}) },
      {
        onData(event) {
          if (event.type === 'started') set({ sessionId: event.sessionId });
          else if (event.type === 'token') update((m) => ({ ...m, text: m.text + event.text }));
          else if (event.type === 'done') {
            const r = event.result;
            const tps = r.usage?.tokensPerSecond ? ` · ${Math.round(r.usage.tokensPerSecond)} tok/s` : '';
            update((m) => ({ ...m, text: r.reply, status: r.stopReason === 'cancelled' ? 'stopped' : 'done', meta: `${r.usage?.completionTokens ?? 0} tokens${tps} · mood ${r.mood.label}`, result: r }));
            current?.unsubscribe();
            current = null;
            set({ streaming: false });
          }
        },
        onError(err) {
          update((m) => ({ ...m, status: 'error', meta: err.message }));
          current = null;
          set({ streaming: false });
        },
      },
    );
  },
  stop() {
    current?.unsubscribe();
    current = null;
    set((s) => ({ streaming: false, messages: s.messages.map((m) => (m.status === 'streaming' ? { ...m, status: 'stopped', meta: 'stopped' } : m)) }));
  },
  newSession() {
    get().stop();
    set({ sessionId: null, messages: [] });
  },
  async openSession(sessionId) {
    get().stop();
    const turns = await api.chat.history.query({ sessionId, limit: 500 });
    const messages: ChatMessage[] = turns.flatMap((t): ChatMessage[] => [
      { id: `u-${t.turnId}`, role: 'user', text: t.userText, status: 'done' },
      { id: `r-${t.turnId}`, role: 'twin', text: t.reply ?? '', status: t.status === 'failed' ? 'error' : t.status === 'cancelled' ? 'stopped' : 'done', ...(t.error ? { meta: t.error } : {}) },
    ]);
    set({ sessionId, messages });
  },
}));
