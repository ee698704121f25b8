import { useEffect, useRef, useState } from 'react';
import { api } from '../trpcClient';
import type { Outputs } from '../types';

type BusEvent = Outputs['system']['events']['events'][number];
const KEEP = 500;

/** The durable event log, tailed live (newest first), filtered by topic, pausable. */
export function EventLog() {
  const [events, setEvents] = useState<BusEvent[]>([]);
  const [filter, setFilter] = useState('');
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = useRef<number | null>(null);

  useEffect(() => {
    if (paused) return;
    let stop = false;
    const poll = async (): Promise<void> => {
      try {
        if (next.current === null) {
          const head = await api.system.events.query({ fromOffset: 1, limit: 1 });
          next.current = Math.max(1, head.headOffset - 50);
        }
        const r = await api.system.events.query({ fromOffset: next.current, limit: 200 });
        if (r.events.length > 0) {
          next.current = (r.events[r.events.length - 1] as BusEvent).offset + 1;
          setEvents((old) => [...r.events.reverse(), ...old].slice(0, KEEP));
        }
        setError(null);
      } catch (e) {
        setError((e as Error).message);
      }
      if (!stop) timer = setTimeout(() => void poll(), 1_000);
    };
    let timer = setTimeout(() => void poll(), 0);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [paused]);

  const shown = filter ? events.filter((e) => e.topic.includes(filter)) : events;
  return (
    <section aria-label="Event log">
      <h2>Event log</h2>
      <div className="filters">
        <label htmlFor="event-filter">Topic contains</label>
        <input id="event-filter" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="memory." />
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>{paused ? 'Resume' : 'Pause'}</button>
      </div>
      {error && <p role="alert" className="error">The event log cannot be read: {error}</p>}
      {shown.length === 0 && <p className="muted">No events{filter ? ` on topics containing “${filter}”` : ' yet'}.</p>}
      <ol className="event-log" aria-label="Events, newest first" tabIndex={0}>
        {shown.map((e) => (
          <li key={e.offset} data-topic={e.topic}>
            <span className="muted small">#{e.offset} {new Date(e.time).toLocaleTimeString()} {e.source}</span> <strong>{e.topic}</strong>
            <code className="small">{JSON.stringify(e.payload).slice(0, 200)}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
