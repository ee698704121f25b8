import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useChatStore } from '../chatStore';

export function ChatPage() {
  const { messages, streaming, send, stop, newSession } = useChatStore();
  const [draft, setDraft] = useState('');
  const endRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' });
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
    <section className="chat" aria-label="Chat">
      <div className="toolbar">
        <button type="button" onClick={newSession}>New chat</button>
      </div>
      <ol className="messages" aria-live="polite">
        {messages.length === 0 && <li className="empty">Say hello to your twin. Enter sends, Shift+Enter adds a line, Esc stops a reply.</li>}
        {messages.map((m) => (
          <li key={m.id} className={`message ${m.role}`} data-status={m.status}>
            <span className="who">{m.role === 'user' ? 'You' : 'Twin'}</span>
            <p className="text">{m.text || (m.status === 'streaming' ? '…' : '')}</p>
            {m.meta && <span className="meta">{m.meta}</span>}
          </li>
        ))}
        <div ref={endRef} />
      </ol>
      <form className="composer" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <label htmlFor="composer-input" className="visually-hidden">Message</label>
        <textarea id="composer-input" value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKeyDown} placeholder="Message your twin" rows={2} />
        {streaming ? <button type="button" onClick={stop}>Stop</button> : <button type="submit" disabled={!draft.trim()}>Send</button>}
      </form>
    </section>
  );
}
