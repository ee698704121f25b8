import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ChevronLeft, ChevronRight, FastForward, SlidersHorizontal, ThumbsDown, ThumbsUp } from 'lucide-react';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { siblingsOf, useChatStore, visiblePath, type TurnNode } from '../chatStore';
import { ErrorNote } from '../components/ErrorNote';
import { Markdown } from '../components/Markdown';
import { ConversationSettings } from '../components/ConversationSettings';
import { ToolCards } from '../components/ToolCards';
import { Avatar, TwinHeader, useTwinAvatar, useTwinName } from '../components/TwinFace';
import { WhyPanel } from '../components/WhyPanel';
import { api } from '../trpcClient';

/** Replies that may go on: stopped, or cut at their length limit — and only the last of their branch. */
const canContinue = (turn: TurnNode, last: boolean): boolean => last && (turn.result?.stopReason === 'cancelled' || turn.result?.stopReason === 'max-tokens');

function ReplyTools({ turn, last }: { turn: TurnNode; last: boolean }) {
  const [why, setWhy] = useState(false);
  const [rated, setRated] = useState<string | null>(null);
  const { regenerate, continueReply, streaming } = useChatStore();
  const result = turn.result;
  const rate = (rating: 'up' | 'down' | 'wrong'): void => {
    if (!result) return;
    void api.chat.feedback.mutate({ turnId: result.turnId, rating }).then(() => setRated(rating), (e: Error) => setRated(`not sent: ${e.message}`));
  };
  return (
    <div className="reply-tools">
      {/* a reply that failed is sent again only when asked: beside it, never as a second conversation */}
      {canContinue(turn, last) && <button type="button" onClick={() => continueReply(turn.id)} disabled={streaming}><FastForward size={16} aria-hidden="true" /> Continue</button>}
      <button type="button" onClick={() => regenerate(turn.id)} disabled={streaming}>{turn.status === 'error' ? 'Retry' : 'Regenerate'}</button>
      {result && <>
        <button type="button" className="icon-button" aria-pressed={rated === 'up'} onClick={() => rate('up')} aria-label="Good reply" title="Good reply"><ThumbsUp size={16} aria-hidden="true" /></button>
        <button type="button" className="icon-button" aria-pressed={rated === 'down'} onClick={() => rate('down')} aria-label="Bad reply" title="Bad reply"><ThumbsDown size={16} aria-hidden="true" /></button>
        <button type="button" aria-pressed={rated === 'wrong'} onClick={() => rate('wrong')}>That's wrong</button>
        <button type="button" aria-expanded={why} onClick={() => setWhy(!why)}>Why?</button>
      </>}
      {rated && <span className="muted small" role="status">{rated.startsWith('not sent') ? rated : 'Thanks — the twin learns from this.'}</span>}
      {why && result && <WhyPanel result={result} />}
    </div>
  );
}

/** "‹ 2/3 ›" when this place in the conversation has more than one branch. */
function BranchSwitch({ turn }: { turn: TurnNode }) {
  const { turns, switchBranch, streaming } = useChatStore();
  const options = siblingsOf(turns, turn.parentId);
  if (options.length < 2) return null;
  const index = options.findIndex((o) => o.id === turn.id);
  return (
    <span className="branch-switch" role="group" aria-label="Versions">
      <button type="button" className="icon-button" aria-label="Previous version" disabled={index === 0 || streaming} onClick={() => switchBranch(turn.id, -1)}><ChevronLeft size={14} aria-hidden="true" /></button>
      <span className="small">{index + 1}/{options.length}</span>
      <button type="button" className="icon-button" aria-label="Next version" disabled={index === options.length - 1 || streaming} onClick={() => switchBranch(turn.id, 1)}><ChevronRight size={14} aria-hidden="true" /></button>
    </span>
  );
}

function UserMessage({ turn, editing, setEditing }: { turn: TurnNode; editing: boolean; setEditing: (on: boolean) => void }) {
  const { edit, streaming } = useChatStore();
  const [draft, setDraft] = useState(turn.userText);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => setDraft(turn.userText), [turn.userText, editing]);
  // leaving the editor (Esc, Cancel) gives focus back to the Edit button it came from
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  return (
    <li className="message user" data-status="done">
      <span className="who">You</span> <BranchSwitch turn={turn} />
      {editing ? (
        <form onSubmit={(e) => { e.preventDefault(); if (draft.trim()) { edit(turn.id, draft.trim()); setEditing(false); } }}>
          <label htmlFor={`edit-${turn.id}`} className="visually-hidden">Edit message</label>
          <textarea id={`edit-${turn.id}`} value={draft} onChange={(e) => setDraft(e.target.value)} rows={2} autoFocus
            onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); setEditing(false); } if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); e.currentTarget.form?.requestSubmit(); } }} />
          <button type="submit" disabled={!draft.trim() || streaming}>Send edited</button> <button type="button" onClick={() => setEditing(false)}>Cancel</button>
        </form>
      ) : (
        <>
          <p className="text">{turn.userText}</p>
          <button ref={editButton} type="button" className="small-button" onClick={() => setEditing(true)} disabled={streaming}>Edit</button>
        </>
      )}
    </li>
  );
}

