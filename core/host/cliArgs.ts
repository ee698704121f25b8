import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { PagiError } from '../contracts/errors.js';
import { DATABASE_FILE } from '../runtime/node/twinManifest.js';

export const USAGE = `pagi — run and talk to your PAGI twin

Usage:
  pagi serve   [--data-dir DIR] [--port N] [--model PATH] [--verbose]
  pagi status  [--json] [--data-dir DIR]
  pagi chat    "text" [--json] [--session ID] [--data-dir DIR] [--model PATH] [--seed N] [--max-tokens N]
  pagi restart SERVICE [--data-dir DIR]
  pagi doctor  [--json] [--probe] [--data-dir DIR]
  pagi models  list | import PATH [--copy] | remove ID | fit ID|PATH [--context N]
               | catalog | download CATALOG-ID|URL                       [--json] [--data-dir DIR]
  pagi memory  import FILE.jsonl [--extract] | import conversations.json (a ChatGPT export) | search "query" [--k N] [--tier episodic|semantic|all]
               [--now ISO] [--as-of ISO] | list [--tier T] [--limit N] [--offset N] [--all] | show ID
               | edit ID [--text T] [--importance X] [--confidence X] | pin ID | unpin ID
               | delete ID [--hard] | history ID | undo CHANGE-ID | add-fact "text"
               | ingest FILE.txt|.md|.pdf | extractions [--retry [JOB-ID]] | status
                                                                    [--json] [--data-dir DIR]
  pagi tools   list | policy TOOL allow|ask|deny | grant FOLDER | revoke FOLDER | grants  [--json] [--data-dir DIR]
  pagi audit   list [--since ISO] [--tool NAME] [--limit N] | verify               [--json] [--data-dir DIR]
               (verify exits 1 and names the first broken row when the chain does not hold)
  pagi export --out FILE.pagi [--force] [--encrypt] [--include-events] [--include-model]  [--json] [--data-dir DIR]
  pagi import FILE.pagi --as clone|move [--activate]                     [--json] [--data-dir DIR]
               (on a fresh install the imported twin runs at once; --activate makes it run in any case)
  pagi twins   [list] | activate ID                                     [--json] [--data-dir DIR]
  pagi import CARD.png|.json|.charx [--activate]        a new twin from a SillyTavern character card
  pagi restore --list | --date YYYY-MM-DD [--file NAME.db] | --start-empty NAME.db  [--json] [--data-dir DIR]
  pagi help | --help | --version

The data folder defaults to your platform's app-data folder; PAGI_DATA_DIR overrides it.
pagi chat and pagi models use the host already running for the data folder, or start one for the command.
Bundles: --encrypt and encrypted imports take the passphrase from PAGI_BUNDLE_PASSPHRASE, or ask for it.
Backups: every database of the twin is copied each day to <data-dir>/backups/ and kept 7 days;
pagi restore (with PAGI Twin stopped) puts a day's copies back, keeping the replaced files aside.`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  model: { type: 'string' },
  json: { type: 'boolean' },
  session: { type: 'string' },
  seed: { type: 'string' },
  'max-tokens': { type: 'string' },
  verbose: { type: 'boolean' },
  copy: { type: 'boolean' },
  probe: { type: 'boolean' },
  context: { type: 'string' },
  k: { type: 'string' },
  tier: { type: 'string' },
  extract: { type: 'boolean' },
  hard: { type: 'boolean' },
  all: { type: 'boolean' },
  retry: { type: 'boolean' },
  text: { type: 'string' },
  importance: { type: 'string' },
  confidence: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  now: { type: 'string' },
  'as-of': { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  encrypt: { type: 'boolean' },
  'include-events': { type: 'boolean' },
  'include-model': { type: 'boolean' },
  as: { type: 'string' },
  activate: { type: 'boolean' },
  list: { type: 'boolean' },
  date: { type: 'string' },
  file: { type: 'string' },
  'start-empty': { type: 'string' },
  since: { type: 'string' },
  tool: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const intArg = (name: string, min: number, max: number) =>
  z.string().regex(/^\d+$/, `--${name} must be a whole number`).transform(Number).pipe(z.number().int().min(min, `--${name} must be at least ${min}`).max(max, `--${name} must be at most ${max}`));

const fractionArg = (name: string) =>
  z.string().regex(/^(0(\.\d+)?|1(\.0+)?)$/, `--${name} must be a number from 0 to 1, e.g. 0.8`).transform(Number);
const isoArg = (name: string) => z.iso.datetime({ offset: true, message: `--${name} must be an ISO 8601 date-time, e.g. 2024-06-01T00:00:00Z` });

const isCalendarDay = (s: string): boolean => {
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};
const dayArg = (name: string) =>
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, `--${name} must be a day as YYYY-MM-DD, e.g. 2026-05-01`).refine(isCalendarDay, `--${name} is not a day of the calendar (YYYY-MM-DD: month 01–12, a day that month has)`);
const databaseArg = (name: string) =>
  z.string().regex(DATABASE_FILE, `--${name} must be the file name of one of the twin's databases, e.g. episodic.db (a name ending in .db, no folders)`);

