import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ImagePlus, Plus, Trash2 } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { Avatar, AVATAR_KEY, useTwinAvatar } from '../components/TwinFace';
import { api } from '../trpcClient';

interface PersonaForm { name: string; description: string; traits: string; speakingStyle: string; greetings: string[]; pleasure: number; arousal: number; dominance: number; halfLife: number }

const AVATAR_SIDE = 256;

/**
 * The chosen image as a small square picture (cropped to its middle): what is sent is a few dozen
 * kilobytes whatever the photo was. Throws in the user's words when the file is not an image.
 */
async function squarePicture(file: File): Promise<string> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name} is not an image this app can read; choose a PNG, JPEG, GIF or WebP picture`);
  }
  const side = Math.min(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = AVATAR_SIDE;
  canvas.height = AVATAR_SIDE;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('this window cannot draw pictures right now; try again');
  g.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, AVATAR_SIDE, AVATAR_SIDE);
  bitmap.close();
  const webp = canvas.toDataURL('image/webp', 0.9);
  return webp.startsWith('data:image/webp') ? webp : canvas.toDataURL('image/png');
}

/** The twin's picture: one the user picks (made small here), or its initials. */
function PictureSettings({ name }: { name: string }) {
  const qc = useQueryClient();
  const image = useTwinAvatar();
  const input = useRef<HTMLInputElement>(null);
  const save = useMutation({
    mutationFn: async (file: File | null) => api.twin.setAvatar.mutate({ image: file ? await squarePicture(file) : null }),
    onSuccess: (saved) => qc.setQueryData(AVATAR_KEY, saved),
  });
  return (
    <fieldset className="picture-settings">
      <legend>Picture</legend>
      <Avatar name={name} image={image} size={64} />
      <input ref={input} type="file" accept="image/png,image/jpeg,image/gif,image/webp" className="visually-hidden" tabIndex={-1} aria-hidden="true"
        onChange={(e) => { const f = e.target.files?.[0]; if (f) save.mutate(f); e.target.value = ''; }} />
      <button type="button" onClick={() => input.current?.click()} disabled={save.isPending}><ImagePlus size={16} aria-hidden="true" /> {image ? 'Change picture' : 'Choose a picture'}</button>
      {image && <button type="button" className="small-button" onClick={() => save.mutate(null)} disabled={save.isPending}>Use initials instead</button>}
      {save.isPending && <span role="status" className="muted small"> Saving…</span>}
      {save.error && <ErrorNote error={save.error} />}
    </fieldset>
  );
}

/** How the twin opens a new chat: one greeting is shown, the others a click away. */
function GreetingsField({ greetings, onChange }: { greetings: string[]; onChange: (next: string[]) => void }) {
  return (
    <fieldset>
      <legend>Greetings (how the twin opens a new chat; none: it waits for you)</legend>
      {greetings.map((g, i) => (
        <div key={i} className="greeting-row">
          <label className="grow">Greeting {i + 1} <textarea value={g} rows={2} maxLength={20_000} onChange={(e) => onChange(greetings.map((x, j) => (j === i ? e.target.value : x)))} /></label>
          <button type="button" className="icon-button" aria-label={`Remove greeting ${i + 1}`} title="Remove" onClick={() => onChange(greetings.filter((_, j) => j !== i))}><Trash2 size={16} aria-hidden="true" /></button>
        </div>
      ))}
      {greetings.length < 50 && <button type="button" className="small-button" onClick={() => onChange([...greetings, ''])}><Plus size={14} aria-hidden="true" /> Add a greeting</button>}
    </fieldset>
  );
}

/** The twin's name, picture, who it is, how it speaks and greets, and the mood it drifts back to (its identity service). */
export function PersonaSettings() {
  const qc = useQueryClient();
  const twin = useQuery({ queryKey: ['twin.get'], queryFn: () => api.twin.get.query() });
  const [form, setForm] = useState<PersonaForm | null>(null);
  useEffect(() => {
    if (twin.data && !form) {
      const p = twin.data.persona;
      setForm({ name: twin.data.name, description: p.description, traits: p.traits.join(', '), speakingStyle: p.speakingStyle, greetings: p.greetings, pleasure: p.baseline.pleasure, arousal: p.baseline.arousal, dominance: p.baseline.dominance, halfLife: p.moodHalfLifeMinutes });
    }
  }, [twin.data, form]);
  const save = useMutation({
    mutationFn: (f: PersonaForm) => api.twin.update.mutate({
      name: f.name,
      persona: {
        description: f.description, traits: f.traits.split(',').map((t) => t.trim()).filter(Boolean), speakingStyle: f.speakingStyle,
        greetings: f.greetings.map((g) => g.trim()).filter(Boolean), baseline: { pleasure: f.pleasure, arousal: f.arousal, dominance: f.dominance }, moodHalfLifeMinutes: f.halfLife,
      },
    }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['twin.get'] }),
  });
  const field = <K extends keyof PersonaForm>(key: K) => (value: PersonaForm[K]): void => setForm((f) => (f ? { ...f, [key]: value } : f));

  return (
    <>
      <h3>Persona</h3>
      {twin.error && <ErrorNote error={twin.error} retry={() => void twin.refetch()} />}
      {twin.data && <PictureSettings name={twin.data.name} />}
      {form && (
        <form className="settings-form" onSubmit={(e) => { e.preventDefault(); save.mutate(form); }}>
          <label>Name <input value={form.name} onChange={(e) => field('name')(e.target.value)} required maxLength={120} /></label>
          <label>Who the twin is <textarea value={form.description} onChange={(e) => field('description')(e.target.value)} rows={4} maxLength={8000} /></label>
          <label>Traits (comma-separated) <input value={form.traits} onChange={(e) => field('traits')(e.target.value)} /></label>
          <label>Speaking style <textarea value={form.speakingStyle} onChange={(e) => field('speakingStyle')(e.target.value)} rows={2} maxLength={2000} /></label>
          <GreetingsField greetings={form.greetings} onChange={field('greetings')} />
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
