import { useQuery } from '@tanstack/react-query';
import { OnboardingPage } from './pages/OnboardingPage';
import { OpenedBundleDialog } from './settings/BundlePanel';
import { ChatPage } from './pages/ChatPage';
import { EmotionPage } from './pages/EmotionPage';
import { MemoryPage } from './pages/MemoryPage';
import { ModelsPage } from './pages/ModelsPage';
import { SettingsPage } from './pages/SettingsPage';
import { StatusPage } from './pages/StatusPage';
import { PageBoundary } from './components/PageBoundary';
import { ServicesBadge } from './components/ServicesBadge';
import { ServicesDown } from './components/ServicesDown';
import { useWatch } from './hooks/useWatch';
import { PAGES, useNavStore, type Page } from './navStore';
import { api, hasCredentials } from './trpcClient';

/** What each page shows comes from these services: when one has stopped for good, the page says so first. */
const PAGE_NEEDS: Record<Page, { services: readonly string[]; lead: string }> = {
  chat: { services: ['executive', 'inference', 'perception', 'memory.episodic'], lead: 'The twin cannot reply right now' },
  memory: { services: ['memory.working', 'memory.episodic', 'memory.semantic'], lead: 'Part of your twin\'s memory cannot be shown' },
  emotion: { services: ['emotion'], lead: 'The mood cannot be shown' },
  models: { services: ['inference'], lead: 'Models cannot be loaded or changed' },
  status: { services: [], lead: '' },
  settings: { services: ['identity', 'inference', 'memory.episodic', 'memory.semantic', 'perception'], lead: 'Some settings cannot be shown or changed' },
};

/** Focuses the message box once the chat page has rendered it (a frame or a few after switching to it). */
function focusComposer(framesLeft = 30): void {
  const box = document.getElementById('composer-input');
  if (box) box.focus();
  else if (framesLeft > 0) requestAnimationFrame(() => focusComposer(framesLeft - 1));
}

export function App() {
  const { page, go: setPage } = useNavStore();
  const signedIn = hasCredentials();
  const twin = useQuery({ queryKey: ['twin.get'], queryFn: () => api.twin.get.query(), enabled: signedIn });
  // the app's one stream of changes: every view below is fetched again when it says so, never on a timer
  useWatch(signedIn);
  // a twin never updated since it was created has not been set up: the first run starts there
  const firstRun = twin.data !== undefined && twin.data.updatedAt === twin.data.createdAt;
  if (!signedIn) {
    return (
      <main className="app">
        <p role="alert" className="error">This page needs the link that <code>pagi serve</code> printed (it carries the access token).</p>
      </main>
    );
  }
  return (
    <div className="app">
      {/* the first stop for the keyboard: straight to the message box (on the chat page) */}
      <a className="skip-link" href="#composer-input" onClick={(e) => {
        e.preventDefault();
        setPage('chat');
        focusComposer();
      }}>Skip to the message box</a>
      <nav aria-label="Main">
        <h1>PAGI Twin</h1>
        {PAGES.map(([id, label]) => (
          <button key={id} type="button" aria-current={page === id ? 'page' : undefined} onClick={() => setPage(id)}>{label}</button>
        ))}
        <ServicesBadge />
      </nav>
      <main>
        <ServicesDown services={PAGE_NEEDS[page].services} lead={PAGE_NEEDS[page].lead} />
        <PageBoundary key={page} name={PAGES.find(([id]) => id === page)?.[1] ?? page}>
          {/* until the twin is known, neither: the chat must not flash before the first-run setup replaces it */}
          {page === 'chat' && (twin.isPending ? <p role="status" className="muted">Loading…</p> : firstRun ? <OnboardingPage onDone={() => void twin.refetch()} /> : <ChatPage />)}
          {page === 'memory' && <MemoryPage />}
          {page === 'emotion' && <EmotionPage />}
          {page === 'models' && <ModelsPage />}
          {page === 'status' && <StatusPage />}
          {page === 'settings' && <SettingsPage />}
        </PageBoundary>
      </main>
      <OpenedBundleDialog />
    </div>
  );
}
