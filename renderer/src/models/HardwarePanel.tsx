import { useQuery } from '@tanstack/react-query';
import { ErrorNote } from '../components/ErrorNote';
import { api } from '../trpcClient';

const gb = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GB`;

/** The doctor's findings: the backend in use and why, the others and why not, devices, memory, advice. */
export function HardwarePanel() {
  const doctor = useQuery({ queryKey: ['system.doctor'], queryFn: () => api.system.doctor.query({ probe: false }), staleTime: 60_000 });
  if (doctor.error) return <ErrorNote error={doctor.error} retry={() => void doctor.refetch()} />;
  if (!doctor.data) return <p role="status" className="muted">Checking the hardware…</p>;
  const d = doctor.data;
  return (
    <section aria-label="Hardware">
      <h3>Hardware</h3>
      <p><strong>{d.chosen.backend}</strong> — {d.chosen.reason}</p>
      <dl className="facts-grid">
        <dt>CPU</dt><dd>{d.cpu.model} · {d.cpu.cores} cores, {d.cpu.threadsUsed} threads used</dd>
        <dt>Memory</dt><dd>{gb(d.ram.freeBytes)} free of {gb(d.ram.totalBytes)}</dd>
        <dt>GPU memory</dt><dd>{d.vram ? `${gb(d.vram.freeBytes)} free of ${gb(d.vram.totalBytes)}` : 'none in use'}</dd>
        <dt>GPUs seen</dt><dd>{d.gpusSeen.length ? d.gpusSeen.map((g) => `${g.vendor} ${g.model}${g.vramBytes ? ` (${gb(g.vramBytes)})` : ''}`).join(', ') : 'none'}</dd>
      </dl>
      <details>
        <summary>Other backends</summary>
        <ul>{d.backends.map((b) => <li key={b.backend}>{b.backend}: {b.status} — {b.reason}</li>)}</ul>
      </details>
      {d.advice.length > 0 && <ul className="advice">{d.advice.map((a) => <li key={a}>{a}</li>)}</ul>}
    </section>
  );
}
