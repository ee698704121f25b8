import { create } from 'zustand';

export const PAGES = [['chat', 'Chat'], ['memory', 'Memory'], ['emotion', 'Emotion'], ['models', 'Models'], ['status', 'System'], ['settings', 'Settings']] as const;
export type Page = (typeof PAGES)[number][0];

/** Which page is shown; pages link to each other through it (a mood change opens its conversation). */
export const useNavStore = create<{ page: Page; go(page: Page): void }>((set) => ({ page: 'chat', go: (page) => set({ page }) }));
