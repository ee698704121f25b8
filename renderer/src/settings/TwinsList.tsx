import { useMutation, useQuery } from '@tanstack/react-query';
import { ErrorNote } from '../components/ErrorNote';
import { api } from '../trpcClient';

export const TWINS_KEY = ['twin.list'];

const ORIGIN: Record<string, string> = { clone: 'cloned from a bundle', move: 'moved here from a bundle', card: 'made from a character card' };

/** The twins of this data folder; switching restarts every service for the chosen one, then the window reloads. */
export function TwinsList() {
  const twins = useQuery({ queryKey: TWINS_KEY, queryFn: () => api.twin.list.query() });
  const activate = useMutation({
    mutationFn: (id: string) => api.twin.activate.mutate({ id }),
    onSuccess: () => location.reload(), // every page's data belongs to the twin that ran before
  });
  return (
    <section aria-labelledby="twins-h">
      <h3 id="twins-h">Twins on this computer</h3>
      {twins.error && <ErrorNote error={twins.error} retry={() => void twins.refetch()} />}
      <table className="twins">
        <thead><tr><th scope="col">Name</th><th scope="col">Origin</th><th scope="col">Id</th><th scope="col"><span className="visually-hidden">Action</span></th></tr></thead>
        <tbody>
          {(twins.data ?? []).map((t) => (
            <tr key={t.id}>
              <td>{t.name ?? <span className="muted">(not running: name unknown)</span>}</td>
              <td>{t.origin ? ORIGIN[t.origin] : 'created here'}{t.parentId ? `, descends from ${t.parentId.slice(0, 8)}…` : ''}</td>
              <td><code>{t.id}</code></td>
              <td>
                {t.active
                  ? <strong>running</strong>
                  : <button type="button" disabled={activate.isPending} onClick={() => activate.mutate(t.id)} aria-label={`Switch to ${t.name ?? t.id}`}>Switch to this twin</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {activate.isPending && <p role="status" className="muted">Restarting every service for that twin…</p>}
      {activate.error ? <ErrorNote error={activate.error} /> : null}
    </section>
  );
}
