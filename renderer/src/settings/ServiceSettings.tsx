import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { api } from '../trpcClient';
import type { Inputs, Outputs } from '../types';

type Settings = Outputs['settings']['get'];
type InferenceValues = NonNullable<Settings['inference']['values']>;
type Weights = NonNullable<Settings['memory']['episodic']['values']>;
type Pii = NonNullable<Settings['privacy']['values']>;

export const SETTINGS_KEY = ['settings.get'];
export const useSettings = () => useQuery({ queryKey: SETTINGS_KEY, queryFn: () => api.settings.get.query() });

/** Every change restarts a service; the form says so, and shows the core's refusal when it has one. */
export function SaveRow({ pending, saved, error, label }: { pending: boolean; saved: boolean; error: unknown; label: string }) {
  return (
    <div className="save-row">
      <button type="submit" disabled={pending}>{pending ? 'Restarting the service…' : label}</button>
      {saved && !pending && <span role="status" className="muted"> Saved; the service runs with it now.</span>}
      {error ? <ErrorNote error={error} /> : null}
    </div>
  );
}

export function Unavailable({ why, children }: { why: string | null; children: ReactNode }) {
  return why ? <p className="muted" role="status">{why}</p> : <>{children}</>;
}

const numberOrAuto = (raw: string): number | 'auto' => (raw.trim() === '' || raw.trim() === 'auto' ? 'auto' : Number(raw));

/** Threads, context, GPU: what the inference service runs the model with. */
export function InferenceSettingsForm() {
  const qc = useQueryClient();
  const settings = useSettings();
  const [form, setForm] = useState<{ gpu: string; threads: string; contextSize: string; gpuLayers: string; flashAttention: string; kvCacheType: InferenceValues['kvCacheType']; parallelSequences: string } | null>(null);
  const values = settings.data?.inference.values;
  useEffect(() => {
    if (values && !form) {
      setForm({ gpu: String(values.gpu), threads: String(values.threads), contextSize: String(values.contextSize), gpuLayers: String(values.gpuLayers), flashAttention: String(values.flashAttention), kvCacheType: values.kvCacheType, parallelSequences: String(values.parallelSequences) });
    }
  }, [values, form]);
  const save = useMutation({
    mutationFn: (input: Inputs['settings']['setInference']) => api.settings.setInference.mutate(input),
    onSettled: () => void qc.invalidateQueries({ queryKey: SETTINGS_KEY }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['models.status'] }),
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!form) return;
    save.mutate({
      gpu: form.gpu === 'false' ? false : (form.gpu as 'auto' | 'cuda' | 'vulkan' | 'metal'),
      threads: Number(form.threads),
      contextSize: numberOrAuto(form.contextSize),
      gpuLayers: numberOrAuto(form.gpuLayers),
      flashAttention: form.flashAttention === 'auto' ? 'auto' : form.flashAttention === 'true',
      kvCacheType: form.kvCacheType,
      parallelSequences: numberOrAuto(form.parallelSequences),
    });
  };
  const set = (k: keyof NonNullable<typeof form>) => (v: string): void => setForm((f) => (f ? { ...f, [k]: v } : f));
  return (
    <section aria-labelledby="inference-h">
      <h3 id="inference-h">Inference</h3>
      {settings.error && <ErrorNote error={settings.error} retry={() => void settings.refetch()} />}
      <Unavailable why={settings.data?.inference.unavailable ?? null}>
        {form && (
          <form className="settings-form" onSubmit={submit} aria-label="Inference settings">
            <p className="muted">Saving restarts the inference service; the loaded model is loaded again with the new settings.</p>
            <label>GPU
              <select value={form.gpu} onChange={(e) => set('gpu')(e.target.value)}>
                <option value="auto">auto (best backend this machine has)</option>
                <option value="cuda">CUDA</option>
                <option value="vulkan">Vulkan</option>
                <option value="metal">Metal</option>
                <option value="false">none (CPU only)</option>
              </select>
            </label>
            <label>CPU threads <input type="number" min={1} max={256} required value={form.threads} onChange={(e) => set('threads')(e.target.value)} /></label>
            <label>Context size, tokens ("auto" fits what memory allows) <input value={form.contextSize} onChange={(e) => set('contextSize')(e.target.value)} pattern="auto|[0-9]+" /></label>
            <label>Layers on the GPU ("auto" or a number) <input value={form.gpuLayers} onChange={(e) => set('gpuLayers')(e.target.value)} pattern="auto|[0-9]+" /></label>
            <label>Flash attention
              <select value={form.flashAttention} onChange={(e) => set('flashAttention')(e.target.value)}>
                <option value="auto">auto</option><option value="true">on</option><option value="false">off</option>
              </select>
            </label>
            <label>KV cache (quantized uses less memory for long contexts)
              <select value={form.kvCacheType} onChange={(e) => set('kvCacheType')(e.target.value)}>
                <option value="F16">F16 (best quality)</option><option value="Q8_0">Q8_0</option><option value="Q4_0">Q4_0 (least memory)</option>
              </select>
            </label>
            <label>Replies written at once ("auto" is 2; each needs its own context memory; more wait in line)
              <input value={form.parallelSequences} onChange={(e) => set('parallelSequences')(e.target.value)} pattern="auto|[1-8]" />
            </label>
            <SaveRow pending={save.isPending} saved={save.isSuccess} error={save.error} label="Save inference settings" />
          </form>
        )}
      </Unavailable>
    </section>
  );
}

