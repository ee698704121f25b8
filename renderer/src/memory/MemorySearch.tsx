import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { ScoreBars } from '../components/ScoreBars';
import { api } from '../trpcClient';

/** Hybrid search over both tiers with each hit's score breakdown; a hit opens the memory. */
export function MemorySearch({ onOpen }: { onOpen: (id: string) => void }) {
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState('');
  const [tier, setTier] = useState<'all' | 'episodic' | 'semantic'>('all');
  const result = useQuery({ queryKey: ['memory.search', query, tier], queryFn: () => api.memory.search.query({ query, k: 20, tier }), enabled: query.trim().length > 0 });
  return (
    <section aria-label="Search memories">
      <form className="search-bar" role="search" onSubmit={(e) => { e.preventDefault(); setQuery(draft.trim()); }}>
        <label htmlFor="memory-query" className="visually-hidden">Search memories</label>
        <input id="memory-query" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="What do you remember about…" />
        <label htmlFor="memory-tier" className="visually-hidden">Tier</label>
        <select id="memory-tier" value={tier} onChange={(e) => setTier(e.target.value as typeof tier)}>
          <option value="all">All memories</option>
          <option value="episodic">Episodes</option>
          <option value="semantic">Facts and documents</option>
        </select>
        <button type="submit" disabled={!draft.trim()}>Search</button>
      </form>
      {result.isFetching && <p className="muted" role="status">Searching…</p>}
      {result.error && <ErrorNote error={result.error} retry={() => void result.refetch()} />}
      {result.data && (
        <>
          {result.data.notes.map((n) => <p key={n} className="muted note">{n}</p>)}
          {result.data.hits.length === 0 ? <p className="empty">Nothing found for “{query}”.</p> : (
            <ol className="hits">
              {result.data.hits.map((h) => (
                <li key={h.id} className="hit">
                  <button type="button" className="link" onClick={() => onOpen(h.id)}>
                    <span className="tier-badge">{h.tier}</span> {h.actor ? <strong>{h.actor}: </strong> : null}{h.text}
                  </button>
                  <div className="muted small">{new Date(h.time).toLocaleString()} · score {h.score.toFixed(3)}{h.ref ? ` · ref ${h.ref}` : ''}</div>
                  <ScoreBars scores={h.scores} total={h.score} />
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
