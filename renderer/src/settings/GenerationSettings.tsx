import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../trpcClient';
import type { Outputs } from '../types';
import { SaveRow, SETTINGS_KEY, Unavailable, useSettings } from './ServiceSettings';

type Generation = NonNullable<Outputs['settings']['get']['generation']['values']>;
type Field = 'topP' | 'topK' | 'minP' | 'repeatPenalty';
interface Form { untilStop: boolean; maxTokens: string; temperature: string; topP: string; topK: string; minP: string; repeatPenalty: string }

export const SAMPLERS: Array<{ key: Field; label: string; hint: string; step: string; min: string; max: string }> = [
  { key: 'topP', label: 'Top-p', hint: 'keep the likeliest words up to this share (0–1)', step: '0.01', min: '0.01', max: '1' },
  { key: 'topK', label: 'Top-k', hint: 'choose among this many likeliest words (0 turns it off)', step: '1', min: '0', max: '1000' },
  { key: 'minP', label: 'Min-p', hint: 'drop words less likely than this share of the likeliest (0–1)', step: '0.01', min: '0', max: '1' },
  { key: 'repeatPenalty', label: 'Repeat penalty', hint: 'discourage repeating itself (1 is none, up to 2)', step: '0.01', min: '1', max: '2' },
];

const formOf = (v: Generation): Form => ({
  untilStop: v.maxTokens === null, maxTokens: String(v.maxTokens ?? 1024), temperature: String(v.temperature),
  topP: v.topP === null ? '' : String(v.topP), topK: v.topK === null ? '' : String(v.topK), minP: v.minP === null ? '' : String(v.minP), repeatPenalty: v.repeatPenalty === null ? '' : String(v.repeatPenalty),
});
const numberOrNull = (raw: string): number | null => (raw.trim() === '' ? null : Number(raw));

/** How the twin writes its replies: length, temperature and the other samplers (empty = the model's default). */
export function GenerationSettingsForm() {
  const qc = useQueryClient();
  const settings = useSettings();
  const section = settings.data?.generation;
  const [form, setForm] = useState<Form | null>(null);
  useEffect(() => {
    if (section?.values && !form) setForm(formOf(section.values));
  }, [section?.values, form]);
  const save = useMutation({
    mutationFn: (input: { values?: Partial<Generation>; reset?: boolean }) => api.settings.setGeneration.mutate(input),
    // saved: shown again as the service now runs it; refused: what the user typed stays to be mended
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: SETTINGS_KEY });
      setForm(null);
    },
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!form) return;
    save.mutate({
      values: {
        maxTokens: form.untilStop ? null : Number(form.maxTokens), temperature: Number(form.temperature),
        topP: numberOrNull(form.topP), topK: numberOrNull(form.topK), minP: numberOrNull(form.minP), repeatPenalty: numberOrNull(form.repeatPenalty),
      },
    });
  };
  const set = (patch: Partial<Form>): void => setForm((f) => (f ? { ...f, ...patch } : f));
  return (
    <section aria-labelledby="generation-h">
      <h3 id="generation-h">Generation</h3>
      <Unavailable why={section?.unavailable ?? null}>
        {form && (
          <form className="settings-form" aria-label="Generation" onSubmit={submit}>
            <fieldset>
              <legend>Reply length</legend>
              <label><input type="radio" name="reply-length" checked={!form.untilStop} onChange={() => set({ untilStop: false })} /> At most <input type="number" aria-label="Most tokens in a reply" min={16} max={32768} step={1} value={form.maxTokens} disabled={form.untilStop} required={!form.untilStop} onChange={(e) => set({ maxTokens: e.target.value })} /> tokens</label>
              <label><input type="radio" name="reply-length" checked={form.untilStop} onChange={() => set({ untilStop: true })} /> Until the model stops</label>
            </fieldset>
            <label>Temperature (0 is the most predictable, 2 the most varied) <input type="number" min={0} max={2} step={0.05} value={form.temperature} onChange={(e) => set({ temperature: e.target.value })} required /></label>
            {SAMPLERS.map((x) => (
              <label key={x.key}>{x.label}: {x.hint} <input type="number" min={x.min} max={x.max} step={x.step} value={form[x.key]} placeholder="the model's default" onChange={(e) => set({ [x.key]: e.target.value })} /></label>
            ))}
            <SaveRow pending={save.isPending} saved={save.isSuccess} error={save.error} label="Save generation settings" />
            <button type="button" className="small-button" onClick={() => save.mutate({ reset: true })} disabled={save.isPending}>Back to the defaults</button>
          </form>
        )}
      </Unavailable>
    </section>
  );
}
