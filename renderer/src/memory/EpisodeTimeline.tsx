import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { api } from '../trpcClient';
import type { Episode } from '../types';

const PAGE = 200;
const MOODS = {
  '': () => true,
  pleasant: (e: Episode) => (e.mood?.pleasure ?? 0) > 0.15,
  unpleasant: (e: Episode) => (e.mood?.pleasure ?? 0) < -0.15,
  intense: (e: Episode) => Math.abs(e.mood?.arousal ?? 0) > 0.4,
  calm: (e: Episode) => e.mood !== null && Math.abs(e.mood.arousal) <= 0.15,
} as const;
type MoodFilter = keyof typeof MOODS;
type Row = { kind: 'day'; day: string } | { kind: 'episode'; episode: Episode };

/** Every episode, newest first, grouped by day, virtualized (only what is on screen is in the DOM). */
export function EpisodeTimeline({ onOpen }: { onOpen: (id: string) => void }) {
  const [sessionId, setSessionId] = useState('');
  const [actor, setActor] = useState('');
  const [kind, setKind] = useState<'' | Episode['kind']>('');
  const [mood, setMood] = useState<MoodFilter>('');
  const sessions = useInfiniteQuery({
    queryKey: ['memory.recent', sessionId, actor, kind],
    initialPageParam: 0,
    queryFn: ({ pageParam }) => api.memory.recent.query({ limit: PAGE, offset: pageParam, order: 'desc', ...(sessionId ? { sessionId } : {}), ...(actor ? { actor } : {}), ...(kind ? { kind } : {}) }),
    getNextPageParam: (last, all) => (last.length === PAGE ? all.length * PAGE : undefined),
  });
  const sessionList = useQuery({ queryKey: ['memory.sessions'], queryFn: () => api.memory.sessions.query() });
  // conversations by their titles (the chat's, or the user's own); imported ones by where they came from
  const chats = useQuery({ queryKey: ['chat.sessions', 'titles'], queryFn: () => api.chat.sessions.query({ limit: 1_000 }) });
  const titleOf = (sessionId: string): string => {
    const chat = chats.data?.find((c) => c.sessionId === sessionId);
    if (chat) return chat.title || 'Untitled conversation';
    if (sessionId.startsWith('chatgpt:')) return 'a ChatGPT conversation';
    return `conversation ${sessionId.slice(0, 8)}`;
  };
  const rows = useMemo<Row[]>(() => {
    const out: Row[] = [];
    let day = '';
    for (const e of (sessions.data?.pages.flat() ?? []).filter(MOODS[mood])) {
      const d = new Date(e.time).toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
      if (d !== day) out.push({ kind: 'day', day: (day = d) });
      out.push({ kind: 'episode', episode: e });
    }
    return out;
  }, [sessions.data, mood]);
  const parent = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => parent.current, estimateSize: (i) => (rows[i]?.kind === 'day' ? 36 : 56), overscan: 10 });
  const items = virtual.getVirtualItems();
  const last = items[items.length - 1];
  if (last && last.index >= rows.length - 20 && sessions.hasNextPage && !sessions.isFetchingNextPage) void sessions.fetchNextPage();

  return (
    <section aria-label="Episode timeline">
      <div className="filters">
        <label>Session <select value={sessionId} onChange={(e) => setSessionId(e.target.value)}>
          <option value="">All sessions</option>
          {(sessionList.data ?? []).map((s) => <option key={s.sessionId} value={s.sessionId}>{titleOf(s.sessionId)} ({s.episodes})</option>)}
        </select></label>
        <label>Speaker <input value={actor} onChange={(e) => setActor(e.target.value)} placeholder="any" /></label>
        <label>Kind <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
          <option value="">any</option><option value="message">message</option><option value="action">action</option><option value="observation">observation</option><option value="reflection">reflection</option>
        </select></label>
        <label>Mood then <select value={mood} onChange={(e) => setMood(e.target.value as MoodFilter)}>
          <option value="">any</option><option value="pleasant">pleasant</option><option value="unpleasant">unpleasant</option><option value="intense">intense</option><option value="calm">calm</option>
        </select></label>
      </div>
      {sessions.error && <ErrorNote error={sessions.error} retry={() => void sessions.refetch()} />}
      {sessions.isLoading && <p className="muted" role="status">Loading episodes…</p>}
      {!sessions.isLoading && rows.length === 0 && <p className="empty">No episodes yet. They appear as you chat, or import past conversations in Settings.</p>}
      <div ref={parent} className="timeline" role="list" aria-label="Episodes" tabIndex={0}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index] as Row;
            return (
              <div key={item.key} role="listitem" className={row.kind === 'day' ? 'day-header' : 'timeline-row'} style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}>
                {row.kind === 'day' ? <h3>{row.day}</h3> : (
                  <button type="button" className="link" onClick={() => onOpen(row.episode.id)}>
                    <span className="muted small">{new Date(row.episode.time).toLocaleTimeString()} · {titleOf(row.episode.sessionId)}</span>{' '}
                    <strong>{row.episode.actor}:</strong> {row.episode.text.length > 160 ? `${row.episode.text.slice(0, 159)}…` : row.episode.text}
                    {row.episode.pinned && <span className="tier-badge">pinned</span>}
                  </button>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
