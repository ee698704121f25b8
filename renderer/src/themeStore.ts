import { create } from 'zustand';

export type Theme = 'system' | 'light' | 'dark';
const KEY = 'pagi.theme';

const apply = (theme: Theme): void => {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
};

/** A display preference of this window (not the twin's data): kept in the browser's storage. */
export const useThemeStore = create<{ theme: Theme; setTheme(t: Theme): void }>((set) => {
  const saved = (localStorage.getItem(KEY) as Theme | null) ?? 'system';
  apply(saved);
  return {
    theme: saved,
    setTheme(theme) {
      localStorage.setItem(KEY, theme);
      apply(theme);
      set({ theme });
    },
  };
});
