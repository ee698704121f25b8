import { useCallback, useEffect, useState } from 'react';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../core/api/router';
import { EventLog } from '../components/EventLog';
import { useServiceStateChanges } from '../hooks/useServiceStateChanges';
import { api } from '../trpcClient';

type ServiceRow = inferRouterOutputs<AppRouter>['system']['status'][number];

const mb = (b: number | null): string => (b === null ? '–' : `${(b / 1024 / 1024).toFixed(0)} MB`);

export function StatusPage() {
  const [rows, setRows] = useState<ServiceRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => {
    api.system.status.query().then((r) => { setRows(r); setError(null); }, (e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    refresh();
    const t = setInterval(refresh, 2_000);
    return () => clearInterval(t);
  }, [refresh]);
  useServiceStateChanges(refresh);

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
                <td><button type="button" aria-label={`Restart ${s.id}`} onClick={() => void api.system.restart.mutate({ id: s.id }).then(refresh, (e: Error) => setError(e.message))}>Restart</button></td>
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
