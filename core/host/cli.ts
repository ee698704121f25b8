import { resolve } from 'node:path';
import { defaultDataDir } from '../../native/appPaths.js';
import type { ChatEvent } from '../api/router.js';
import { hintOf, PagiError } from '../contracts/errors.js';
import { SERVICE_IDS } from '../contracts/manifest.js';
import { parseCliArgs, USAGE, type CliArgs } from './cliArgs.js';
import { exportCommand, importCommand, twinsCommand } from './cliBundles.js';
import { startHeadlessHost } from './headlessHost.js';
import { createHostClient, fromClientError, sendTurn, type HostClient } from './hostClient.js';
import { reachableHost } from './hostFile.js';
import { memoryCommand } from './cliMemory.js';
import { doctorCommand, modelsCommand } from './cliModels.js';
import { restoreCommand } from './cliRestore.js';
import { auditCommand, toolsCommand } from './cliTools.js';
import { appVersion } from './installation.js';
import { formatStatusTable } from './statusTable.js';
import { printable, terminalJson } from './terminalText.js';


const EXIT = { ok: 0, failure: 1, usage: 2, noHost: 3 } as const;

function dataDirOf(args: CliArgs): string {
  return resolve(args['data-dir'] ?? defaultDataDir());
}

async function serve(args: CliArgs): Promise<number> {
  const dataDir = dataDirOf(args);
  const host = await startHeadlessHost({
    dataDir,
    ...(args.port !== undefined ? { port: args.port } : {}),
    ...(args.model ? { modelPath: args.model } : {}),
    logToStderr: args.verbose ?? false,
  });
  const failed = (await host.supervisor.status()).filter((s) => s.state === 'failed');
  for (const s of failed) process.stderr.write(`warning: ${s.id} failed to start: ${printable(s.lastError ?? 'unknown error')}\n`);
  process.stdout.write(`PAGI Twin ready at ${host.url} (${SERVICE_IDS.length - failed.length}/${SERVICE_IDS.length} services in ${Math.round(host.readyMs)} ms; data: ${dataDir})\n`);
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.stdout.write('stopping…\n');
      void host.stop().then(resolveStop);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT.ok;
}

async function status(args: CliArgs): Promise<number> {
  const dataDir = dataDirOf(args);
  const host = reachableHost(dataDir);
  if (!host) {
    process.stderr.write(`no PAGI host is running for ${dataDir}; start one with \`pagi serve --data-dir ${dataDir}\`\n`);
    return EXIT.noHost;
  }
  const services = await createHostClient(host).system.status.query();
  if (args.json) {
    process.stdout.write(`${terminalJson({ url: host.url.split('#')[0], pid: host.pid, services })}\n`);
  } else {
    process.stdout.write(`host ${host.url.split('#')[0]} (pid ${host.pid})\n${formatStatusTable(services)}\n`);
  }
  return EXIT.ok;
}

/** Runs `fn` against the host of the data folder: the running one, or one started for this command. */
export async function withHost<T>(args: CliArgs, fn: (client: HostClient) => Promise<T>): Promise<T> {
  const dataDir = dataDirOf(args);
  const running = reachableHost(dataDir);
  if (running && args.model) process.stderr.write('note: a host is already running for this data folder; --model is ignored (it uses its own model)\n');
  if (running) return fn(createHostClient(running));
  const own = await startHeadlessHost({ dataDir, ...(args.model ? { modelPath: args.model } : {}) });
  try {
    return await fn(createHostClient(own));
  } finally {
    await own.stop();
  }
}

async function chat(args: CliArgs): Promise<number> {
  const text = args.positionals.join(' ').trim();
  if (!text) throw new PagiError('INVALID_INPUT', 'pagi chat needs a message: pagi chat "hello"');
  // Ctrl+C stops the reply (what was written so far is kept) instead of leaving it running unseen
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  const request = { text, ...(args.session ? { sessionId: args.session } : {}), ...(args.seed !== undefined ? { seed: args.seed, temperature: 0 } : {}), ...(args['max-tokens'] ? { maxTokens: args['max-tokens'] } : {}) };
  let waiting = false;
  const onEvent = (event: ChatEvent): void => {
    if (args.json) return;
    if (event.type === 'waiting') {
      process.stderr.write(`\rwaiting for the model (${event.ahead} ${event.ahead === 1 ? 'reply' : 'replies'} ahead)…   `);
      waiting = true;
    } else if (event.type === 'token') {
      if (waiting) process.stderr.write('\n');
      waiting = false;
      process.stdout.write(printable(event.text));
    }
  };
  try {
    const result = await withHost(args, (client) => sendTurn(client, request, { onEvent, signal: stop.signal }));
    if (args.json) process.stdout.write(`${terminalJson(result)}\n`);
    else process.stdout.write(`\n[session ${result.sessionId} · ${result.usage?.completionTokens ?? 0} tokens · mood ${printable(result.mood.label)}${result.stopReason === 'cancelled' ? ' · stopped' : ''}]\n`);
    return EXIT.ok;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function restart(args: CliArgs): Promise<number> {
  const id = args.positionals[0];
  if (!id || !(SERVICE_IDS as string[]).includes(id)) throw new PagiError('INVALID_INPUT', `pagi restart needs a service id, one of: ${SERVICE_IDS.join(', ')}`);
  const dataDir = dataDirOf(args);
  const host = reachableHost(dataDir);
  if (!host) {
    process.stderr.write(`no PAGI host is running for ${dataDir}\n`);
    return EXIT.noHost;
  }
  await createHostClient(host).system.restart.mutate({ id });
  process.stdout.write(`${id} restarted\n`);
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  process.umask(0o077); // what the CLI writes in the data folder (config, twins, backups) is for this user only
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    process.stderr.write(`pagi: ${printable(PagiError.from(err).message)}\n`);
    return EXIT.usage;
  }
  if (args.version) {
    process.stdout.write(`${appVersion()}\n`);
    return EXIT.ok;
  }
  const commands: Record<string, (a: CliArgs) => Promise<number>> = { serve, status, chat, restart, models: (a) => modelsCommand(a, withHost), doctor: (a) => doctorCommand(a, withHost), memory: (a) => memoryCommand(a, withHost), export: (a) => exportCommand(a, withHost), import: (a) => importCommand(a, withHost, dataDirOf(a)), twins: (a) => twinsCommand(a, withHost), restore: (a) => restoreCommand(a, dataDirOf(a)), tools: (a) => toolsCommand(a, withHost), audit: (a) => auditCommand(a, withHost) };
  if (args.help || !args.command || args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return args.command && args.command !== 'help' ? EXIT.usage : EXIT.ok;
  }
  const command = commands[args.command];
  if (!command) {
    process.stderr.write(`pagi: unknown command "${printable(args.command)}". Run \`pagi help\` for usage.\n`);
    return EXIT.usage;
  }
  try {
    return await command(args);
  } catch (err) {
    const e = fromClientError(err);
    const hint = hintOf(e)?.cli;
    process.stderr.write(`pagi ${args.command}: ${printable(e.message)}${hint ? ` (${printable(hint)})` : ''}\n`);
    return e.code === 'INVALID_INPUT' ? EXIT.usage : EXIT.failure;
  }
}

// run when executed directly (bin/pagi.js imports this file)
if (process.argv[1] && /cli\.js$/.test(process.argv[1])) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
