import { useEffect, useRef, useState, type FormEvent } from 'react';
import { v7 as uuidv7 } from 'uuid';
import { Download } from 'lucide-react';
import { ErrorNote } from '../components/ErrorNote';
import { baseName, FilePicker, type PickedFile } from '../components/FilePicker';
import { desktopFiles } from '../desktopFiles';
import { useNavStore } from '../navStore';
import { api } from '../trpcClient';
import { TWINS_KEY } from './TwinsList';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BundleExportResult as ExportResult, BundleImportResult as ImportResult, ConversationImportResult, OperationProgress as Progress } from '../../../core/api/coreAccess';

const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

function ProgressLine({ progress, label }: { progress: Progress | null; label: string }) {
  if (!progress) return null;
  return (
    <p role="status" className="muted">
      {progress.phase}…{' '}
      {progress.total > 0 && <><progress max={progress.total} value={progress.done} aria-label={label} /> {progress.unit === 'bytes' ? `${mb(progress.done)} of ${mb(progress.total)}` : `${progress.done} of ${progress.total} ${progress.unit}`}</>}
    </p>
  );
}

type BundleEvent<R> = { type: 'progress'; progress: Progress } | { type: 'done'; result: R } | { type: 'failed'; error: { code: string; message: string } };
type Follow<R> = (operationId: string, h: { onData: (e: { data: BundleEvent<R> }) => void; onError: (err: unknown) => void }) => { unsubscribe(): void };

/**
 * Runs a bundle operation: started once under an id made here (a resend is the same operation), then
 * followed — progress while it runs, then its result or its error.
 */
function useBundleRun<R>() {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [result, setResult] = useState<R | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const end = (): void => {
    setProgress(null);
    setRunning(false);
  };
  const start = (begin: (operationId: string) => Promise<unknown>, follow: Follow<R>): void => {
    setRunning(true);
    setError(null);
    setResult(null);
    setProgress({ phase: 'starting', done: 0, total: 0, unit: 'bytes' });
    const operationId = uuidv7();
    begin(operationId).then(
      () => {
        const sub = follow(operationId, {
          onData: ({ data: e }) => {
            if (e.type === 'progress') return setProgress(e.progress);
            if (e.type === 'done') setResult(e.result);
            else setError(new Error(e.error.message));
            end();
            sub.unsubscribe();
          },
          onError: (err) => {
            setError(err);
            end();
          },
        });
      },
      (err: unknown) => {
        setError(err);
        end();
      },
    );
  };
  return { progress, result, error, running, start };
}

/** Saves a staged export through the browser: its own save dialog decides where, and never replaces a file unasked. */
async function downloadExport(download: string): Promise<void> {
  const ticket = await api.files.downloadTicket.mutate({ download });
  const link = document.createElement('a');
  link.href = ticket.url;
  link.download = ticket.name;
  document.body.append(link);
  link.click();
  link.remove();
}

function ExportForm() {
  const [encrypt, setEncrypt] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [events, setEvents] = useState(false);
  const [weights, setWeights] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const twin = useQuery({ queryKey: ['twin.get'], queryFn: () => api.twin.get.query() });
  const run = useBundleRun<ExportResult>();
  const download = useMutation({ mutationFn: downloadExport });
  const startDownload = download.mutate;
  // a browser's export is downloaded as soon as it is written
  useEffect(() => {
    if (run.result?.download) startDownload(run.result.download);
  }, [run.result, startDownload]);
  const start = (out: { path: string; overwrite: boolean } | null): void =>
    run.start(
      (operationId) => api.bundles.export.mutate({ operationId, ...(out ? { out: out.path, overwrite: out.overwrite } : {}), includeEvents: events, includeModel: weights, ...(encrypt ? { passphrase } : {}) }),
      (operationId, h) => api.bundles.exportEvents.subscribe({ operationId }, h),
    );
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setSaveError(null);
    if (!desktopFiles) return start(null);
    // the desktop app: the system's save dialog, which asks before replacing a file
    desktopFiles.pickSaveFile({ kind: 'bundle', suggestedName: `${twin.data?.name ?? 'twin'}.pagi` }).then((choice) => choice && start(choice), setSaveError);
  };
  return (
    <form className="settings-form" aria-label="Export this twin" onSubmit={submit}>
      <label className="inline"><input type="checkbox" checked={events} onChange={(e) => setEvents(e.target.checked)} /> Include the event log</label>
      <label className="inline"><input type="checkbox" checked={weights} onChange={(e) => setWeights(e.target.checked)} /> Include the loaded model's weights (large; without them the bundle only identifies the model, and the other computer uses its own copy)</label>
      <label className="inline"><input type="checkbox" checked={encrypt} onChange={(e) => setEncrypt(e.target.checked)} /> Encrypt with a passphrase</label>
      {encrypt && <label>Passphrase (at least 8 characters; without it the bundle cannot be opened) <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} minLength={8} required autoComplete="new-password" /></label>}
      <div className="save-row"><button type="submit" disabled={run.running}>{desktopFiles ? 'Export…' : 'Export'}</button></div>
      <ProgressLine progress={run.progress} label="Export progress" />
      {run.result && (
        <div role="status">
          <p>Exported {run.result.name} {run.result.download ? `as ${run.result.file}` : `to ${run.result.file}`} ({mb(run.result.bytes)}, {run.result.entries} databases{run.result.encrypted ? ', encrypted' : ''}).</p>
          {run.result.download && (
            <p className="download-row">
              Your browser saves it where you choose. If the download did not start:{' '}
              <button type="button" onClick={() => run.result?.download && download.mutate(run.result.download)} disabled={download.isPending}><Download aria-hidden="true" size={16} /> Download the bundle</button>
            </p>
          )}
        </div>
      )}
      {run.error ? <ErrorNote error={run.error} /> : null}
      {saveError ? <ErrorNote error={saveError} /> : null}
      {download.error ? <ErrorNote error={download.error} /> : null}
    </form>
  );
}

