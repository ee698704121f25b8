import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { LogSink } from '../runtime/common/serviceStatus.js';

const PINO_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** One sink for every process: `<data-dir>/logs/pagi.log` (JSON lines), and warnings on stderr when asked. */
export function createLogSink(dataDir: string, opts: { level: string; stderrLevel?: string | null }): { sink: LogSink; flush(): void } {
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const streams: pino.StreamEntry[] = [{ level: opts.level as pino.Level, stream: pino.destination({ dest: join(dataDir, 'logs', 'pagi.log'), sync: false, mkdir: true }) }];
  if (opts.stderrLevel) streams.push({ level: opts.stderrLevel as pino.Level, stream: pino.destination(2) });
  const logger = pino({ level: 'trace', base: undefined }, pino.multistream(streams));
  return {
    sink(entry) {
      const level = PINO_LEVELS.has(entry.level) ? (entry.level as pino.Level) : 'info';
      logger[level]({ service: entry.service, time: entry.time, ...(entry.data === undefined ? {} : { data: entry.data }) }, entry.msg);
    },
    flush: () => logger.flush(),
  };
}
