import { useState } from 'react';
import { ChatPage } from './pages/ChatPage';
import { EmotionPage } from './pages/EmotionPage';
import { MemoryPage } from './pages/MemoryPage';
import { ModelsPage } from './pages/ModelsPage';
import { SettingsPage } from './pages/SettingsPage';
import { StatusPage } from './pages/StatusPage';
import { hasCredentials } from './trpcClient';

const PAGES = [['chat', 'Chat'], ['memory', 'Memory'], ['emotion', 'Emotion'], ['models', 'Models'], ['status', 'System'], ['settings', 'Settings']] as const;
type Page = (typeof PAGES)[number][0];

export function App() {
  const [page, setPage] = useState<Page>('chat');
  if (!hasCredentials()) {
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
        {page === 'chat' && <ChatPage />}
        {page === 'memory' && <MemoryPage />}
        {page === 'emotion' && <EmotionPage />}
        {page === 'models' && <ModelsPage />}
        {page === 'status' && <StatusPage />}
        {page === 'settings' && <SettingsPage />}
      </main>
    </div>
  );
}
