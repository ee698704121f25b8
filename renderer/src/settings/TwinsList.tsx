import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { api } from '../trpcClient';
import type { Outputs } from '../types';

export const TWINS_KEY = ['twin.list'];
type Twin = Outputs['twin']['list'][number];

const ORIGIN: Record<string, string> = { clone: 'cloned from a bundle', move: 'moved here from a bundle', card: 'made from a character card', created: 'created here' };
const when = (iso: string | null): string => (iso ? new Date(iso).toLocaleDateString() : '');

/** One twin: its name, where it came from and when; rename it, switch to it, or delete it (not the one running). */
function TwinRow({ twin }: { twin: Twin }) {
  const qc = useQueryClient();
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [name, setName] = useState(twin.name ?? '');
  const done = (): void => {
    setMode('view');
    void qc.invalidateQueries({ queryKey: TWINS_KEY });
    void qc.invalidateQueries({ queryKey: ['twin.get'] });
  };
  const activate = useMutation({
    mutationFn: () => api.twin.activate.mutate({ id: twin.id }),
    onSuccess: () => location.reload(), // every page's data belongs to the twin that ran before
  });
  const rename = useMutation({ mutationFn: () => api.twin.rename.mutate({ id: twin.id, name }), onSuccess: done });
  const remove = useMutation({ mutationFn: () => api.twin.delete.mutate({ id: twin.id }), onSuccess: done });
  const label = twin.name ?? 'A twin not yet named';
  return (
    <tr data-twin={twin.id}>
      <td>
        {mode === 'rename' ? (
          <form onSubmit={(e) => { e.preventDefault(); rename.mutate(); }}>
            <label>New name <input value={name} onChange={(e) => setName(e.target.value)} maxLength={120} required autoFocus /></label>{' '}
            <button type="submit" className="small-button" disabled={!name.trim() || rename.isPending}>Save</button>{' '}
            <button type="button" className="small-button" onClick={() => setMode('view')}>Cancel</button>
            {rename.error ? <ErrorNote error={rename.error} /> : null}
          </form>
        ) : <>{label}{twin.pendingName ? <span className="muted small"> (takes this name when it next runs)</span> : null}</>}
      </td>
      <td>{twin.origin ? ORIGIN[twin.origin] : 'created here'}{twin.addedAt ? `, ${when(twin.addedAt)}` : ''}{twin.parentId ? `, descends from ${twin.parentId.slice(0, 8)}…` : ''}</td>
      <td>
        {twin.active ? <strong>running</strong> : (
          <button type="button" disabled={activate.isPending} onClick={() => activate.mutate()} aria-label={`Switch to ${label}`}>Switch to this twin</button>
        )}{' '}
        {mode === 'view' && <button type="button" className="small-button" onClick={() => setMode('rename')} aria-label={`Rename ${label}`}>Rename</button>}{' '}
        {mode === 'view' && !twin.active && <button type="button" className="small-button danger" onClick={() => setMode('delete')} aria-label={`Delete ${label}`}>Delete</button>}
        {mode === 'delete' && (
          <span role="group" aria-label={`Confirm deleting ${label}`}>
            {label}, its memories and its backups are deleted from this computer; this cannot be undone.{' '}
            <button type="button" className="small-button danger" onClick={() => remove.mutate()} disabled={remove.isPending}>Delete for good</button>{' '}
            <button type="button" className="small-button" onClick={() => setMode('view')}>Keep it</button>
          </span>
        )}
        {activate.isPending && <p role="status" className="muted">Restarting every service for {label}…</p>}
        {activate.error ? <ErrorNote error={activate.error} /> : null}
        {remove.error ? <ErrorNote error={remove.error} /> : null}
      </td>
    </tr>
  );
}

/** The twins of this data folder; switching restarts every service for the chosen one, then the window reloads. */
export function TwinsList() {
  const twins = useQuery({ queryKey: TWINS_KEY, queryFn: () => api.twin.list.query() });
  return (
    <section aria-labelledby="twins-h">
      <h3 id="twins-h">Twins on this computer</h3>
      {twins.error && <ErrorNote error={twins.error} retry={() => void twins.refetch()} />}
      <div className="table-scroll">
        <table className="twins">
          <thead><tr><th scope="col">Name</th><th scope="col">Came from</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>{(twins.data ?? []).map((t) => <TwinRow key={t.id} twin={t} />)}</tbody>
        </table>
      </div>
    </section>
  );
}
