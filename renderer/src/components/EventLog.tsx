import { useCallback, useEffect, useRef, useState } from 'react';
import { useWatchNotices } from '../hooks/useWatch';
import { api } from '../trpcClient';
import type { Outputs } from '../types';

type BusEvent = Outputs['system']['events']['events'][number];
const KEEP = 500;
const PAGE = 200;

/**
 * The durable event log, newest first, filtered by topic, pausable. Read once on opening, then only
 * when the app's watch stream tells of a newer event (or of notices lost): never on a timer.
 */
export function EventLog() {
  const [events, setEvents] = useState<BusEvent[]>([]);
  const [filter, setFilter] = useState('');
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const next = useRef<number | null>(null);
  const reading = useRef(false);
  const again = useRef(false);

  /** Reads what is new since the last read; one read at a time, and one more if told of news meanwhile. */
  const readNew = useCallback(async (): Promise<void> => {
    if (reading.current) {
      again.current = true;
      return;
    }
    reading.current = true;
    try {
      do {
        again.current = false;
        if (next.current === null) {
          const head = await api.system.events.query({ fromOffset: 1, limit: 1 });
          next.current = Math.max(1, head.headOffset - 50);
        }
        const r = await api.system.events.query({ fromOffset: next.current, limit: PAGE });
        if (r.events.length > 0) {
          next.current = (r.events[r.events.length - 1] as BusEvent).offset + 1;
          setEvents((old) => [...r.events.reverse(), ...old].slice(0, KEEP));
        }
        if (r.events.length === PAGE) again.current = true; // more than a page came: read on
        setError(null);
      } while (again.current);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      reading.current = false;
    }
  }, []);

  useEffect(() => {
    if (!paused) void readNew();
  }, [paused, readNew]);
  useWatchNotices((notice) => {
    if (paused) return;
    // another twin runs: its log is another log (its offsets start again), read from its head
    if (notice.kind === 'resync' && notice.reason === 'twin-switched') {
      next.current = null;
      setEvents([]);
    }
    const newer = notice.kind === 'event' && (next.current === null || notice.offset >= next.current);
    if (newer || notice.kind === 'resync' || notice.kind === 'ready') void readNew();
  });

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
