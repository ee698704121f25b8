import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTabKeys } from '../components/tabKeys';
import { EpisodeTimeline } from '../memory/EpisodeTimeline';
import { FactsPanel } from '../memory/FactsPanel';
import { MemoryDetail } from '../memory/MemoryDetail';
import { MemorySearch } from '../memory/MemorySearch';
import { WorkingPanel } from '../memory/WorkingPanel';
import { api } from '../trpcClient';

const TABS = [['search', 'Search'], ['episodic', 'Episodes'], ['semantic', 'Facts'], ['working', 'Working']] as const;
type Tab = (typeof TABS)[number][0];

export function MemoryPage() {
  const [tab, setTab] = useState<Tab>('search');
  const [open, setOpen] = useState<string | null>(null);
  const { onKeyDown, tabProps } = useTabKeys(TABS.map(([id]) => id), tab, setTab);
  // closing a memory gives focus back to what opened it
  const opener = useRef<HTMLElement | null>(null);
  const openMemory = (id: string): void => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOpen(id);
  };
  const closeMemory = (): void => {
    setOpen(null);
    requestAnimationFrame(() => opener.current?.isConnected && opener.current.focus());
  };
  const stats = useQuery({ queryKey: ['memory.stats'], queryFn: () => api.memory.stats.query() });
  return (
    <div className={open ? 'memory-page has-detail' : 'memory-page'}>
      <section className="memory-main" aria-label="Memory explorer">
        <h2>Memory</h2>
        {stats.data && (
          <p className="muted small">
            {stats.data.episodes} episodes · {stats.data.facts} facts · {stats.data.chunks} document chunks ·{' '}
            {stats.data.embedding.episodic.model ? `embeddings ${stats.data.embedding.episodic.embedded}/${stats.data.embedding.episodic.total} (${stats.data.embedding.episodic.state})` : 'no embedding model yet: search uses keywords, recency and importance'}
            {stats.data.extractions.failed ? ` · ${stats.data.extractions.failed} fact extractions failed` : ''}
          </p>
        )}
        <div role="tablist" aria-label="Memory tiers" className="tabs" onKeyDown={onKeyDown}>
          {TABS.map(([id, label], i) => (
            <button key={id} type="button" {...tabProps(id, i)} id={`tab-${id}`} aria-controls={`panel-${id}`} onClick={() => setTab(id)}>{label}</button>
          ))}
        </div>
        <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
          {tab === 'search' && <MemorySearch onOpen={openMemory} />}
          {tab === 'episodic' && <EpisodeTimeline onOpen={openMemory} />}
          {tab === 'semantic' && <FactsPanel onOpen={openMemory} />}
          {tab === 'working' && <WorkingPanel />}
        </div>
      </section>
      {open && <MemoryDetail key={open} id={open} onClose={closeMemory} />}
    </div>
  );
}
