import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { SAMPLERS } from '../settings/GenerationSettings';
import { useSettings } from '../settings/ServiceSettings';
import { api } from '../trpcClient';
import { ErrorNote } from './ErrorNote';

type Key = 'maxTokens' | 'temperature' | 'topP' | 'topK' | 'minP' | 'repeatPenalty';
type Length = 'twin' | 'limit' | 'until';
interface Form { length: Length; maxTokens: string; temperature: string; topP: string; topK: string; minP: string; repeatPenalty: string }

const shown = (v: number | null | undefined): string => (v === undefined || v === null ? '' : String(v));
const twinsValue = (v: number | null | undefined, none: string): string => (v === undefined ? '…' : v === null ? none : String(v));

/**
 * How replies are written in this conversation only: each value left empty is the twin's (Settings →
 * Generation), shown beside it. Esc or Close gives focus back to the button that opened it.
 */
export function ConversationSettings({ sessionId, onClose }: { sessionId: string; onClose: () => void }) {
  const qc = useQueryClient();
  const key = ['chat.conversationSettings', sessionId];
  const own = useQuery({ queryKey: key, queryFn: () => api.chat.conversationSettings.query({ sessionId }) });
  const twin = useSettings().data?.generation.values ?? null;
  const [form, setForm] = useState<Form | null>(null);
  useEffect(() => {
    const g = own.data?.generation;
    if (!g || form) return;
    setForm({
      length: g.maxTokens === undefined ? 'twin' : g.maxTokens === null ? 'until' : 'limit', maxTokens: shown(g.maxTokens ?? twin?.maxTokens ?? 1024),
      temperature: shown(g.temperature), topP: shown(g.topP), topK: shown(g.topK), minP: shown(g.minP), repeatPenalty: shown(g.repeatPenalty),
    });
  }, [own.data, form, twin]);
  const save = useMutation({
    mutationFn: (f: Form) => {
      const generation: Partial<Record<Exclude<Key, 'temperature'>, number | null>> & { temperature?: number } = {};
      const inherit: Key[] = [];
      if (f.length === 'twin') inherit.push('maxTokens');
      else generation.maxTokens = f.length === 'until' ? null : Number(f.maxTokens);
      for (const k of ['temperature', 'topP', 'topK', 'minP', 'repeatPenalty'] as const) {
        if (f[k].trim() === '') inherit.push(k);
        else generation[k] = Number(f[k]);
      }
      return api.chat.setConversationSettings.mutate({ sessionId, generation, inherit });
    },
    onSuccess: (saved) => qc.setQueryData(key, saved),
  });
  const set = (patch: Partial<Form>): void => setForm((f) => (f ? { ...f, ...patch } : f));
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (form) save.mutate(form);
  };
  return (
    <section className="conversation-settings" aria-label="This conversation's settings" onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); onClose(); } }}>
      <h3 className="small">This conversation's settings</h3>
      <p className="muted small">Empty: the twin's setting (Settings → Generation), shown in brackets.</p>
      {own.error && <ErrorNote error={own.error} retry={() => void own.refetch()} />}
      {form && (
        <form className="settings-form" aria-label="This conversation's settings" onSubmit={submit}>
          <fieldset>
            <legend>Reply length</legend>
            <label><input type="radio" name="conversation-length" checked={form.length === 'twin'} onChange={() => set({ length: 'twin' })} autoFocus /> The twin's ({twin ? (twin.maxTokens === null ? 'until the model stops' : `${twin.maxTokens} tokens`) : '…'})</label>
            <label><input type="radio" name="conversation-length" checked={form.length === 'limit'} onChange={() => set({ length: 'limit' })} /> At most <input type="number" aria-label="Most tokens in a reply in this conversation" min={16} max={32768} value={form.maxTokens} disabled={form.length !== 'limit'} required={form.length === 'limit'} onChange={(e) => set({ maxTokens: e.target.value })} /> tokens</label>
            <label><input type="radio" name="conversation-length" checked={form.length === 'until'} onChange={() => set({ length: 'until' })} /> Until the model stops</label>
          </fieldset>
          <label>Temperature [{twinsValue(twin?.temperature, '')}] <input type="number" min={0} max={2} step={0.05} value={form.temperature} onChange={(e) => set({ temperature: e.target.value })} /></label>
          {SAMPLERS.map((x) => (
            <label key={x.key}>{x.label} [{twinsValue(twin?.[x.key], "the model's default")}] <input type="number" min={x.min} max={x.max} step={x.step} value={form[x.key]} onChange={(e) => set({ [x.key]: e.target.value })} /></label>
          ))}
          <div>
            <button type="submit" disabled={save.isPending}>Save for this conversation</button> <button type="button" onClick={onClose}>Close</button>
            {save.isSuccess && <span role="status" className="muted small"> Saved: the next reply uses it.</span>}
          </div>
          {save.error && <ErrorNote error={save.error} />}
        </form>
      )}
    </section>
  );
}