function SessionItem({ session, active, onOpen }: { session: { sessionId: string; title: string; turns: number; lastAt: string }; active: boolean; onOpen: () => void }) {
  const qc = useQueryClient();
  const { newSession } = useChatStore();
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [title, setTitle] = useState(session.title);
  // back from renaming or deleting (Esc, Cancel, Keep): focus returns to the button that began it
  const returnTo = useRef<'rename' | 'delete' | null>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (mode !== 'view') {
      returnTo.current = mode;
      return;
    }
    (returnTo.current === 'rename' ? renameButton : returnTo.current === 'delete' ? deleteButton : null)?.current?.focus();
    returnTo.current = null;
  }, [mode]);
  const escapes = (e: KeyboardEvent): void => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    setMode('view');
  };
  const [forget, setForget] = useState(false);
  const done = (): void => {
    setMode('view');
    void qc.invalidateQueries({ queryKey: ['chat.sessions'] });
  };
  const rename = useMutation({ mutationFn: () => api.chat.renameSession.mutate({ sessionId: session.sessionId, title }), onSuccess: done });
  const remove = useMutation({ mutationFn: () => api.chat.deleteSession.mutate({ sessionId: session.sessionId, forgetMemories: forget }), onSuccess: () => { if (active) newSession(); done(); } });
  if (mode === 'rename') {
    return (
      <li>
        <form onSubmit={(e) => { e.preventDefault(); rename.mutate(); }} onKeyDown={escapes}>
          <label htmlFor={`title-${session.sessionId}`} className="visually-hidden">Title</label>
          <input id={`title-${session.sessionId}`} value={title} onChange={(e) => setTitle(e.target.value)} maxLength={120} autoFocus />
          <button type="submit" className="small-button" disabled={!title.trim()}>Save</button> <button type="button" className="small-button" onClick={() => setMode('view')}>Cancel</button>
        </form>
        {rename.error && <ErrorNote error={rename.error} />}
      </li>
    );
  }
  if (mode === 'delete') {
    return (
      <li role="group" aria-label={`Delete ${session.title}`} onKeyDown={escapes}>
        <span className="small">Delete “{session.title}”?</span>
        <label className="check small"><input type="checkbox" checked={forget} onChange={(e) => setForget(e.target.checked)} /> Also forget what the twin remembers of it</label>
        <button type="button" className="small-button danger" onClick={() => remove.mutate()}>Delete</button> <button type="button" className="small-button" onClick={() => setMode('view')} autoFocus>Keep</button>
        {remove.error && <ErrorNote error={remove.error} />}
      </li>
    );
  }
  return (
    <li>
      <button type="button" className="link" aria-current={active ? 'true' : undefined} onClick={onOpen}>
        {session.title || 'Untitled'}<span className="muted small"> · {session.turns} {session.turns === 1 ? 'turn' : 'turns'} · {new Date(session.lastAt).toLocaleDateString()}</span>
      </button>
      <span className="session-actions">
        <button ref={renameButton} type="button" className="small-button" aria-label={`Rename ${session.title}`} onClick={() => setMode('rename')}>Rename</button>
        <button ref={deleteButton} type="button" className="small-button" aria-label={`Delete ${session.title}`} onClick={() => setMode('delete')}>Delete</button>
      </span>
    </li>
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
      {sessions.error && <ErrorNote error={sessions.error} retry={() => void sessions.refetch()} />}
      <ul aria-label="Past conversations" tabIndex={0}>
        {shown.map((s) => <SessionItem key={s.sessionId} session={s} active={s.sessionId === sessionId} onOpen={() => void openSession(s.sessionId)} />)}
      </ul>
    </nav>
  );
}

