import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { BundleExportResult, BundleImportResult, CardImportResult } from '../api/coreAccess.js';
import { PagiError } from '../contracts/errors.js';
import { setActiveTwin } from './activeTwin.js';
import type { CliArgs } from './cliArgs.js';
import { runFileWork } from './cliFileWork.js';
import type { HostClient } from './hostClient.js';
import { readHostFile } from './hostFile.js';
import { printable, terminalJson } from './terminalText.js';

type WithHost = <T>(args: CliArgs, fn: (client: HostClient) => Promise<T>) => Promise<T>;

/** The passphrase from PAGI_BUNDLE_PASSPHRASE, or typed at a terminal without echo. */
async function passphrase(purpose: string): Promise<string> {
  const fromEnv = process.env.PAGI_BUNDLE_PASSPHRASE;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) throw new PagiError('INVALID_INPUT', `${purpose} needs a passphrase: set PAGI_BUNDLE_PASSPHRASE or run this in a terminal`);
  let muted = false;
  const silent = new Writable({ write: (chunk, _e, done) => { if (!muted) process.stderr.write(chunk as Buffer); done(); } });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  try {
    return await new Promise<string>((r) => {
      rl.question(`Passphrase (${purpose}): `, (answer) => r(answer));
      muted = true;
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

export async function exportCommand(args: CliArgs, withHost: WithHost): Promise<number> {
  if (!args.out) throw new PagiError('INVALID_INPUT', 'pagi export needs --out FILE.pagi');
  const out = resolve(args.out);
  const overwrite = args.force ?? false;
  // said before a passphrase is asked for; the host checks again when the bundle takes its name
  if (!overwrite && existsSync(out)) throw new PagiError('CONFLICT', `${out} already exists: choose another name, or add --force to replace it`);
  const secret = args.encrypt ? await passphrase('to encrypt the bundle') : undefined;
  const result = await withHost(args, (c) =>
    runFileWork<BundleExportResult>(
      (operationId) => c.bundles.export.mutate({ operationId, out, overwrite, passphrase: secret, includeEvents: args['include-events'] ?? false, includeModel: args['include-model'] ?? false }),
      (operationId, h) => c.bundles.exportEvents.subscribe({ operationId }, h),
      args.json ?? false,
    ),
  );
  process.stdout.write(args.json ? `${terminalJson(result)}\n` : printable(`exported ${result.name} (${result.twinId}) to ${result.file}: ${mb(result.bytes)}, ${result.entries} databases${result.encrypted ? ', encrypted' : ''}\n`));
  return 0;
}

function activate(dataDir: string, twinId: string): boolean {
  if (readHostFile(dataDir)) {
    process.stderr.write('note: a host is running for this data folder; stop it, then set active-twin.json, or import with --activate while none runs\n');
    return false;
  }
  setActiveTwin(dataDir, twinId);
  return true;
}

/** `pagi import CARD.png|.json|.charx`: a new twin from a SillyTavern character card. */
async function importCard(args: CliArgs, withHost: WithHost, dataDir: string, file: string): Promise<number> {
  const result: CardImportResult = await withHost(args, (c) => c.imports.card.mutate({ file }));
  const activated = args.activate ? activate(dataDir, result.twinId) : false;
  if (args.json) process.stdout.write(`${terminalJson({ ...result, activated })}\n`);
  else {
    process.stdout.write(printable(`created twin ${result.name} (${result.twinId}) from a ${result.spec.replace('chara_card_', '')} character card, with ${result.facts} lorebook facts\n`));
    for (const n of result.notes) process.stdout.write(printable(`note: ${n}\n`));
    process.stdout.write(activated ? 'it is now the active twin of this data folder\n' : `run it: add --activate, or set active-twin.json to ${result.twinId}\n`);
  }
  return 0;
}

export async function importCommand(args: CliArgs, withHost: WithHost, dataDir: string): Promise<number> {
  const file = args.positionals[0];
  if (!file) throw new PagiError('INVALID_INPUT', 'pagi import needs a bundle (pagi import FILE.pagi --as clone|move) or a character card (.png, .json, .charx)');
  if (/\.(png|json|charx)$/i.test(file)) return importCard(args, withHost, dataDir, resolve(file));
  if (!args.as) throw new PagiError('INVALID_INPUT', 'pagi import needs --as clone (a new twin descending from this one) or --as move (the same twin, moved to this machine)');
  // --activate runs the imported twin; without it, it runs only if the one running now was never used
  const input = { file: resolve(file), mode: args.as, ...(args.activate ? { activate: true } : {}) };
  const run = (secret?: string): Promise<BundleImportResult> =>
    withHost(args, (c) =>
      runFileWork<BundleImportResult>(
        (operationId) => c.bundles.import.mutate({ operationId, ...input, ...(secret !== undefined ? { passphrase: secret } : {}) }),
        (operationId, h) => c.bundles.importEvents.subscribe({ operationId }, h),
        args.json ?? false,
      ),
    );
  let result: BundleImportResult;
  try {
    result = await run(process.env.PAGI_BUNDLE_PASSPHRASE);
  } catch (err) {
    const e = PagiError.from(err);
    if (e.code !== 'PERMISSION_DENIED' || !/encrypted/.test(e.message) || !process.stdin.isTTY) throw e;
    result = await run(await passphrase('to decrypt the bundle'));
  }
  if (args.json) process.stdout.write(`${terminalJson(result)}\n`);
  else {
    if (result.model) process.stdout.write(printable(`model ${result.model.fileName}: ${result.model.installed === 'copied' ? 'installed in the models folder' : 'already installed'}\n`));
    process.stdout.write(printable(`imported ${result.name} as ${result.mode === 'clone' ? `a clone (${result.twinId}, generation ${result.generation}, parent ${result.parentId})` : `the same twin (${result.twinId})`}\n`));
    if (result.activationError) process.stdout.write(printable(`it cannot run here yet: ${result.activationError}\n`));
    process.stdout.write(
      result.activated
        ? `it is now the twin that runs${result.previousUnused && !args.activate ? ' (the one before it had never been used)' : ''}\n`
        : `the twin that ran before has memories, so it still runs; switch with \`pagi twins activate ${result.twinId}\`\n`,
    );
  }
  return 0;
}

/** `pagi twins [list]` and `pagi twins activate ID`: the twins of this data folder, and which one runs. */
export async function twinsCommand(args: CliArgs, withHost: WithHost): Promise<number> {
  const [sub = 'list', id] = args.positionals;
  if (sub === 'list') {
    const twins = await withHost(args, (c) => c.twin.list.query());
    if (args.json) process.stdout.write(`${terminalJson(twins)}\n`);
    else for (const t of twins) process.stdout.write(printable(`${t.active ? '*' : ' '} ${t.name ?? 'unnamed'} (${t.id})${t.origin ? ` · ${t.origin}` : ''}${t.addedAt ? ` · added ${t.addedAt.slice(0, 10)}` : ''}\n`));
    return 0;
  }
  if (sub === 'activate') {
    if (!id) throw new PagiError('INVALID_INPUT', 'pagi twins activate needs a twin id: `pagi twins` lists them');
    const twins = await withHost(args, async (c) => {
      await c.twin.activate.mutate({ id });
      return c.twin.list.query();
    });
    const now = twins.find((t) => t.active);
    process.stdout.write(args.json ? `${terminalJson({ active: now?.id ?? id })}\n` : printable(`${now?.name ?? id} (${now?.id ?? id}) is now the twin that runs\n`));
    return 0;
  }
  throw new PagiError('INVALID_INPUT', `pagi twins needs list or activate ID, not "${sub}"`);
}
