import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { FilePicker, type PickedFile } from '../components/FilePicker';
import { api } from '../trpcClient';
import { modelDisplayName } from '../modelName';

const TEMPERAMENTS = {
  warm: { label: 'Warm and upbeat', baseline: { pleasure: 0.4, arousal: 0.1, dominance: 0.1 } },
  calm: { label: 'Calm and steady', baseline: { pleasure: 0.2, arousal: -0.3, dominance: 0.1 } },
  serious: { label: 'Serious and focused', baseline: { pleasure: 0, arousal: 0, dominance: 0.3 } },
} as const;
type Temperament = keyof typeof TEMPERAMENTS;

/**
 * First run: who the twin is, and which model it thinks with (with the fit estimate and the backend
 * the doctor chose). A twin that was never updated since it was created has not been through this.
 */
export function OnboardingPage({ onDone }: { onDone: () => void }) {
  const qc = useQueryClient();
  const twin = useQuery({ queryKey: ['twin.get'], queryFn: () => api.twin.get.query() });
  const models = useQuery({ queryKey: ['models.list'], queryFn: () => api.models.list.query() });
  const doctor = useQuery({ queryKey: ['system.doctor'], queryFn: () => api.system.doctor.query({ probe: false }), staleTime: 60_000 });
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [traits, setTraits] = useState('curious, warm, concise');
  const [temperament, setTemperament] = useState<Temperament>('warm');
  const [modelId, setModelId] = useState<string>('');
  const [modelFile, setModelFile] = useState<PickedFile | null>(null);
  const fit = useQuery({ queryKey: ['models.fit', modelId], queryFn: () => api.models.fit.query({ id: modelId }), enabled: modelId !== '' });
  const importModel = useMutation({ mutationFn: (picked: PickedFile) => api.models.import.mutate(typeof picked.file === 'string' ? { path: picked.file } : picked.file), onSuccess: (m) => { setModelId(m.id); setModelFile(null); void qc.invalidateQueries({ queryKey: ['models.list'] }); } });
  const finish = useMutation({
    mutationFn: async () => {
      await api.twin.update.mutate({
        name: name.trim() || twin.data?.name || 'Twin',
        persona: { ...(description.trim() ? { description: description.trim() } : {}), traits: traits.split(',').map((t) => t.trim()).filter(Boolean), baseline: TEMPERAMENTS[temperament].baseline },
      });
      if (modelId) await api.models.load.mutate({ id: modelId });
    },
    onSuccess: () => {
      void qc.invalidateQueries();
      onDone();
    },
  });

  return (
    <section className="onboarding" aria-label="Set up your twin">
      <h2>Set up your twin</h2>
      <form className="settings-form" onSubmit={(e) => { e.preventDefault(); finish.mutate(); }}>
        <fieldset>
          <legend>Who is it?</legend>
          <label>Name <input value={name} onChange={(e) => setName(e.target.value)} placeholder={twin.data?.name ?? 'Twin'} maxLength={120} /></label>
          <label>Describe its persona <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} placeholder={twin.data?.persona.description} maxLength={8000} /></label>
          <label>Traits (comma-separated) <input value={traits} onChange={(e) => setTraits(e.target.value)} /></label>
          <label>Temperament (its baseline mood)
            <select value={temperament} onChange={(e) => setTemperament(e.target.value as Temperament)}>
              {Object.entries(TEMPERAMENTS).map(([id, t]) => <option key={id} value={id}>{t.label}</option>)}
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>Which model does it think with?</legend>
          {doctor.data && <p className="small">This computer runs models on <strong>{doctor.data.chosen.backend}</strong>: {doctor.data.chosen.reason}</p>}
          {models.data && models.data.length > 0 && (
            <label>Installed models
              <select value={modelId} onChange={(e) => setModelId(e.target.value)}>
                <option value="">Choose later</option>
                {models.data.map((m) => <option key={m.id} value={m.id}>{modelDisplayName({ name: m.metadata.name ?? null, architecture: m.metadata.architecture ?? null, fileName: m.fileName })}</option>)}
              </select>
            </label>
          )}
          <FilePicker kind="model" label="Or import a .gguf file" value={modelFile} onChange={setModelFile} disabled={importModel.isPending} />
          <div className="save-row"><button type="button" disabled={!modelFile || importModel.isPending} onClick={() => modelFile && importModel.mutate(modelFile)}>Import</button></div>
          {importModel.error && <ErrorNote error={importModel.error} />}
          {fit.data && <p className={`fit fit-${fit.data.verdict.replace(/\W/g, '')}`} role="status">{fit.data.verdict}: {fit.data.explanation}</p>}
          {fit.error && <ErrorNote error={fit.error} />}
          <p className="muted small">The Models page has a catalog of models to download, with what fits this computer.</p>
        </fieldset>
        <div className="actions">
          <button type="submit" disabled={finish.isPending}>{finish.isPending ? 'Setting up…' : 'Start'}</button>
          <button type="button" onClick={() => finish.mutate()} disabled={finish.isPending}>Skip: keep the defaults</button>
        </div>
        {finish.error && <ErrorNote error={finish.error} />}
      </form>
    </section>
  );
}
