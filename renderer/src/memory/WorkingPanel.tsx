import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { api } from '../trpcClient';

/** What each live session holds right now: its recent turns and their token counts. */
export function WorkingPanel() {
  const sessions = useQuery({ queryKey: ['memory.workingSessions'], queryFn: () => api.memory.workingSessions.query() });
  const [sessionId, setSessionId] = useState<string | null>(null);
  const chosen = sessionId ?? sessions.data?.[0]?.sessionId ?? null;
  const turns = useQuery({ queryKey: ['memory.working', chosen], queryFn: () => api.memory.working.query({ sessionId: chosen as string }), enabled: chosen !== null });
  if (sessions.error) return <ErrorNote error={sessions.error} retry={() => void sessions.refetch()} />;
  if (sessions.data?.length === 0) return <p className="empty">No live session. Working memory fills as you chat and empties after hours of quiet; everything in it is also an episode.</p>;
  return (
    <section aria-label="Working memory">
      <label htmlFor="working-session">Session </label>
      <select id="working-session" value={chosen ?? ''} onChange={(e) => setSessionId(e.target.value)}>
        {(sessions.data ?? []).map((s) => <option key={s.sessionId} value={s.sessionId}>{s.sessionId} — {s.turns} turns, {s.tokens} tokens</option>)}
      </select>
      <ol className="working-turns">
        {(turns.data?.turns ?? []).map((t) => <li key={t.id}><strong>{t.role}</strong> <span className="muted small">{t.tokens} tokens</span><div>{t.text}</div></li>)}
      </ol>
    </section>
  );
}
