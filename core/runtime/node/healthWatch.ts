import type { HealthReport } from '../common/hostProcedures.js';
import type { ServiceProcess } from '../common/launcher.js';
import { after, type ManagedService } from './managedService.js';

/**
 * Pings a running process every `intervalMs`. A ping counts as missed until its answer comes, and
 * its deadline is the interval, so an answer later than that is no answer; a process that missed two
 * in a row hangs and is killed, and its exit restarts it like any crash.
 */
export function watchHealth(s: ManagedService, proc: ServiceProcess, intervalMs: number, ping: () => Promise<void>): void {
  after(s, intervalMs, () => {
    if (s.proc !== proc) return;
    if (s.missedPings >= 2) {
      s.lastError = `did not answer 2 health pings in a row (${intervalMs} ms apart)`;
      proc.kill();
      return;
    }
    s.missedPings++;
    void ping();
    watchHealth(s, proc, intervalMs, ping);
  });
}

/** An answered ping: the process is alive, whatever its service says of its own health. */
export function recordHealth(s: ManagedService, report: HealthReport): void {
  s.rssBytes = report.rssBytes;
  s.cpuMicros = report.cpuMicros;
  s.healthy = report.health.ok;
  s.missedPings = 0;
  if (!report.health.ok && report.health.detail) s.lastError = report.health.detail;
}
