import { chmodSync, lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/**
 * What this app makes inside a data folder. Only these are tightened: a data folder given by hand
 * (`--data-dir`) may hold other things, which are not ours to change.
 */
const APP_ENTRIES = ['twins', 'backups', 'logs', 'models', 'tmp', 'config.json', 'active-twin.json', 'twins.json', 'host.json'];

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

function tighten(path: string, st: Stats): void {
  const want = st.isDirectory() ? DIR_MODE : FILE_MODE;
  if ((st.mode & 0o777) === want) return;
  try {
    chmodSync(path, want);
  } catch {
    // not ours (another user's file, a read-only mount): left as it is
  }
}

function walk(path: string): void {
  let st: Stats;
  try {
    st = lstatSync(path); // a symlink is never followed, nor changed
  } catch {
    return;
  }
  if (st.isSymbolicLink() || !(st.isDirectory() || st.isFile())) return;
  tighten(path, st);
  if (!st.isDirectory()) return;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return;
  }
  for (const name of names) walk(join(path, name));
}

/**
 * The data folder holds the twin's memories and, in config.json, maybe a remote API key: it is for
 * this user only (folders 0700, files 0600). New files get that from the umask our processes set;
 * this tightens what an earlier version made with the default modes. Windows has no such modes.
 */
export function secureDataDir(dataDir: string): void {
  if (process.platform === 'win32') return;
  let st: Stats;
  try {
    st = statSync(dataDir); // the folder the app was pointed at, through a link if it is one: every write goes there anyway
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  tighten(dataDir, st);
  for (const name of APP_ENTRIES) walk(join(dataDir, name));
}
