import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { FilePicker, type PickedFile } from '../components/FilePicker';
import { HardwarePanel } from '../models/HardwarePanel';
import { api } from '../trpcClient';
import { modelDisplayName } from '../modelName';

const size = (b: number | null): string => (b === null ? '?' : b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GB` : `${(b / 2 ** 20).toFixed(0)} MB`);

/** Models & hardware: what is loaded, what is installed, what fits, and downloads in flight. */
export function ModelsPage() {
  const qc = useQueryClient();
  // kept current by the app's watch stream: loading and download progress are written into these as they come
  const status = useQuery({ queryKey: ['models.status'], queryFn: () => api.models.status.query() });
  const models = useQuery({ queryKey: ['models.list'], queryFn: () => api.models.list.query() });
  const catalog = useQuery({ queryKey: ['models.catalog'], queryFn: () => api.models.catalog.query(), staleTime: 60_000 });
  // a download started elsewhere (the CLI, another window) shows up too: its first progress event fetches the list
  const downloads = useQuery({ queryKey: ['models.downloads'], queryFn: () => api.models.downloads.query() });
  const finished = (downloads.data ?? []).filter((d) => d.status === 'done').length;
  useEffect(() => void qc.invalidateQueries({ queryKey: ['models.list'] }), [finished, qc]);
  const [modelFile, setModelFile] = useState<PickedFile | null>(null);
  const [url, setUrl] = useState('');
  const refresh = (): void => void qc.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith('models.') });
  const act = useMutation({ mutationFn: (fn: () => Promise<unknown>) => fn(), onSettled: refresh });
  const startDownload = useMutation({ mutationFn: (u: string) => api.models.download.mutate({ url: u }), onSuccess: () => void downloads.refetch() });
  const s = status.data;

  return (
    <section className="models-page" aria-label="Models and hardware">
      <h2>Models</h2>
      {status.error && <ErrorNote error={status.error} retry={() => void status.refetch()} />}
      {s && (
        <p aria-live="polite" className="model-status">
          {s.state === 'ready' && s.model ? <>Loaded: <strong>{modelDisplayName(s.model)}</strong> · context {s.model.contextSize} tokens{s.backend ? ` · ${s.backend.name}${s.backend.gpu ? ` (${s.backend.gpu})` : ''}, ${s.backend.threads} threads` : ''}</> : null}
          {s.state === 'loading' && <>Loading… <progress max={1} value={s.loadProgress ?? 0} aria-label="Loading the model" /></>}
          {s.state === 'no-model' && 'No model is loaded. Load one below, import a .gguf file, or download one from the catalog.'}
          {s.state === 'idle-unloaded' && 'The model was unloaded after a quiet spell; it loads again with the next message.'}
          {s.state === 'error' && <span className="error">The model failed: {s.error}</span>}
          {s.state === 'ready' && <> <button type="button" onClick={() => act.mutate(() => api.models.unload.mutate())}>Unload</button></>}
        </p>
      )}
      {act.error && <ErrorNote error={act.error} />}

      <h3>Installed</h3>
      {models.data?.length === 0 && <p className="empty">No models yet.</p>}
      <div className="table-scroll">
      <table className="models">
        <thead><tr><th scope="col">Model</th><th scope="col">Size</th><th scope="col">Source</th><th scope="col">Checksum</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {(models.data ?? []).map((m) => (
            <tr key={m.id}>
              <td>{modelDisplayName({ name: m.metadata.name ?? null, architecture: m.metadata.architecture ?? null, fileName: m.fileName })}<div className="muted small">{m.metadata.architecture ?? '?'}{m.metadata.quantization ? ` · ${m.metadata.quantization}` : ''}</div></td>
              <td>{size(m.fileBytes)}</td>
              <td>{m.source}</td>
              <td className="small">{m.hash.status === 'done' ? `sha256 ${m.sha256?.slice(0, 12)}…` : m.hash.status === 'error' ? <span className="error">{m.hash.error}</span> : `${m.hash.status}…`}</td>
              <td>
                {m.loaded ? <span className="muted">loaded</span> : <button type="button" onClick={() => act.mutate(() => api.models.load.mutate({ id: m.id }))} aria-label={`Load ${m.fileName}`}>Load</button>}{' '}
                <button type="button" onClick={() => act.mutate(() => api.models.remove.mutate({ id: m.id }))} aria-label={`Remove ${m.fileName}`}>Remove</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      <form className="settings-form" aria-label="Import a model" onSubmit={(e) => {
        e.preventDefault();
        if (!modelFile) return;
        const picked = modelFile.file;
        act.mutate(() => api.models.import.mutate(typeof picked === 'string' ? { path: picked } : picked));
        setModelFile(null);
      }}>
        <FilePicker kind="model" label="Import a .gguf file" value={modelFile} onChange={setModelFile} />
        <div className="save-row"><button type="submit" disabled={!modelFile}>Import</button></div>
      </form>

      <h3>Downloads</h3>
      {/* the address stays until the download has started: a refused one can be mended */}
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); startDownload.mutate(url.trim(), { onSuccess: () => setUrl('') }); }}>
        <label htmlFor="model-url">Download a .gguf from a URL</label>
        <input id="model-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://…/model.gguf" />
        <button type="submit" disabled={!url.trim() || startDownload.isPending}>{startDownload.isPending ? 'Starting…' : 'Download'}</button>
      </form>
      {startDownload.error && <ErrorNote error={startDownload.error} />}
      {downloads.error && <ErrorNote error={downloads.error} />}
      {downloads.data?.length === 0 && <p className="muted">None.</p>}
      <ul className="downloads">
        {(downloads.data ?? []).map((d) => (
          <li key={d.id}>
            {d.fileName} — {d.status}
            {(d.status === 'downloading' || d.status === 'paused') && (
              <>
                {' '}<progress max={d.totalBytes ?? 1} value={d.downloadedBytes} aria-label={`${d.fileName} download`} /> {size(d.downloadedBytes)} / {size(d.totalBytes)}
                {d.status === 'downloading' && d.etaSeconds !== null ? `, ${Math.ceil(d.etaSeconds)} s left` : ''}{' '}
                {d.status === 'downloading'
                  ? <button type="button" aria-label={`Pause ${d.fileName}`} onClick={() => act.mutate(() => api.models.pauseDownload.mutate({ id: d.id }))}>Pause</button>
                  : <button type="button" aria-label={`Resume ${d.fileName}`} onClick={() => act.mutate(() => api.models.resumeDownload.mutate({ id: d.id }))}>Resume</button>}{' '}
                <button type="button" aria-label={`Cancel ${d.fileName}`} onClick={() => act.mutate(() => api.models.cancelDownload.mutate({ id: d.id }))}>Cancel</button>
              </>
            )}
            {d.error && <span className="error"> {d.error}</span>}
          </li>
        ))}
      </ul>

      <h3>Catalog</h3>
      {catalog.error && <ErrorNote error={catalog.error} />}
      <ul className="catalog">
        {(catalog.data ?? []).map((c) => (
          <li key={c.id}>
            <strong>{c.name}</strong> <span className={`fit fit-${c.fit.verdict.replace(/\W/g, '')}`}>{c.fit.verdict}</span> <span className="muted small">{size(c.approxBytes)} · {c.purpose} · {c.license}</span>
            <div className="small">{c.description}</div>
            <div className="muted small">{c.fit.explanation}</div>
            {c.installed ? <span className="muted small">installed</span> : <button type="button" onClick={() => act.mutate(() => api.models.download.mutate({ catalogId: c.id }))} aria-label={`Download ${c.name}`}>Download</button>}
          </li>
        ))}
      </ul>
      <HardwarePanel />
    </section>
  );
}
