import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { BundlePanel } from '../settings/BundlePanel';
import { GenerationSettingsForm } from '../settings/GenerationSettings';
import { InferenceSettingsForm, MemoryWeightsSettings, PrivacySettings } from '../settings/ServiceSettings';
import { TwinsList } from '../settings/TwinsList';
import { useThemeStore, type Theme } from '../themeStore';
import { api } from '../trpcClient';

interface PersonaForm { name: string; description: string; traits: string; speakingStyle: string; pleasure: number; arousal: number; dominance: number; halfLife: number }

/** The twin's name, who it is, how it speaks, and the mood it drifts back to (its identity service). */
function PersonaSettings() {
  const qc = useQueryClient();
  const twin = useQuery({ queryKey: ['twin.get'], queryFn: () => api.twin.get.query() });
  const [form, setForm] = useState<PersonaForm | null>(null);
  useEffect(() => {
    if (twin.data && !form) {
      const p = twin.data.persona;
      setForm({ name: twin.data.name, description: p.description, traits: p.traits.join(', '), speakingStyle: p.speakingStyle, pleasure: p.baseline.pleasure, arousal: p.baseline.arousal, dominance: p.baseline.dominance, halfLife: p.moodHalfLifeMinutes });
    }
  }, [twin.data, form]);
  const save = useMutation({
    mutationFn: (f: PersonaForm) => api.twin.update.mutate({
      name: f.name,
      persona: { description: f.description, traits: f.traits.split(',').map((t) => t.trim()).filter(Boolean), speakingStyle: f.speakingStyle, baseline: { pleasure: f.pleasure, arousal: f.arousal, dominance: f.dominance }, moodHalfLifeMinutes: f.halfLife },
    }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['twin.get'] }),
  });
  const field = <K extends keyof PersonaForm>(key: K) => (value: PersonaForm[K]): void => setForm((f) => (f ? { ...f, [key]: value } : f));

  return (
    <>
      <h3>Persona</h3>
      {twin.error && <ErrorNote error={twin.error} retry={() => void twin.refetch()} />}
      {form && (
        <form className="settings-form" onSubmit={(e) => { e.preventDefault(); save.mutate(form); }}>
          <label>Name <input value={form.name} onChange={(e) => field('name')(e.target.value)} required maxLength={120} /></label>
          <label>Who the twin is <textarea value={form.description} onChange={(e) => field('description')(e.target.value)} rows={4} maxLength={8000} /></label>
          <label>Traits (comma-separated) <input value={form.traits} onChange={(e) => field('traits')(e.target.value)} /></label>
          <label>Speaking style <textarea value={form.speakingStyle} onChange={(e) => field('speakingStyle')(e.target.value)} rows={2} maxLength={2000} /></label>
          <fieldset>
            <legend>Baseline mood (where the mood drifts back to)</legend>
            {(['pleasure', 'arousal', 'dominance'] as const).map((k) => (
              <label key={k}>{k} <input type="range" min={-1} max={1} step={0.05} value={form[k]} onChange={(e) => field(k)(Number(e.target.value))} /> <output>{form[k].toFixed(2)}</output></label>
            ))}
            <label>Half-life of mood changes, minutes <input type="number" min={1} max={43200} value={form.halfLife} onChange={(e) => field('halfLife')(Number(e.target.value))} /></label>
          </fieldset>
          <button type="submit" disabled={save.isPending}>Save persona</button>
          {save.isSuccess && <span role="status" className="muted"> Saved.</span>}
          {save.error && <ErrorNote error={save.error} />}
        </form>
      )}
    </>
  );
}

function AppearanceSettings() {
  const { theme, setTheme } = useThemeStore();
  return (
    <>
      <h3>Appearance</h3>
      <fieldset className="theme">
        <legend>Theme</legend>
        {(['system', 'light', 'dark'] as Theme[]).map((t) => (
          <label key={t}><input type="radio" name="theme" value={t} checked={theme === t} onChange={() => setTheme(t)} /> {t}</label>
        ))}
      </fieldset>
    </>
  );
}

const SECTIONS = [
  ['persona', 'Persona', PersonaSettings],
  ['generation', 'Generation', GenerationSettingsForm],
  ['model', 'Model and hardware', InferenceSettingsForm],
  ['memory', 'Memory', MemoryWeightsSettings],
  ['privacy', 'Privacy', PrivacySettings],
  ['twins', 'Twins', TwinsList],
  ['transfer', 'Import and export', BundlePanel],
  ['appearance', 'Appearance', AppearanceSettings],
] as const;
type SectionId = (typeof SECTIONS)[number][0];

/** Settings in sections, each with its own tab (arrow keys move between them, as in any tab list). */
export function SettingsPage() {
  const [current, setCurrent] = useState<SectionId>('persona');
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const index = SECTIONS.findIndex(([id]) => id === current);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const last = SECTIONS.length - 1;
    const next = { ArrowDown: index + 1, ArrowRight: index + 1, ArrowUp: index - 1, ArrowLeft: index - 1, Home: 0, End: last }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const to = (next + SECTIONS.length) % SECTIONS.length;
    setCurrent(SECTIONS[to]?.[0] as SectionId);
    tabs.current[to]?.focus();
  };
  const Section = SECTIONS[index]?.[2] ?? PersonaSettings;
  return (
    <section className="settings" aria-label="Settings">
      <h2>Settings</h2>
      <div className="settings-layout">
        <div role="tablist" aria-label="Settings sections" aria-orientation="vertical" className="settings-tabs" onKeyDown={onKeyDown}>
          {SECTIONS.map(([id, label], i) => (
            <button key={id} type="button" role="tab" id={`settings-tab-${id}`} aria-selected={id === current} aria-controls={`settings-panel-${id}`} tabIndex={id === current ? 0 : -1}
              ref={(el) => { tabs.current[i] = el; }} onClick={() => setCurrent(id)}>{label}</button>
          ))}
        </div>
        <div role="tabpanel" id={`settings-panel-${current}`} aria-labelledby={`settings-tab-${current}`} className="settings-panel" tabIndex={0}>
          <Section />
        </div>
      </div>
    </section>
  );
}
