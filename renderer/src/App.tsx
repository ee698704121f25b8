import { useQuery } from '@tanstack/react-query';
import { OnboardingPage } from './pages/OnboardingPage';
import { OpenedBundleDialog } from './settings/BundlePanel';
import { ChatPage } from './pages/ChatPage';
import { EmotionPage } from './pages/EmotionPage';
import { MemoryPage } from './pages/MemoryPage';
import { ModelsPage } from './pages/ModelsPage';
import { SettingsPage } from './pages/SettingsPage';
import { StatusPage } from './pages/StatusPage';
import { PAGES, useNavStore } from './navStore';
import { api, hasCredentials } from './trpcClient';


export function App() {
  const { page, go: setPage } = useNavStore();
  const signedIn = hasCredentials();
  const twin = useQuery({ queryKey: ['twin.get'], queryFn: () => api.twin.get.query(), enabled: signedIn });
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
      <nav aria-label="Main">
        <h1>PAGI Twin</h1>
        {PAGES.map(([id, label]) => (
          <button key={id} type="button" aria-current={page === id ? 'page' : undefined} onClick={() => setPage(id)}>{label}</button>
        ))}
      </nav>
      <main>
        {page === 'chat' && (firstRun ? <OnboardingPage onDone={() => void twin.refetch()} /> : <ChatPage />)}
        {page === 'memory' && <MemoryPage />}
        {page === 'emotion' && <EmotionPage />}
        {page === 'models' && <ModelsPage />}
        {page === 'status' && <StatusPage />}
        {page === 'settings' && <SettingsPage />}
      </main>
      <OpenedBundleDialog />
    </div>
  );
}
