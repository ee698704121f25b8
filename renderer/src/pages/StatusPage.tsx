import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { EventLog } from '../components/EventLog';
import { api } from '../trpcClient';

const mb = (b: number | null): string => (b === null ? '–' : `${(b / 1024 / 1024).toFixed(0)} MB`);

export function StatusPage() {
  const qc = useQueryClient();
  // fetched on opening and again when the supervisor tells of a change (useWatch): no timer pings the services
  // states arrive pushed; the memory and CPU figures are measured on asking: every 15 s while this page shows (within the idle budget of one request per 10 s)
  const status = useQuery({ queryKey: ['system.status'], queryFn: () => api.system.status.query(), refetchInterval: 15_000 });
  const restart = useMutation({ mutationFn: (id: string) => api.system.restart.mutate({ id }), onSettled: () => void qc.invalidateQueries({ queryKey: ['system.status'] }) });
  const rows = status.data ?? null;
  const error = status.error?.message ?? restart.error?.message ?? null;

  return (
    <section aria-label="System status">
      <h2>Services</h2>
      {error && <p role="alert" className="error">Cannot reach the core: {error}</p>}
      {!rows && !error && <p>Loading…</p>}
      {rows && (
        <div className="table-scroll">
        <table className="services">
          <thead>
            <tr><th scope="col">Service</th><th scope="col">State</th><th scope="col">PID</th><th scope="col">Restarts</th><th scope="col">Memory</th><th scope="col">CPU</th><th scope="col">Last error</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.id} data-service={s.id} data-state={s.state}>
                <th scope="row">{s.id}</th>
                <td><span className={`state ${s.state}`}>{s.state}</span></td>
                <td>{s.pid ?? '–'}</td>
                <td>{s.restarts}</td>
                <td>{mb(s.rssBytes)}</td>
                <td>{s.cpuMicros === null ? '–' : `${(s.cpuMicros / 1e6).toFixed(1)} s`}</td>
                <td className="last-error">{s.lastError ?? ''}</td>
                <td><button type="button" aria-label={`Restart ${s.id}`} onClick={() => restart.mutate(s.id)}>Restart</button></td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
      <EventLog />
    </section>
  );
}