const WEIGHT_LABELS: Record<keyof Weights, string> = {
  bm25: 'Words in common (BM25)',
  vector: 'Meaning (embeddings)',
  recency: 'Recency',
  importance: 'Importance',
  salience: 'Emotional salience',
};

function WeightsForm({ tier, values }: { tier: 'episodic' | 'semantic'; values: Weights }) {
  const qc = useQueryClient();
  const [weights, setWeights] = useState<Weights>(values);
  useEffect(() => setWeights(values), [values]);
  const save = useMutation({
    mutationFn: (w: Weights | null) => api.settings.setMemoryWeights.mutate({ tier, weights: w }),
    onSettled: () => void qc.invalidateQueries({ queryKey: SETTINGS_KEY }),
  });
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return (
    <form className="settings-form" aria-label={`${tier} memory weights`} onSubmit={(e) => { e.preventDefault(); save.mutate(weights); }}>
      <fieldset>
        <legend>{tier === 'episodic' ? 'Conversations and events (episodic)' : 'Facts and documents (semantic)'}</legend>
        {(Object.keys(WEIGHT_LABELS) as Array<keyof Weights>).map((k) => (
          <label key={k}>
            {WEIGHT_LABELS[k]}
            <input type="range" min={0} max={1} step={0.01} value={weights[k]} onChange={(e) => setWeights((w) => ({ ...w, [k]: Number(e.target.value) }))} />
            <output>{total > 0 ? `${Math.round((weights[k] / total) * 100)}%` : '—'}</output>
          </label>
        ))}
      </fieldset>
      <SaveRow pending={save.isPending} saved={save.isSuccess} error={save.error} label={`Save ${tier} weights`} />
      <button type="button" onClick={() => save.mutate(null)} disabled={save.isPending}>Reset {tier} weights to defaults</button>
    </form>
  );
}

/** How much each signal counts when the twin looks for memories (the parts of every score in the "why" panel). */
export function MemoryWeightsSettings() {
  const settings = useSettings();
  const m = settings.data?.memory;
  return (
    <section aria-labelledby="weights-h">
      <h3 id="weights-h">Memory retrieval</h3>
      <p className="muted">How much each signal counts when the twin recalls memories; the shares are relative.</p>
      {settings.error && <ErrorNote error={settings.error} retry={() => void settings.refetch()} />}
      {m && (['episodic', 'semantic'] as const).map((tier) => (
        <Unavailable key={tier} why={m[tier].unavailable}>
          {m[tier].values && <WeightsForm tier={tier} values={m[tier].values} />}
        </Unavailable>
      ))}
    </section>
  );
}

const PII_LABELS: Record<keyof Pii, string> = { email: 'Email addresses', phone: 'Phone numbers', card: 'Payment card numbers', secret: 'API keys, tokens and private keys' };

/** What happens to personal data in messages before it is stored or sent to a model. */
export function PrivacySettings() {
  const qc = useQueryClient();
  const settings = useSettings();
  const [pii, setPii] = useState<Pii | null>(null);
  const values = settings.data?.privacy.values;
  useEffect(() => {
    if (values) setPii(values);
  }, [values]);
  const save = useMutation({
    mutationFn: (p: Pii) => api.settings.setPrivacy.mutate({ pii: p }),
    onSettled: () => void qc.invalidateQueries({ queryKey: SETTINGS_KEY }),
  });
  return (
    <section aria-labelledby="privacy-h">
      <h3 id="privacy-h">Privacy</h3>
      {settings.error && <ErrorNote error={settings.error} retry={() => void settings.refetch()} />}
      <Unavailable why={settings.data?.privacy.unavailable ?? null}>
        {pii && (
          <form className="settings-form" aria-label="Personal data" onSubmit={(e) => { e.preventDefault(); save.mutate(pii); }}>
            <p className="muted">Redacted data is replaced by a placeholder before the message is stored in memory or shown to a model. It applies to new messages.</p>
            {(Object.keys(PII_LABELS) as Array<keyof Pii>).map((k) => (
              <fieldset key={k}>
                <legend>{PII_LABELS[k]}</legend>
                {(['keep', 'redact'] as const).map((action) => (
                  <label key={action}><input type="radio" name={`pii-${k}`} value={action} checked={pii[k] === action} onChange={() => setPii({ ...pii, [k]: action })} /> {action}</label>
                ))}
              </fieldset>
            ))}
            <SaveRow pending={save.isPending} saved={save.isSuccess} error={save.error} label="Save privacy settings" />
          </form>
        )}
      </Unavailable>
    </section>
  );
}
