import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useChatStore, type ChatMessage } from '../chatStore';
import { Markdown } from '../components/Markdown';
import { WhyPanel } from '../components/WhyPanel';
import { api } from '../trpcClient';

function ReplyTools({ message }: { message: ChatMessage }) {
  const [why, setWhy] = useState(false);
  const [rated, setRated] = useState<string | null>(null);
  const result = message.result;
  if (!result) return null;
  const rate = (rating: 'up' | 'down' | 'wrong'): void => {
    void api.chat.feedback.mutate({ turnId: result.turnId, rating }).then(() => setRated(rating), (e: Error) => setRated(`not sent: ${e.message}`));
  };
  return (
    <div className="reply-tools">
      <button type="button" aria-pressed={rated === 'up'} onClick={() => rate('up')} aria-label="Good reply">👍</button>
      <button type="button" aria-pressed={rated === 'down'} onClick={() => rate('down')} aria-label="Bad reply">👎</button>
      <button type="button" aria-pressed={rated === 'wrong'} onClick={() => rate('wrong')}>That's wrong</button>
      <button type="button" aria-expanded={why} onClick={() => setWhy(!why)}>Why?</button>
      {rated && <span className="muted small" role="status">{rated.startsWith('not sent') ? rated : 'Thanks — the twin learns from this.'}</span>}
      {why && <WhyPanel result={result} />}
    </div>
  );
}

function SessionList() {
  const { sessionId, streaming, openSession, newSession } = useChatStore();
  const sessions = useQuery({ queryKey: ['chat.sessions', streaming], queryFn: () => api.chat.sessions.query({ limit: 100 }) });
  const [filter, setFilter] = useState('');
  const shown = (sessions.data ?? []).filter((s) => !filter || s.title.toLowerCase().includes(filter.toLowerCase()));
  return (
    <nav className="sessions" aria-label="Conversations">
      <button type="button" onClick={newSession}>New chat</button>
      <label htmlFor="session-filter" className="visually-hidden">Search conversations</label>
      <input id="session-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Search conversations" />
      {sessions.data?.length === 0 && <p className="muted small">No conversations yet.</p>}
      <ul aria-label="Past conversations" tabIndex={0}>
        {shown.map((s) => (
          <li key={s.sessionId}>
            <button type="button" className="link" aria-current={s.sessionId === sessionId ? 'true' : undefined} onClick={() => void openSession(s.sessionId)}>
              {s.title || 'Untitled'}<span className="muted small"> · {s.turns} turns · {new Date(s.lastAt).toLocaleDateString()}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function ChatPage() {
  const { messages, streaming, send, stop } = useChatStore();
  const [draft, setDraft] = useState('');
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (listRef.current) listRef.current.scrollTop = listRef.current.scrollHeight;
  }, [messages]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent): void => {
      if (e.key === 'Escape' && streaming) stop();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [streaming, stop]);

  const submit = (): void => {
    if (!draft.trim() || streaming) return;
    send(draft.trim());
    setDraft('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <div className="chat-layout">
    <SessionList />
    <section className="chat" aria-label="Chat">
      <ol ref={listRef} className="messages" aria-live="polite" aria-label="Conversation" tabIndex={0}>
        {messages.length === 0 && <li className="empty">Say hello to your twin. Enter sends, Shift+Enter adds a line, Esc stops a reply.</li>}
        {messages.map((m) => (
          <li key={m.id} className={`message ${m.role}`} data-status={m.status}>
            <span className="who">{m.role === 'user' ? 'You' : 'Twin'}</span>
            {m.role === 'twin' ? <div className="text">{m.text ? <Markdown text={m.text} /> : m.status === 'streaming' ? '…' : ''}</div> : <p className="text">{m.text}</p>}
            {m.meta && <span className="meta">{m.meta}</span>}
            {m.role === 'twin' && m.status !== 'streaming' && <ReplyTools message={m} />}
          </li>
        ))}
      </ol>
      <form className="composer" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <label htmlFor="composer-input" className="visually-hidden">Message</label>
        <textarea id="composer-input" value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKeyDown} placeholder="Message your twin" rows={2} />
        {streaming ? <button type="button" onClick={stop}>Stop</button> : <button type="submit" disabled={!draft.trim()}>Send</button>}
      </form>
    </section>
    </div>
  );
}
