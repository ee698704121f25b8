import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../trpcClient';

/** Each service in the words of someone who never saw the architecture, with its id for support. */
export const SERVICE_WORDS: Record<string, string> = {
  executive: 'the part of the twin that runs a conversation (executive)',
  inference: 'the model runner (inference)',
  perception: 'the part that reads your message (perception)',
  emotion: 'the twin\'s mood (emotion)',
  identity: 'the twin\'s identity (identity)',
  context: 'the part that gathers what the twin recalls (context)',
  social: 'the twin\'s manner (social)',
  actuator: 'the twin\'s tools (actuator)',
  learning: 'learning from feedback (learning)',
  gateway: 'the local API (gateway)',
  'event-router': 'the event log (event-router)',
  'memory.working': 'working memory',
  'memory.episodic': 'episodic memory',
  'memory.semantic': 'the twin\'s facts (semantic memory)',
};

/**
 * Says, in words, which of `services` has stopped for good (the supervisor gave up restarting it)
 * and offers to restart it; nothing when all run. `lead` says what the user cannot do meanwhile.
 */
export function ServicesDown({ services, lead }: { services: readonly string[]; lead: string }) {
  const qc = useQueryClient();
  // fetched again when the supervisor tells of a change (useWatch), never on a timer
  const status = useQuery({ queryKey: ['system.status'], queryFn: () => api.system.status.query() });
  const restart = useMutation({ mutationFn: (id: string) => api.system.restart.mutate({ id }), onSettled: () => void qc.invalidateQueries({ queryKey: ['system.status'] }) });
  const down = (status.data ?? []).filter((s) => s.state === 'failed' && services.includes(s.id));
  if (down.length === 0) return null;
  return (
    <div role="alert" className="error-note">
      {down.map((s) => (
        <p key={s.id}>
          {lead}: {SERVICE_WORDS[s.id] ?? s.id} has stopped{s.lastError ? ` (${s.lastError})` : ''}.{' '}
          <button type="button" onClick={() => restart.mutate(s.id)} disabled={restart.isPending}>Restart it</button>
        </p>
      ))}
      {restart.error && <p>{restart.error.message}</p>}
    </div>
  );
}
