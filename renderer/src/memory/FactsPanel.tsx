import { Pin } from 'lucide-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { FilePicker, type PickedFile } from '../components/FilePicker';
import { api } from '../trpcClient';

/** Facts and document chunks: add a fact by hand, ingest a document (with progress), open any of them. */
export function FactsPanel({ onOpen }: { onOpen: (id: string) => void }) {
  const qc = useQueryClient();
  const [showRetired, setShowRetired] = useState(false);
  const facts = useQuery({ queryKey: ['memory.facts', showRetired], queryFn: () => api.memory.list.query({ tier: 'semantic', limit: 500, includeRetired: showRetired }) });
  const documents = useQuery({ queryKey: ['memory.documents'], queryFn: () => api.memory.documents.query() }); // ingestion progress comes by the watch stream
  const [fact, setFact] = useState('');
  const [documentFile, setDocumentFile] = useState<PickedFile | null>(null);
  const refresh = (): void => void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('memory.') });
  const add = useMutation({ mutationFn: (text: string) => api.memory.addFact.mutate({ text }), onSuccess: () => { setFact(''); refresh(); } });
  const ingest = useMutation({ mutationFn: ({ file }: PickedFile) => api.memory.ingest.mutate(typeof file === 'string' ? { path: file } : file), onSuccess: () => { setDocumentFile(null); refresh(); } });
  return (
    <section aria-label="Facts and documents">
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); add.mutate(fact.trim()); }}>
        <label htmlFor="new-fact">Add a fact</label>
        <input id="new-fact" value={fact} onChange={(e) => setFact(e.target.value)} placeholder="Ana works at the city library" />
        <button type="submit" disabled={!fact.trim() || add.isPending}>Add</button>
      </form>
      {add.error && <ErrorNote error={add.error} />}
      <form className="settings-form" aria-label="Import a document" onSubmit={(e) => { e.preventDefault(); if (documentFile) ingest.mutate(documentFile); }}>
        <FilePicker kind="document" label="Import a document (.txt, .md, .pdf)" value={documentFile} onChange={setDocumentFile} disabled={ingest.isPending} />
        <div className="save-row"><button type="submit" disabled={!documentFile || ingest.isPending}>Import</button></div>
      </form>
      {ingest.error && <ErrorNote error={ingest.error} />}
      {(documents.data ?? []).length > 0 && (
        <ul className="documents" aria-label="Documents">
          {(documents.data ?? []).map((d) => (
            <li key={d.id}>
              {d.name} — {d.status === 'ingesting' ? <><progress max={d.totalChunks} value={d.chunks} aria-label={`${d.name} progress`} /> {d.chunks}/{d.totalChunks}</> : d.status === 'done' ? `${d.totalChunks} chunks` : <span className="error">failed: {d.error}</span>}
            </li>
          ))}
        </ul>
      )}
      <label className="check"><input type="checkbox" checked={showRetired} onChange={(e) => setShowRetired(e.target.checked)} /> Show facts the twin no longer believes</label>
      {facts.error && <ErrorNote error={facts.error} retry={() => void facts.refetch()} />}
      {facts.data && facts.data.facts.length === 0 && <p className="empty">No facts yet. The twin learns them from conversations once a model is loaded, or add one above.</p>}
      <ul className="fact-list">
        {(facts.data?.facts ?? []).map((f) => (
          <li key={f.id} className={f.retiredAt ? 'retired' : undefined}>
            <button type="button" className="link" onClick={() => onOpen(f.id)}>
              <span className="tier-badge">{f.kind}</span> {f.text}{f.pinned ? <> <Pin size={14} aria-label="pinned" /></> : ''}{f.retiredAt ? ` (until ${new Date(f.retiredAt).toLocaleDateString()})` : ''}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
