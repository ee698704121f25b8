import { PAGES, type Page } from './navStore';

/**
 * The address holds the page and the open conversation (`#/chat/<sessionId>`, `#/memory`), so
 * back, forward and reload land where the user was. The access token is taken from the first
 * address before this runs (trpcClient.ts) and never written back.
 */
const isPage = (s: string): s is Page => PAGES.some(([id]) => id === s);

export function parseAddress(hash: string): { page: Page; sessionId: string | null } | null {
  const m = /^#\/([a-z]+)(?:\/([^/?#]{1,200}))?$/.exec(hash);
  if (!m || !isPage(m[1] as string)) return null;
  let sessionId: string | null;
  try {
    sessionId = m[1] === 'chat' && m[2] ? decodeURIComponent(m[2]) : null;
  } catch {
    sessionId = null; // a hand-edited address that does not decode opens a new chat
  }
  return { page: m[1] as Page, sessionId };
}

export function formatAddress(page: Page, sessionId: string | null): string {
  return page === 'chat' && sessionId ? `#/chat/${encodeURIComponent(sessionId)}` : `#/${page}`;
}

