import { useChatStore } from './chatStore';
import { formatAddress, parseAddress } from './address';
import { useNavStore } from './navStore';

/** Follows the address both ways; returns what stops following. */
export function followAddressBar(): () => void {
  let applying = false;
  const apply = (): void => {
    const where = parseAddress(location.hash);
    if (!where) return;
    applying = true;
    try {
      if (useNavStore.getState().page !== where.page) useNavStore.getState().go(where.page);
      const chat = useChatStore.getState();
      if (where.page === 'chat' && where.sessionId !== chat.sessionId) {
        if (where.sessionId) void chat.openSession(where.sessionId).catch(() => chat.newSession());
        else chat.newSession();
      }
    } finally {
      applying = false;
    }
  };
  const write = (): void => {
    if (applying) return;
    const next = formatAddress(useNavStore.getState().page, useChatStore.getState().sessionId);
    if (next === location.hash) return;
    // a new page is a step back can undo; a conversation getting its id as it starts is not, nor the
    // first address (none yet, or the token's, which trpcClient took out)
    const current = parseAddress(location.hash);
    if (!current || current.page === useNavStore.getState().page) history.replaceState(null, '', next);
    else history.pushState(null, '', next);
  };
  apply();
  write();
  window.addEventListener('popstate', apply);
  const stopNav = useNavStore.subscribe(write);
  const stopChat = useChatStore.subscribe((s, prev) => {
    if (s.sessionId !== prev.sessionId) write();
  });
  return () => {
    window.removeEventListener('popstate', apply);
    stopNav();
    stopChat();
  };
}
