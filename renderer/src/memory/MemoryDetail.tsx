import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { api } from '../trpcClient';
import type { MemoryChange } from '../types';

const describe = (c: MemoryChange): string => {
  if (c.scrubbed) return c.op === 'forget' ? 'forgotten: its content is gone' : 'content forgotten';
  const values = c.after ?? c.before;
  return values ? Object.entries(values).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' · ') : '';
};

/** One memory: its content, edit, pin, delete (undoable), forget (not), and its history with undo. */
export function MemoryDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const qc = useQueryClient();
  const memory = useQuery({ queryKey: ['memory.get', id], queryFn: () => api.memory.get.query({ id }) });
  const history = useQuery({ queryKey: ['memory.history', id], queryFn: () => api.memory.history.query({ id }) });
  const [draft, setDraft] = useState<string | null>(null);
  const [confirmForget, setConfirmForget] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // opened: focus moves into it (on a narrow window it takes the explorer's place)
  useEffect(() => heading.current?.focus(), []);
  const refresh = (): void => void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('memory.') });
  const act = useMutation({ mutationFn: (fn: () => Promise<unknown>) => fn(), onSuccess: refresh });

  // a memory that is gone keeps its last data in the cache: offer nothing to do with it
  const m = memory.isError ? null : memory.data?.episode ?? memory.data?.fact ?? null;
  const deleted = memory.error && history.data && history.data.length > 0;
  return (
    <aside className="memory-detail" aria-label="Memory" onKeyDown={(e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      // Esc leaves an edit first (the text as it was), then the memory
      if (draft !== null) setDraft(null);
      else onClose();
    }}>
      <div className="detail-head">
        <h2 ref={heading} tabIndex={-1}>{memory.data?.tier === 'semantic' ? (memory.data.fact?.kind === 'chunk' ? 'Document chunk' : 'Fact') : 'Episode'}</h2>
        <button type="button" onClick={onClose} aria-label="Close the memory">Close</button>
      </div>
      {memory.isLoading && <p role="status" className="muted">Loading…</p>}
      {memory.error && !deleted && <ErrorNote error={memory.error} />}
      {deleted && <p className="muted">This memory is deleted{history.data?.some((c) => c.op === 'forget') ? ' and forgotten' : ''}. Its history is below.</p>}
      {m && (
        <>
          {draft === null ? <p className="memory-text">{m.text}</p> : (
            <form onSubmit={(e) => { e.preventDefault(); act.mutate(() => api.memory.edit.mutate({ id, text: draft })); setDraft(null); }}>
              <label htmlFor="memory-edit">Text</label>
              <textarea id="memory-edit" value={draft} onChange={(e) => setDraft(e.target.value)} rows={4} />
              <button type="submit" disabled={!draft.trim()}>Save</button> <button type="button" onClick={() => setDraft(null)}>Cancel</button>
            </form>
          )}
          <dl className="facts-grid">
            {memory.data?.episode && <>
              <dt>When</dt><dd>{new Date(memory.data.episode.time).toLocaleString()}</dd>
              <dt>Who</dt><dd>{memory.data.episode.actor} · {memory.data.episode.kind} · session {memory.data.episode.sessionId}</dd>
              <dt>Importance</dt><dd>{memory.data.episode.importance.toFixed(2)}</dd>
              <dt>Mood then</dt><dd>{memory.data.episode.mood ? `pleasure ${memory.data.episode.mood.pleasure.toFixed(2)}, arousal ${memory.data.episode.mood.arousal.toFixed(2)}` : '—'}</dd>
              <dt>Used</dt><dd>{memory.data.episode.accessCount} times{memory.data.episode.lastAccess ? `, last ${new Date(memory.data.episode.lastAccess).toLocaleString()}` : ''}</dd>
            </>}
            {memory.data?.fact && <>
              <dt>Confidence</dt><dd>{memory.data.fact.confidence.toFixed(2)}</dd>
              <dt>True</dt><dd>{memory.data.fact.validFrom ? new Date(memory.data.fact.validFrom).toLocaleDateString() : 'since ?'} – {memory.data.fact.validTo ? new Date(memory.data.fact.validTo).toLocaleDateString() : 'now'}</dd>
              <dt>Believed</dt><dd>from {new Date(memory.data.fact.createdAt).toLocaleString()}{memory.data.fact.retiredAt ? ` until ${new Date(memory.data.fact.retiredAt).toLocaleString()}` : ''}</dd>
              {memory.data.fact.supersededBy && <><dt>Replaced by</dt><dd><code>{memory.data.fact.supersededBy}</code></dd></>}
              <dt>Sources</dt><dd>{memory.data.fact.sourceEpisodeIds.length ? memory.data.fact.sourceEpisodeIds.map((s) => <code key={s}>{s} </code>) : memory.data.fact.source ? `document ${memory.data.fact.source.document}, chunk ${memory.data.fact.source.chunk}` : 'added by hand'}</dd>
            </>}
          </dl>
          <div className="actions">
            <button type="button" onClick={() => setDraft(m.text)}>Edit</button>
            <button type="button" onClick={() => act.mutate(() => api.memory.pin.mutate({ id, pinned: !m.pinned }))}>{m.pinned ? 'Unpin' : 'Pin'}</button>
            <button type="button" onClick={() => act.mutate(() => api.memory.delete.mutate({ id }))}>Delete</button>
            {!confirmForget ? <button type="button" className="danger" onClick={() => setConfirmForget(true)}>Forget forever…</button> : (
              <span role="group" aria-label="Confirm forgetting">
                This removes the text everywhere, history included, and cannot be undone.{' '}
                <button type="button" className="danger" onClick={() => act.mutate(() => api.memory.delete.mutate({ id, hard: true }))}>Forget it</button>{' '}
                <button type="button" onClick={() => setConfirmForget(false)}>Keep it</button>
              </span>
            )}
          </div>
        </>
      )}
      {act.error && <ErrorNote error={act.error} />}
      <h3>History</h3>
      {history.data?.length === 0 && <p className="muted">No changes recorded.</p>}
      <ol className="history">
        {(history.data ?? []).map((c) => (
          <li key={c.id}>
            <span className="muted small">{new Date(c.at).toLocaleString()}</span> <strong>{c.op}</strong> by {c.actor}{c.undoneBy ? ' (undone)' : ''}
            <div className="small">{describe(c)}</div>
            {!c.undoneBy && c.op !== 'forget' && !c.scrubbed && <button type="button" onClick={() => act.mutate(() => api.memory.undo.mutate({ changeId: c.id }))} aria-label={`Undo ${c.op} of ${new Date(c.at).toLocaleString()}`}>Undo</button>}
          </li>
        ))}
      </ol>
    </aside>
  );
}
