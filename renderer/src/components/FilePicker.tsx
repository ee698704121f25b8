import { Check, FolderOpen, X } from 'lucide-react';
import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { FILE_EXTENSIONS, FileKind } from '../../../core/contracts/fileKinds';
import { desktopFiles } from '../desktopFiles';
import { uploadFile, type UploadProgress } from '../fileUpload';
import { ErrorNote } from './ErrorNote';

/** A file the user chose: a path (desktop app) or an upload the headless host holds (browser); what tRPC calls take as `file`. */
export interface PickedFile { name: string; file: string | { upload: string } }

// the renderer may not import core's values: a copy, held to the contract's exact lists by its type
const EXTENSIONS: { [K in FileKind]: (typeof FILE_EXTENSIONS)[K] } = {
  bundle: ['.pagi'],
  card: ['.png', '.json', '.charx'],
  chatgpt: ['.json', '.jsonl', '.ndjson'],
  document: ['.txt', '.md', '.pdf'],
  model: ['.gguf'],
};

const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
export const baseName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

// a file dropped beside a drop zone would make the browser open it in place of the app
const ignoreStrayDrop = (e: globalThis.DragEvent): void => {
  if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
};

/**
 * Choosing a file without typing its path. In the desktop app: the system's open dialog, or a file
 * dropped here (its path, through the preload). In a browser: the browser's file chooser or a drop,
 * then an upload to the host with progress and a cancel. `onChange` gets the file once it can be used.
 */
export function FilePicker({ kind, label, value, onChange, disabled = false }: { kind: FileKind; label: string; value: PickedFile | null; onChange: (file: PickedFile | null) => void; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const running = useRef<AbortController | null>(null);
  const [uploading, setUploading] = useState<{ name: string; progress: UploadProgress } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    window.addEventListener('dragover', ignoreStrayDrop);
    window.addEventListener('drop', ignoreStrayDrop);
    return () => running.current?.abort(); // leaving the page cancels an upload (the host removes it)
  }, []);

  const take = async (file: File): Promise<void> => {
    setError(null);
    const extensions: readonly string[] = EXTENSIONS[kind];
    if (!extensions.some((ext) => file.name.toLowerCase().endsWith(ext))) {
      setError(new Error(`${file.name} cannot be used here: choose a file ending in ${extensions.join(', ')}`));
      return;
    }
    if (desktopFiles) {
      const path = desktopFiles.pathForFile(file);
      if (path) onChange({ name: file.name, file: path });
      else setError(new Error(`${file.name} is not a file on this computer: save it to a folder first, then choose it`));
      return;
    }
    onChange(null);
    const controller = new AbortController();
    running.current?.abort();
    running.current = controller;
    setUploading({ name: file.name, progress: { sent: 0, total: file.size } });
    try {
      const upload = await uploadFile(file, kind, (progress) => setUploading({ name: file.name, progress }), controller.signal);
      onChange({ name: file.name, file: { upload } });
    } catch (err) {
      if (!controller.signal.aborted) setError(err);
    } finally {
      if (running.current === controller) {
        running.current = null;
        setUploading(null);
      }
    }
  };

  const choose = async (): Promise<void> => {
    if (!desktopFiles) return input.current?.click();
    try {
      const path = await desktopFiles.pickFile({ kind });
      if (path) onChange({ name: baseName(path), file: path });
    } catch (err) {
      setError(err);
    }
  };

  const dragOver = (e: DragEvent): void => {
    if (disabled || !e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const drop = (e: DragEvent): void => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file && !disabled && !uploading) void take(file);
  };

  return (
    <div role="group" aria-label={label} className={`file-picker${dragging ? ' dragging' : ''}`} onDragOver={dragOver} onDragLeave={() => setDragging(false)} onDrop={drop}>
      <span className="file-picker-label">{label}</span>
      <div className="file-picker-row">
        <button type="button" onClick={() => void choose()} disabled={disabled || !!uploading}>
          <FolderOpen aria-hidden="true" size={16} /> Choose a file
        </button>
        {value ? (
          <span className="file-picker-name"><Check aria-hidden="true" size={16} /> {value.name}</span>
        ) : (
          !uploading && <span className="muted">No file chosen; or drop one here</span>
        )}
        {!desktopFiles && (
          <input
            ref={input}
            type="file"
            className="visually-hidden"
            tabIndex={-1}
            aria-hidden="true"
            accept={EXTENSIONS[kind].join(',')}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = ''; // choosing the same file again is a new choice
              if (file) void take(file);
            }}
          />
        )}
      </div>
      {uploading && (
        <p role="status" className="file-picker-progress">
          Uploading {uploading.name}…{' '}
          <progress max={uploading.progress.total} value={uploading.progress.sent} aria-label={`Upload of ${uploading.name}`} /> {mb(uploading.progress.sent)} of {mb(uploading.progress.total)}{' '}
          <button type="button" onClick={() => running.current?.abort()}>
            <X aria-hidden="true" size={16} /> Cancel the upload
          </button>
        </p>
      )}
      {error ? <ErrorNote error={error} /> : null}
    </div>
  );
}
