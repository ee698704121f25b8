import { useState } from 'react';
import { useTabKeys } from '../components/tabKeys';
import { BundlePanel } from '../settings/BundlePanel';
import { PersonaSettings } from '../settings/PersonaSettings';
import { GenerationSettingsForm } from '../settings/GenerationSettings';
import { InferenceSettingsForm, MemoryWeightsSettings, PrivacySettings } from '../settings/ServiceSettings';
import { TwinsList } from '../settings/TwinsList';
import { useThemeStore, type Theme } from '../themeStore';

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
  const index = SECTIONS.findIndex(([id]) => id === current);
  const { onKeyDown, tabProps } = useTabKeys(SECTIONS.map(([id]) => id), current, setCurrent);
  const Section = SECTIONS[index]?.[2] ?? PersonaSettings;
  return (
    <section className="settings" aria-label="Settings">
      <h2>Settings</h2>
      <div className="settings-layout">
        <div role="tablist" aria-label="Settings sections" aria-orientation="vertical" className="settings-tabs" onKeyDown={onKeyDown}>
          {SECTIONS.map(([id, label], i) => (
            <button key={id} type="button" {...tabProps(id, i)} id={`settings-tab-${id}`} aria-controls={`settings-panel-${id}`} onClick={() => setCurrent(id)}>{label}</button>
          ))}
        </div>
        <div role="tabpanel" id={`settings-panel-${current}`} aria-labelledby={`settings-tab-${current}`} className="settings-panel" tabIndex={0}>
          <Section />
        </div>
      </div>
    </section>
  );
}
