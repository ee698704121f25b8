import { useQuery } from '@tanstack/react-query';
import { CartesianGrid, Legend, Line, LineChart, ReferenceDot, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from 'recharts';
import { useChatStore } from '../chatStore';
import { ErrorNote } from '../components/ErrorNote';
import { useNavStore } from '../navStore';
import { api } from '../trpcClient';

const time = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The mood now on the valence–arousal plane, and how pleasure, arousal and dominance moved, turn by turn. */
export function EmotionPage() {
  const current = useQuery({ queryKey: ['emotion.current'], queryFn: () => api.emotion.current.query() });
  const history = useQuery({ queryKey: ['emotion.history'], queryFn: () => api.emotion.history.query({ limit: 500 }) });
  const go = useNavStore((s) => s.go);
  const openSession = useChatStore((s) => s.openSession);
  // every hook above this line: an early return before a hook changes the hook order between renders
  if (current.error) return <ErrorNote error={current.error} retry={() => void current.refetch()} />;
  const points = (history.data ?? []).map((p) => ({ ...p, t: time(p.at) }));
  /** A change caused by a turn links to that conversation. */
  const openTurn = async (turnId: string): Promise<void> => {
    const { sessionId } = await api.chat.locateTurn.query({ turnId });
    await openSession(sessionId);
    go('chat');
  };
  const now = current.data;
  return (
    <section className="emotion-page" aria-label="Emotion">
      <h2>Mood</h2>
      {now && (
        <p className="mood-now" aria-live="polite">
          Now <strong>{now.label}</strong> — pleasure {now.pleasure.toFixed(2)}, arousal {now.arousal.toFixed(2)}, dominance {now.dominance.toFixed(2)}.
          Drifts back to its baseline ({now.baseline.pleasure.toFixed(2)}, {now.baseline.arousal.toFixed(2)}, {now.baseline.dominance.toFixed(2)}) with a half-life of {now.halfLifeMinutes} minutes.
        </p>
      )}
      <div className="charts">
        <figure aria-label="Valence and arousal plane">
          <ResponsiveContainer width="100%" height={280}>
            <ScatterChart margin={{ top: 10, right: 20, bottom: 20, left: 0 }}>
              <CartesianGrid />
              <XAxis type="number" dataKey="pleasure" domain={[-1, 1]} name="valence" label={{ value: 'valence (pleasure)', position: 'bottom' }} />
              <YAxis type="number" dataKey="arousal" domain={[-1, 1]} name="arousal" />
              <ZAxis range={[30, 30]} />
              <Tooltip />
              <Scatter name="past moods" data={points} fill="#9fa8da" />
              {now && <ReferenceDot x={now.pleasure} y={now.arousal} r={9} fill="#3d5afe" stroke="none" label={now.label} />}
            </ScatterChart>
          </ResponsiveContainer>
          <figcaption>Each dot a mood after a change; the large dot is now. On the time series, a dot marks a change a turn caused: click it to open the conversation.</figcaption>
        </figure>
        <figure aria-label="Mood over time">
          {points.length === 0 ? <p className="empty">No mood changes yet: they come with conversation.</p> : (
            <ResponsiveContainer width="100%" height={280}>
              <LineChart data={points} margin={{ top: 10, right: 20, bottom: 10, left: 0 }}>
                <CartesianGrid />
                <XAxis dataKey="t" />
                <YAxis domain={[-1, 1]} />
                <Tooltip />
                <Legend />
                <Line type="monotone" dataKey="pleasure" stroke="#2e7d32" isAnimationActive={false} dot={(d: { cx?: number; cy?: number; payload?: { turnId: string | null }; index?: number }) => (d.payload?.turnId ? <circle key={`m-${d.index}`} cx={d.cx} cy={d.cy} r={4} fill="#2e7d32" className="turn-marker" onClick={() => void openTurn(d.payload?.turnId as string)} /> : <g key={`n-${d.index}`} />)} />
                <Line type="monotone" dataKey="arousal" stroke="#e65100" dot={false} isAnimationActive={false} />
                <Line type="monotone" dataKey="dominance" stroke="#3949ab" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          )}
        </figure>
      </div>
      <h3>What moved it</h3>
      <ol className="mood-changes">
        {[...points].reverse().slice(0, 30).map((p, i) => (
          <li key={`${p.at}-${i}`}><span className="muted small">{new Date(p.at).toLocaleString()}</span> {p.label} — {p.cause}{p.turnId ? <> <button type="button" className="small-button" onClick={() => void openTurn(p.turnId as string)}>Open the conversation</button></> : null}</li>
        ))}
      </ol>
    </section>
  );
}
