import { useMutation } from '@tanstack/react-query';
import { Check, CheckCheck, X } from 'lucide-react';
import type { ToolCard } from '../chatStore';
import { api } from '../trpcClient';
import { ErrorNote } from './ErrorNote';

type Approval = NonNullable<ToolCard['approval']>;
type Decision = 'allow-once' | 'always-allow' | 'deny';

/**
 * A call that asks first: what the tool is about to do (the exact command for shell, the granted
 * folder it touches, its arguments), and the three answers. The turn waits for one; none in time
 * is a no. The card comes back with the reply's stream after a reload.
 */
export function ApprovalCard({ tool, approval }: { tool: string; approval: Approval }) {
  const answer = useMutation({ mutationFn: (decision: Decision) => api.tools.decide.mutate({ requestId: approval.requestId, decision }) });
  const until = new Date(approval.expiresAt).toLocaleTimeString();
  return (
    <div className="approval-card" role="group" aria-label={`Allow ${tool}?`}>
      <p><strong>The twin wants to use {tool}:</strong> {approval.summary}</p>
      {approval.folder && <p className="small">In the folder <code>{approval.folder}</code></p>}
      {approval.command && <pre className="tool-output" aria-label="The exact command">{approval.command}</pre>}
      <details>
        <summary className="small">Its arguments</summary>
        <pre className="tool-output">{approval.args}</pre>
      </details>
      <div className="approval-actions">
        <button type="button" onClick={() => answer.mutate('allow-once')} disabled={answer.isPending || answer.isSuccess}><Check size={14} aria-hidden="true" /> Allow once</button>
        <button type="button" onClick={() => answer.mutate('always-allow')} disabled={answer.isPending || answer.isSuccess}><CheckCheck size={14} aria-hidden="true" /> Always allow</button>
        <button type="button" className="danger" onClick={() => answer.mutate('deny')} disabled={answer.isPending || answer.isSuccess}><X size={14} aria-hidden="true" /> Deny</button>
      </div>
      <p className="muted small" role="status">{answer.isSuccess ? 'Answered.' : `Without an answer by ${until}, it is denied.`}</p>
      {answer.error && <ErrorNote error={answer.error} />}
    </div>
  );
}
