import type { ServiceStatus } from '../runtime/common/serviceStatus.js';
import { printable } from './terminalText.js';

const mb = (bytes: number | null): string => (bytes === null ? '-' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

export function formatStatusTable(services: ServiceStatus[]): string {
  const rows = [['service', 'state', 'pid', 'restarts', 'rss', 'last error'], ...services.map((s) => [s.id, s.state, String(s.pid ?? '-'), String(s.restarts), mb(s.rssBytes), printable(s.lastError ?? '')])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}