const argsSchema = z.object({
  'data-dir': z.string().min(1, '--data-dir needs a folder').optional(),
  port: intArg('port', 0, 65_535).optional(),
  model: z.string().min(1, '--model needs a path to a .gguf file').optional(),
  json: z.boolean().optional(),
  session: z.string().min(1).max(200, '--session is at most 200 characters').optional(),
  seed: intArg('seed', 0, 2 ** 31 - 1).optional(),
  'max-tokens': intArg('max-tokens', 1, 8_192).optional(),
  verbose: z.boolean().optional(),
  copy: z.boolean().optional(),
  probe: z.boolean().optional(),
  context: intArg('context', 256, 1_048_576).optional(),
  k: intArg('k', 1, 200).optional(),
  tier: z.enum(['episodic', 'semantic', 'all'], { message: '--tier must be episodic, semantic or all' }).optional(),
  extract: z.boolean().optional(),
  hard: z.boolean().optional(),
  all: z.boolean().optional(),
  retry: z.boolean().optional(),
  text: z.string().trim().min(1, '--text needs the new text').optional(),
  importance: fractionArg('importance').optional(),
  confidence: fractionArg('confidence').optional(),
  limit: intArg('limit', 1, 10_000).optional(),
  offset: intArg('offset', 0, 10_000_000).optional(),
  now: isoArg('now').optional(),
  'as-of': isoArg('as-of').optional(),
  out: z.string().min(1, '--out needs a file name ending in .pagi').refine((p) => p.toLowerCase().endsWith('.pagi'), '--out must name a .pagi file').optional(),
  force: z.boolean().optional(),
  encrypt: z.boolean().optional(),
  'include-events': z.boolean().optional(),
  'include-model': z.boolean().optional(),
  as: z.enum(['clone', 'move'], { message: '--as must be clone (a new twin descending from the bundle\'s) or move (the same twin, on this machine)' }).optional(),
  activate: z.boolean().optional(),
  list: z.boolean().optional(),
  date: dayArg('date').optional(),
  file: databaseArg('file').optional(),
  'start-empty': databaseArg('start-empty').optional(),
  since: isoArg('since').optional(),
  tool: z.string().min(1, '--tool needs a tool name, e.g. time.now').max(120).optional(),
  help: z.boolean().optional(),
  version: z.boolean().optional(),
});

export type CliArgs = z.infer<typeof argsSchema> & { command: string | null; positionals: string[] };

/** Parses argv strictly: an unknown option or a bad value is an INVALID_INPUT naming it. */
export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new PagiError('INVALID_INPUT', `${(err as Error).message.replace(/\. To specify.*$/s, '')}. Run \`pagi help\` for usage.`);
  }
  const values = argsSchema.safeParse(parsed.values);
  if (!values.success) throw new PagiError('INVALID_INPUT', values.error.issues.map((i) => i.message).join('; '));
  const [command = null, ...positionals] = parsed.positionals;
  return { ...values.data, command, positionals };
}
