import { useState } from 'react';
import { ChatPage } from './pages/ChatPage';
import { StatusPage } from './pages/StatusPage';
import { hasCredentials } from './trpcClient';

type Page = 'chat' | 'status';

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
        <button type="button" aria-current={page === 'chat' ? 'page' : undefined} onClick={() => setPage('chat')}>Chat</button>
        <button type="button" aria-current={page === 'status' ? 'page' : undefined} onClick={() => setPage('status')}>System</button>
      </nav>
      <main>{page === 'chat' ? <ChatPage /> : <StatusPage />}</main>
    </div>
  );
}