/** What an import did, and which twin runs now: on a fresh install the imported one; otherwise the user is asked. */
function ImportOutcome({ result }: { result: ImportResult }) {
  const switchTo = useMutation({
    mutationFn: () => api.twin.activate.mutate({ id: result.twinId }),
    onSuccess: () => location.reload(), // every page's data belongs to the twin that ran before
  });
  return (
    <div role="status">
      <p>
        Imported {result.name} as {result.mode === 'clone' ? `a clone (generation ${result.generation})` : 'the same twin'}.
        {result.model ? ` Its model ${result.model.fileName} is ${result.model.installed === 'copied' ? 'now installed' : 'already installed'}.` : ''}
      </p>
      {result.activationError ? (
        <p className="error">{result.name} is imported but cannot run here: {result.activationError}</p>
      ) : result.activated ? (
        <p>
          {result.name} is now the twin you talk to{result.previousUnused ? ' (the twin that was here had never been used)' : ''}.{' '}
          <button type="button" onClick={() => location.reload()}>Open it</button>
        </p>
      ) : (
        <p>
          Your current twin keeps running. Talk to {result.name} instead?{' '}
          <button type="button" onClick={() => switchTo.mutate()} disabled={switchTo.isPending}>Switch to {result.name}</button>
        </p>
      )}
      {switchTo.isPending && <p className="muted">Restarting every service for {result.name}…</p>}
      {switchTo.error ? <ErrorNote error={switchTo.error} /> : null}
    </div>
  );
}

const pickedPath = (path: string): PickedFile | null => (path ? { name: baseName(path), file: path } : null);

export function ImportForm({ initialFile = '' }: { initialFile?: string }) {
  const [file, setFile] = useState<PickedFile | null>(pickedPath(initialFile));
  const [mode, setMode] = useState<'clone' | 'move'>('clone');
  const [passphrase, setPassphrase] = useState('');
  const run = useBundleRun<ImportResult>();
  const qc = useQueryClient();
  useEffect(() => setFile(pickedPath(initialFile)), [initialFile]);
  useEffect(() => {
    if (!run.result) return;
    void qc.invalidateQueries({ queryKey: TWINS_KEY });
    setFile((f) => (f && typeof f.file !== 'string' ? null : f)); // an upload is used once it imported
  }, [run.result, qc]);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!file) return;
    run.start(
      (operationId) => api.bundles.import.mutate({ operationId, file: file.file, mode, ...(passphrase ? { passphrase } : {}) }),
      (operationId, h) => api.bundles.importEvents.subscribe({ operationId }, h),
    );
  };
  return (
    <form className="settings-form" aria-label="Import a twin" onSubmit={submit}>
      <FilePicker kind="bundle" label="Bundle file (.pagi)" value={file} onChange={setFile} disabled={run.running} />
      <fieldset>
        <legend>Import as</legend>
        <label><input type="radio" name="import-mode" checked={mode === 'clone'} onChange={() => setMode('clone')} /> a clone: a new twin that descends from this one (new ids)</label>
        <label><input type="radio" name="import-mode" checked={mode === 'move'} onChange={() => setMode('move')} /> a move: the same twin, now on this machine (same ids)</label>
      </fieldset>
      <label>Passphrase (only for an encrypted bundle) <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" /></label>
      <div className="save-row"><button type="submit" disabled={run.running || !file}>Import</button></div>
      <ProgressLine progress={run.progress} label="Import progress" />
      {run.result && <ImportOutcome result={run.result} />}
      {run.error ? <ErrorNote error={run.error} /> : null}
    </form>
  );
}

