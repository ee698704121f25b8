import { realpathSync, statSync } from 'node:fs';
import { parse } from 'node:path';
import type { SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';

export interface GrantStore {
  list(): Array<{ folder: string; grantedAt: string }>;
  folders(): string[];
  /** Stores the folder resolved (symlinks followed), or refuses it with words. */
  grant(folder: string): { folder: string; grantedAt: string };
  revoke(folder: string): { folder: string; revoked: boolean };
  hosts(): string[];
  setHosts(hosts: readonly string[]): string[];
}

/** The real folder a user named: it must exist, be a folder, and not be a whole disk. */
export function resolveGrantFolder(folder: string): string {
  let real: string;
  try {
    real = realpathSync.native(folder);
  } catch {
    throw PagiError.hinted('NOT_FOUND', `there is no folder ${folder}`, { cli: 'check the path (a relative one is taken from the folder you are in)', app: 'choose a folder that exists' });
  }
  if (!statSync(real).isDirectory()) throw new PagiError('INVALID_INPUT', `${folder} is a file, not a folder: grant the folder that holds it`);
  if (parse(real).root === real) {
    throw new PagiError('PERMISSION_DENIED', `${real} is the root of a disk: granting it would let the tools reach every file on it; grant the folders you work in instead`);
  }
  return real;
}

/**
 * Granted folders and allowed hosts are this machine's: their paths and addresses mean nothing on
 * another one, so they stay out of twin bundles (the service's `excludeTables`).
 */
export function createGrantStore(db: SqliteDatabase, now: () => string): GrantStore {
  const list = (): Array<{ folder: string; grantedAt: string }> =>
    (db.prepare('SELECT folder, granted_at FROM grants ORDER BY folder').all() as Array<{ folder: string; granted_at: string }>).map((g) => ({ folder: g.folder, grantedAt: g.granted_at }));
  const hosts = (): string[] => db.prepare('SELECT host FROM allowed_hosts ORDER BY host').pluck().all() as string[];
  // the resolved folders change only through grant and revoke: read once per change, not once per run
  let cached: string[] | null = null;
  let cachedHosts: string[] | null = null;
  return {
    list,
    folders: () => (cached ??= list().map((g) => g.folder)),
    grant(folder) {
      const real = resolveGrantFolder(folder);
      const at = now();
      db.prepare('INSERT INTO grants (folder, granted_at) VALUES (?, ?) ON CONFLICT(folder) DO NOTHING').run(real, at);
      cached = null;
      return list().find((g) => g.folder === real) ?? { folder: real, grantedAt: at };
    },
    revoke(folder) {
      // a folder that no longer exists is revoked by the path it was stored under
      let key = folder;
      try {
        key = realpathSync.native(folder);
      } catch {
        /* gone: its stored path is the one given */
      }
      const revoked = db.prepare('DELETE FROM grants WHERE folder = ? OR folder = ?').run(key, folder).changes > 0;
      cached = null;
      return { folder: key, revoked };
    },
    hosts: () => (cachedHosts ??= hosts()),
    setHosts(next) {
      const unique = [...new Set(next)];
      db.transaction(() => {
        db.prepare('DELETE FROM allowed_hosts').run();
        const add = db.prepare('INSERT INTO allowed_hosts (host, added_at) VALUES (?, ?)');
        for (const h of unique) add.run(h, now());
      })();
      cachedHosts = null;
      return hosts();
    },
  };
}
