import { homedir } from 'node:os';
import { join } from 'node:path';

/** The platform's per-user app-data folder for PAGI Twin; `PAGI_DATA_DIR` overrides it. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.PAGI_DATA_DIR) return env.PAGI_DATA_DIR;
  const home = homedir();
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'PAGI Twin');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'PAGI Twin');
    default:
      return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'pagi-twin');
  }
}