/** The greeting above a conversation: the one it opened with, or (a new chat) one of the twin's, a click from the others. */
function Greeting({ name, image, text, choice }: { name: string; image: string | null; text: string; choice?: { index: number; count: number; go: (delta: number) => void } | undefined }) {
  return (
    <li className="message twin greeting" data-status="done">
      <span className="who"><Avatar name={name} image={image} size={20} /> <span className="who-name">{name}</span>
        {choice && choice.count > 1 && (
          <span className="branch-switch greeting-switch" role="group" aria-label="Greetings">
            <button type="button" className="icon-button" aria-label="Previous greeting" disabled={choice.index === 0} onClick={() => choice.go(-1)}><ChevronLeft size={14} aria-hidden="true" /></button>
            <span className="small">{choice.index + 1}/{choice.count}</span>
            <button type="button" className="icon-button" aria-label="Next greeting" disabled={choice.index === choice.count - 1} onClick={() => choice.go(1)}><ChevronRight size={14} aria-hidden="true" /></button>
          </span>
        )}
      </span>
      <div className="text"><Markdown text={text} /></div>
    </li>
  );
}

export function ChatPage() {
  const { turns, chosen, streaming, send, stop, sessionId, opening, ensureSessionId } = useChatStore();
  const path = visiblePath(turns, chosen);
  const [draft, setDraft] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [tuning, setTuning] = useState(false);
  const [greetingIndex, setGreetingIndex] = useState(0);
  const tuneButton = useRef<HTMLButtonElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const twinName = useTwinName();
  const twinImage = useTwinAvatar();
  const twin = useQuery({ queryKey: ['twin.get'], queryFn: () => api.twin.get.query() });
  const greetings = twin.data?.persona.greetings ?? [];
  // a new chat offers the twin's greetings; once sent, the conversation keeps the one it opened with
  const offered = path.length === 0 && !opening ? greetings[Math.min(greetingIndex, greetings.length - 1)] : undefined;
  useEffect(() => setGreetingIndex(0), [sessionId]);
  const closeTuning = (): void => {
    setTuning(false);
    tuneButton.current?.focus();
  };

  useEffect(() => {
    if (listRef.current) listRef.current.scrollTop = listRef.current.scrollHeight;
  }, [turns, chosen]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent): void => {
      if (e.key === 'Escape' && streaming) stop();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [streaming, stop]);

  const submit = (): void => {
    if (!draft.trim() || streaming) return;
    send(draft.trim(), offered);
    setDraft('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      submit();
    } else if (e.key === 'ArrowUp' && !draft && path.length > 0 && !streaming) {
      e.preventDefault();
      setEditing((path[path.length - 1] as TurnNode).id); // ↑ edits the last message
    }
  };

  return (
    <div className="chat-layout">
      <SessionList />
      <section className="chat" aria-label="Chat">
        <div className="chat-top">
          <TwinHeader />
          <button ref={tuneButton} type="button" className="icon-button" aria-expanded={tuning} aria-label="This conversation's settings" title="This conversation's settings" onClick={() => {
            if (tuning) closeTuning();
            else {
              ensureSessionId();
              setTuning(true);
            }
          }}>
            <SlidersHorizontal size={18} aria-hidden="true" />
          </button>
        </div>
        {/* keyed: another conversation gets its own form, never the one filled for the last */}
        {tuning && sessionId && <ConversationSettings key={sessionId} sessionId={sessionId} onClose={closeTuning} />}
        <ol ref={listRef} className="messages" aria-live="polite" aria-label="Conversation" tabIndex={0}>
          {(opening ?? offered) && <Greeting name={twinName} image={twinImage} text={(opening ?? offered) as string} choice={offered ? { index: greetingIndex, count: greetings.length, go: (d) => setGreetingIndex((i) => Math.max(0, Math.min(greetings.length - 1, i + d))) } : undefined} />}
          {path.length === 0 && <li className="empty">{offered ? 'Answer to begin.' : 'Say hello to your twin.'} Enter sends, Shift+Enter adds a line, Esc stops a reply, ↑ edits your last message.</li>}
          {path.flatMap((t, i) => [
            <UserMessage key={`u-${t.id}`} turn={t} editing={editing === t.id} setEditing={(on) => setEditing(on ? t.id : null)} />,
            <li key={`r-${t.id}`} className="message twin" data-status={t.status}>
              <span className="who"><Avatar name={twinName} image={twinImage} size={20} /> <span className="who-name">{twinName}</span></span>
              {t.tools && t.tools.length > 0 && <ToolCards cards={t.tools} />}
              <div className="text">{t.reply ? <Markdown text={t.reply} /> : t.status === 'streaming' ? '…' : ''}</div>
              {t.meta && <span className="meta">{t.meta}</span>}
              {t.status !== 'streaming' && <ReplyTools turn={t} last={i === path.length - 1} />}
            </li>,
          ])}
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
