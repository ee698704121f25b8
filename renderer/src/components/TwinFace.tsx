import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useChatStore } from '../chatStore';
import { api } from '../trpcClient';

// dark enough for white initials at WCAG AA (≥ 4.5:1) in both themes
const COLOURS = ['#1e5aa8', '#0f766e', '#15803d', '#b45309', '#be123c', '#6d28d9', '#4338ca', '#9d174d'];

/** The same name always gets the same colour. */
function colourOf(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return COLOURS[h % COLOURS.length] as string;
}

export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]].map((w) => [...(w as string)][0]) : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}

/** The twin's picture: the one chosen for it (or its card's), else its initials on its own colour. */
export function Avatar({ name, image = null, size = 32 }: { name: string; image?: string | null; size?: number }) {
  if (image) return <img className="avatar" src={image} alt="" aria-hidden="true" width={size} height={size} />;
  return (
    <span className="avatar" aria-hidden="true" style={{ background: colourOf(name), width: size, height: size, fontSize: size * 0.4 }}>
      {initialsOf(name)}
    </span>
  );
}

export const AVATAR_KEY = ['twin.avatar'];

/** The twin's picture as a `data:` URL, or null (its initials are drawn). */
export const useTwinAvatar = (): string | null => {
  const avatar = useQuery({ queryKey: AVATAR_KEY, queryFn: () => api.twin.avatar.query(), staleTime: Infinity });
  return avatar.data?.image ?? null;
};

export const useTwinName = (): string => {
  const twin = useQuery({ queryKey: ['twin.get'], queryFn: () => api.twin.get.query() });
  return twin.data?.name ?? 'Twin';
};

/** The chat's header: who you talk to and how they feel now, updated when a reply ends. */
export function TwinHeader() {
  const qc = useQueryClient();
  const name = useTwinName();
  const image = useTwinAvatar();
  const streaming = useChatStore((s) => s.streaming);
  const mood = useQuery({ queryKey: ['emotion.current'], queryFn: () => api.emotion.current.query() });
  useEffect(() => {
    if (!streaming) void qc.invalidateQueries({ queryKey: ['emotion.current'] });
  }, [streaming, qc]);
  return (
    <header className="twin-header">
      <Avatar name={name} image={image} size={40} />
      <div>
        <h2 className="twin-name">{name}</h2>
        <p className="muted small" aria-live="polite">{mood.data ? <>Feeling <strong data-testid="twin-mood">{mood.data.label}</strong></> : mood.error ? 'Mood unknown right now' : ' '}</p>
      </div>
    </header>
  );
}
