/** What the app can suggest about an error (`data.hint.app` from the core), never a command line. */
export function appHint(error: unknown): string | null {
  const data = (error as { data?: { hint?: { app?: unknown } | null } } | null)?.data;
  return typeof data?.hint?.app === 'string' ? data.hint.app : null;
}

/** An error's message followed by what to do about it, as one line. */
export function errorText(error: unknown, hint: { app?: string } | null = null): string {
  const message = error instanceof Error ? error.message : typeof error === 'object' && error && 'message' in error ? String((error as { message: unknown }).message) : String(error);
  const suggestion = hint?.app ?? appHint(error);
  return suggestion ? `${message}: ${suggestion}` : message;
}

/** An error as the user sees it: what went wrong (the core's message names the cause), what to do, and a retry. */
export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div role="alert" className="error-note">
      <p>{errorText(error)}</p>
      {retry && <button type="button" onClick={retry}>Try again</button>}
    </div>
  );
}
