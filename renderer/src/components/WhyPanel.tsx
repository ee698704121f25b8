import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../trpcClient';
import type { TurnResult } from '../types';
import { ScoreBars } from './ScoreBars';

/** Each step of a turn in words (the executive's timing names). */
const STEP_WORDS: Record<string, string> = {
  perceptionMs: 'Understanding', emotionMs: 'Feeling', rememberMs: 'Remembering your message', contextMs: 'Recall',
  generateMs: 'Writing', rememberReplyMs: 'Remembering the reply', totalMs: 'In all', continueMs: 'Continuing',
};

const ROLE_WORDS: Record<string, string> = { system: 'Instructions to the model', user: 'You', assistant: 'The twin', tool: "A tool's answer" };

/** Everything the model was given for this reply, in order: what "why" comes down to. */
function FullPrompt({ turnId }: { turnId: string }) {
  const [open, setOpen] = useState(false);
  const prompt = useQuery({ queryKey: ['chat.prompt', turnId], queryFn: () => api.chat.prompt.query({ turnId }), enabled: open });
  return (
    <div>
      <button type="button" className="small-button" aria-expanded={open} onClick={() => setOpen(!open)}>{open ? 'Hide the full prompt' : 'Show the full prompt'}</button>
      {open && (
        <div className="prompt-view" role="region" aria-label="The full prompt" tabIndex={0}>
          {prompt.isPending && <p className="muted small">Loading…</p>}
          {prompt.error && <p className="error small">{prompt.error.message}</p>}
          {prompt.data && prompt.data.messages === null && <p className="muted small">This reply was written before the app kept what each reply was written from.</p>}
          {prompt.data?.messages?.map((m, i) => (
            <div key={i}>
              <h5 className="small">{ROLE_WORDS[m.role] ?? m.role}</h5>
              <pre>{m.content}</pre>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

/** "Why this answer": the memories that went into the prompt with their scores, the mood, tokens and timings. */
export function WhyPanel({ result }: { result: TurnResult }) {
  const recalled = result.provenance.filter((p) => p.tier !== 'working');
  const texts = useQuery({
    queryKey: ['why', result.turnId],
    queryFn: () => Promise.all(recalled.map((p) => api.memory.get.query({ id: p.id }).then((m) => m.episode?.text ?? m.fact?.text ?? '', () => '(deleted since)'))),
  });
  return (
    <div className="why">
      <p className="small">Mood {result.mood.label} (pleasure {result.mood.pleasure.toFixed(2)}, arousal {result.mood.arousal.toFixed(2)}) · {result.usage?.promptTokens ?? 0} prompt + {result.usage?.completionTokens ?? 0} reply tokens{result.usage?.tokensPerSecond ? ` · ${Math.round(result.usage.tokensPerSecond)} tok/s` : ''}</p>
      <p className="small muted">{Object.entries(result.timings).map(([k, v]) => `${STEP_WORDS[k] ?? k} ${Math.round(v)} ms`).join(' · ')}</p>
      {result.degraded.length > 0 && <ul className="small muted">{result.degraded.map((d) => <li key={d}>{d}</li>)}</ul>}
      <h4>Memories used ({recalled.length}; plus {result.provenance.length - recalled.length} recent turns)</h4>
      {recalled.length === 0 && <p className="small muted">No memory was recalled for this reply.</p>}
      <ol className="why-memories">
        {recalled.map((p, i) => (
          <li key={p.id}>
            <span className="tier-badge">{p.tier}</span> {texts.data?.[i] ?? '…'} <span className="muted small">{p.tokens} tokens · score {p.score.toFixed(3)}</span>
            {p.scores && <ScoreBars scores={p.scores} total={p.score} />}
          </li>
        ))}
      </ol>
      <FullPrompt turnId={result.turnId} />
    </div>
  );
}
