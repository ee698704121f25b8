import { PagiError } from '../contracts/errors.js';
import type { Diagnosis } from '../inference/common/diagnosis.js';
import type { ModelRecord } from '../inference/common/modelRecord.js';
import type { CliArgs } from './cliArgs.js';
import { resolve } from 'node:path';
import type { HostClient } from './hostClient.js';
import { printable, terminalJson } from './terminalText.js';

type WithHost = <T>(args: CliArgs, fn: (client: HostClient) => Promise<T>) => Promise<T>;

const size = (b: number): string => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GB` : `${(b / 2 ** 20).toFixed(1)} MB`);
const params = (n: number | null): string => (n === null ? '-' : n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${Math.round(n / 1e3)}K`);
const checksum = (m: ModelRecord): string =>
  m.hash.status === 'done' ? (m.sha256 ?? '').slice(0, 12) : m.hash.status === 'error' ? `error: ${m.hash.error ?? ''}` : `${Math.floor((100 * m.hash.hashedBytes) / Math.max(1, m.fileBytes))}% hashed`;

export function formatModels(models: ModelRecord[]): string {
  if (models.length === 0) return 'no models installed: `pagi models import PATH` adds a .gguf file';
  const rows = [
    ['id', 'name', 'arch', 'quant', 'params', 'size', 'sha256', 'loaded', 'path'],
    ...models.map((m) => [m.id, m.metadata.name ?? m.fileName, m.metadata.architecture ?? '-', m.metadata.quantization ?? '-', params(m.metadata.parameters), size(m.fileBytes), checksum(m), m.loaded ? 'yes' : '', m.path]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** `pagi models list | import PATH [--copy] | remove ID`. */
export async function modelsCommand(args: CliArgs, withHost: WithHost): Promise<number> {
  const [sub, target] = args.positionals;
  const print = (value: unknown, text: string): void => {
    process.stdout.write(`${args.json ? terminalJson(value) : printable(text)}\n`);
  };
  switch (sub) {
    case 'list': {
      const models = await withHost(args, (c) => c.models.list.query());
      print(models, formatModels(models));
      return 0;
    }
    case 'import': {
      if (!target) throw new PagiError('INVALID_INPUT', 'pagi models import needs the path of a .gguf file');
      const record = await withHost(args, (c) => c.models.import.mutate({ path: resolve(target), mode: args.copy ? 'copy' : 'reference' }));
      print(record, `imported ${record.metadata.name ?? record.fileName} as ${record.id} (${args.copy ? 'copied into the models folder' : 'used where it is'})`);
      return 0;
    }
    case 'remove': {
      if (!target) throw new PagiError('INVALID_INPUT', 'pagi models remove needs a model id (see `pagi models list`)');
      const r = await withHost(args, (c) => c.models.remove.mutate({ id: target }));
      print(r, r.deletedFile ? `removed ${target} and deleted its file` : `removed ${target} (its file stays where it is)`);
      return 0;
    }
    case 'fit': {
      if (!target) throw new PagiError('INVALID_INPUT', 'pagi models fit needs a model id or the path of a .gguf file');
      const byPath = /[\\/]|\.gguf$/i.test(target);
      const fit = await withHost(args, (c) => c.models.fit.query({ ...(byPath ? { path: resolve(target) } : { id: target }), ...(args.context ? { contextSize: args.context } : {}) }));
      print(fit, `${fit.verdict}: ${fit.explanation} (${fit.backend}, context ${fit.contextSize})`);
      return 0;
    }
    case 'catalog': {
      const catalog = await withHost(args, (c) => c.models.catalog.query());
      print(catalog, catalog.map((e) => `${e.id.padEnd(34)} ${e.purpose.padEnd(9)} ${size(e.approxBytes).padStart(8)}  ${e.fit.verdict.padEnd(9)} ${e.installed ? 'installed' : ''}\n${' '.repeat(35)}${e.name} — ${e.license}`).join('\n'));
      return 0;
    }
    case 'download': {
      if (!target) throw new PagiError('INVALID_INPUT', 'pagi models download needs a catalog id (see `pagi models catalog`) or an http(s) URL of a .gguf file');
      return withHost(args, (c) => followDownload(c, args, /^https?:\/\//.test(target) ? { url: target } : { catalogId: target }));
    }
    default:
      throw new PagiError('INVALID_INPUT', `pagi models needs list, import, remove, fit, catalog or download${sub ? ` (got "${sub}")` : ''}`);
  }
}

const gb = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GB`;

/** Starts a download and shows its progress until it ends; Ctrl+C cancels it. */
async function followDownload(c: HostClient, args: CliArgs, input: { url: string } | { catalogId: string }): Promise<number> {
  const started = await c.models.download.mutate(input);
  const cancel = (): void => void c.models.cancelDownload.mutate({ id: started.id }).catch(() => undefined);
  process.once('SIGINT', cancel);
  try {
    for (;;) {
      const d = await c.models.getDownload.query({ id: started.id });
      if (!args.json && d.totalBytes) {
        const pct = Math.floor((100 * d.downloadedBytes) / d.totalBytes);
        const speed = d.bytesPerSecond ? ` · ${size(d.bytesPerSecond)}/s` : '';
        const eta = d.etaSeconds !== null ? ` · ${d.etaSeconds} s left` : '';
        process.stderr.write(`\r${printable(d.fileName)}: ${pct}% of ${size(d.totalBytes)}${speed}${eta}   `);
      }
      if (d.status === 'done' || d.status === 'failed' || d.status === 'cancelled') {
        if (!args.json) process.stderr.write('\n');
        process.stdout.write(`${args.json ? terminalJson(d) : printable(d.status === 'done' ? `downloaded ${d.fileName} as model ${d.modelId}` : `download ${d.status}${d.error ? `: ${d.error}` : ''}`)}\n`);
        return d.status === 'done' ? 0 : 1;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    process.removeListener('SIGINT', cancel);
  }
}

export function formatDiagnosis(d: Diagnosis): string {
  const lines = [`Inference runs on: ${d.chosen.backend} — ${d.chosen.reason}`, ''];
  for (const b of d.backends) lines.push(`  ${b.backend.padEnd(7)} ${b.status.padEnd(22)} ${b.reason}`);
  lines.push('');
  lines.push(`CPU: ${d.cpu.model}, ${d.cpu.cores} cores, ${d.cpu.threadsUsed} thread(s) used for inference`);
  lines.push(`RAM: ${gb(d.ram.totalBytes)} (${gb(d.ram.freeBytes)} free)` + (d.vram ? ` · VRAM: ${gb(d.vram.totalBytes)} (${gb(d.vram.freeBytes)} free)` : ''));
  if (d.devices.length) lines.push(`GPU devices in use: ${d.devices.join(', ')}`);
  else if (d.gpusSeen.length) lines.push(`GPUs seen by the system: ${d.gpusSeen.map((g) => `${g.vendor} ${g.model}`).join(', ')}`);
  lines.push('', 'What to do:', ...d.advice.map((a) => `  - ${a}`));
  return lines.join('\n');
}

/** `pagi doctor [--probe]`: the same diagnosis the Models & hardware page shows, in plain language. */
export async function doctorCommand(args: CliArgs, withHost: WithHost): Promise<number> {
  const d = await withHost(args, (c) => c.system.doctor.query({ probe: args.probe ?? false }));
  process.stdout.write(`${args.json ? terminalJson(d) : printable(formatDiagnosis(d))}\n`);
  return 0;
}