/** A SillyTavern character card (.png, .json, .charx) becomes a new twin beside this one. */
function CardForm() {
  const [file, setFile] = useState<PickedFile | null>(null);
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: (picked: PickedFile) => api.imports.card.mutate({ file: picked.file }),
    onSuccess: (_made, picked) => {
      void qc.invalidateQueries({ queryKey: TWINS_KEY });
      if (typeof picked.file !== 'string') setFile(null); // an upload is used once it imported
    },
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (file) create.mutate(file);
  };
  return (
    <form className="settings-form" aria-label="New twin from a character card" onSubmit={submit}>
      <FilePicker kind="card" label="Character card (SillyTavern .png, .json or .charx)" value={file} onChange={setFile} disabled={create.isPending} />
      <div className="save-row"><button type="submit" disabled={create.isPending || !file}>Create the twin</button></div>
      {create.data && (
        <div role="status">
          <p>Created {create.data.name} ({create.data.twinId}) with {create.data.facts} lorebook facts. Switch to it in the list of twins above.</p>
          {create.data.notes.map((n) => <p key={n} className="muted">{n}</p>)}
        </div>
      )}
      {create.error ? <ErrorNote error={create.error} /> : null}
    </form>
  );
}

/** A ChatGPT data export (conversations.json) into this twin's episodic memory. */
function ChatGptForm() {
  const [file, setFile] = useState<PickedFile | null>(null);
  const run = useBundleRun<ConversationImportResult>();
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!file) return;
    run.start((operationId) => api.imports.conversations.mutate({ operationId, file: file.file, extract: false }), (operationId, h) => api.imports.conversationEvents.subscribe({ operationId }, h));
  };
  useEffect(() => {
    if (run.result) setFile((f) => (f && typeof f.file !== 'string' ? null : f)); // an upload is used once it imported
  }, [run.result]);
  return (
    <form className="settings-form" aria-label="Import ChatGPT conversations" onSubmit={submit}>
      <FilePicker kind="chatgpt" label="ChatGPT export (conversations.json)" value={file} onChange={setFile} disabled={run.running} />
      <div className="save-row"><button type="submit" disabled={run.running || !file}>Import into this twin's memory</button></div>
      <ProgressLine progress={run.progress} label="ChatGPT import progress" />
      {run.result && (
        <div role="status">
          <p>Imported {run.result.episodes} messages from {run.result.items} conversations.</p>
          {run.result.skipped.map((x) => <p key={x.at} className="muted">Skipped conversation {x.at}{x.title ? ` (${x.title})` : ''}: {x.error}</p>)}
        </div>
      )}
      {run.error ? <ErrorNote error={run.error} /> : null}
    </form>
  );
}

/** Export this twin to a `.pagi` file, or import one (also when the OS opens a `.pagi` file with the app). */
export function BundlePanel() {
  return (
    <section aria-labelledby="bundles-h">
      <h3 id="bundles-h">Twin bundles</h3>
      <p className="muted">A bundle holds the whole twin: persona, every memory with its history, mood history, learning and its own settings. Never the model weights, API keys or this machine's settings.</p>
      <ExportForm />
      <ImportForm />
      <h3>From other apps</h3>
      <CardForm />
      <ChatGptForm />
    </section>
  );
}

/** A `.pagi` file opened with the app (double-click): the import dialog, over any page. */
export function OpenedBundleDialog() {
  // asked on start (a file the app was started with), then again when the desktop host tells of one (a `bundle-opened` notice, useWatch)
  const opened = useQuery({ queryKey: ['bundles.opened'], queryFn: () => api.bundles.opened.query() });
  const [file, setFile] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const go = useNavStore((s) => s.go);
  useEffect(() => {
    if (opened.data?.file) setFile(opened.data.file);
  }, [opened.data]);
  useEffect(() => {
    if (file && !dialog.current?.open) dialog.current?.showModal();
  }, [file]);
  return (
    <dialog ref={dialog} aria-label="Import a twin bundle" onClose={() => setFile(null)}>
      <h2>Import a twin bundle</h2>
      {file && <ImportForm initialFile={file} />}
      <button type="button" onClick={() => { dialog.current?.close(); go('settings'); }}>Close</button>
    </dialog>
  );
}
