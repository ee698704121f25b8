import { useQuery } from '@tanstack/react-query';
import { TriangleAlert } from 'lucide-react';
import { useNavStore } from '../navStore';
import { api } from '../trpcClient';

/**
 * In the navigation, on every page: how many services are down (failed, or restarting after a
 * crash), as a link to the System page. The status is fetched once and again only when the
 * supervisor tells of a change (useWatch), so it costs nothing while all runs.
 */
export function ServicesBadge() {
  const go = useNavStore((s) => s.go);
  const status = useQuery({ queryKey: ['system.status'], queryFn: () => api.system.status.query() });
  const down = (status.data ?? []).filter((s) => s.state === 'failed' || s.state === 'restarting');
  return (
    // always there, so a screen reader hears the badge appear
    <div aria-live="polite" className="services-badge-slot">
      {down.length > 0 && (
        <a href="#/status" className="services-badge" title={down.map((s) => `${s.id}: ${s.state}`).join('\n')} onClick={(e) => { e.preventDefault(); go('status'); }}>
          <TriangleAlert aria-hidden="true" size={16} />
          {down.length === 1 ? '1 service down' : `${down.length} services down`}
        </a>
      )}
    </div>
  );
}
