import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, openPlainDatabase, type SqliteDatabase } from '../../../native/sqlite.js';
import { PagiError } from '../../contracts/errors.js';
import type { PortableFile } from '../common/wire.js';
import type { DatabaseGuard } from './databaseGuard.js';
import { createIdRemap, remapCell } from './idRemap.js';
import { migrate, type Migration } from './migrations.js';

export interface ImportedTwin { mode: 'clone' | 'move'; sourceTwinId: string; twinId: string }

/** How a service's database travels in a twin bundle. */
export interface Portability {
  /** Tables whose rows never leave this machine (secrets, this machine's hardware). */
  excludeTables?: readonly string[];
  /** Carried only when asked for (e.g. "events": the event log). */
  optional?: string;
  /** After the rows are in and migrated: e.g. identity writes the clone's lineage. */
  onImport?: (db: SqliteDatabase, twin: ImportedTwin) => void;
}

export interface PortableDatabase extends Portability {
  file: string;
  db: SqliteDatabase;
  migrations: readonly Migration[];
}

/** A database a service opened; `portable: false` ones (this machine's data) never travel in bundles. */
export interface RegisteredDatabase extends PortableDatabase {
  portable: boolean;
}

/** The databases one service host opened (each service host has its own). */
export interface DatabaseRegistry {
  add(entry: RegisteredDatabase): void;
  /** The portable ones: what a twin bundle carries. */
  list(): readonly PortableDatabase[];
  /** Every one, this machine's included: what is backed up and recorded in the twin's manifest. */
  all(): readonly RegisteredDatabase[];
  /** Checks files before they are opened and names damaged ones (absent outside a service host). */
  readonly guard: DatabaseGuard | null;
}

export function createDatabaseRegistry(guard: DatabaseGuard | null = null): DatabaseRegistry {
  const entries: RegisteredDatabase[] = [];
  return { add: (e) => void entries.push(e), list: () => entries.filter((e) => e.portable), all: () => entries, guard };
}

/** No value the services store is larger (the longest: a change record holding two 200,000-character texts). */
const MAX_CELL = 1 << 20;

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * A consistent copy of each database, made with SQLite's online backup in steps, so the service keeps
 * answering while a large database is copied. Excluded tables are emptied in the copy and the copy
 * vacuumed, so their rows are not left in free pages.
 */
export async function exportDatabases(registry: DatabaseRegistry, dir: string, include: readonly string[]): Promise<PortableFile[]> {
  mkdirSync(dir, { recursive: true });
  const out: PortableFile[] = [];
  for (const d of registry.list()) {
    if (d.optional && !include.includes(d.optional)) continue;
    const path = join(dir, d.file);
    await d.db.backup(path);
    const copy = openPlainDatabase(path);
    try {
      copy.pragma('journal_mode = DELETE');
      if (d.excludeTables?.length) {
        for (const t of d.excludeTables) copy.exec(`DELETE FROM ${quote(t)}`);
        copy.exec('VACUUM');
      }
    } finally {
      copy.close();
    }
    out.push({ file: d.file, bytes: statSync(path).size, schemaVersion: d.db.pragma('user_version', { simple: true }) as number, optional: d.optional ?? null });
  }
  return out;
}

interface SchemaObject { type: string; name: string; tbl_name: string; sql: string | null }
// SQLite's own tables come and go with what was done to a file (sqlite_sequence outlives the AUTOINCREMENT table that made it): not part of a schema
const schemaOf = (db: SqliteDatabase, schema = 'main'): SchemaObject[] =>
  db.prepare(`SELECT type, name, tbl_name, sql FROM ${schema}.sqlite_master WHERE name NOT LIKE 'sqlite_stat%' AND name <> 'sqlite_sequence' ORDER BY type, name`).all() as SchemaObject[];
const key = (o: SchemaObject): string => JSON.stringify([o.type, o.name, o.tbl_name, o.sql]);

/**
 * Rebuilds a database from an untrusted copy: a fresh file is made by this app's own migrations up to
 * the copy's version, the copy's schema must be exactly what those migrations make (so no trigger,
 * view, generated column or function of the bundle is ever run), then its rows are copied across,
 * ids remapped for a clone, and the result migrated to the newest schema and checked.
 */
export async function importDatabase(entry: PortableDatabase, source: string, targetDir: string, remapSecret: string | null, twin: ImportedTwin): Promise<PortableFile> {
  const what = `${entry.file} in the bundle`;
  const known = Math.max(0, ...entry.migrations.map((m) => m.version));
  let src: SqliteDatabase;
  try {
    src = openPlainDatabase(source, { readonly: true });
  } catch (err) {
    throw new PagiError('INVALID_INPUT', `${what} is not a SQLite database (${(err as Error).message})`);
  }
  let version: number;
  let theirs: SchemaObject[];
  try {
    src.pragma('query_only = ON');
    version = src.pragma('user_version', { simple: true }) as number;
    theirs = schemaOf(src);
  } catch (err) {
    src.close();
    throw new PagiError('INVALID_INPUT', `${what} cannot be read (${(err as Error).message}): the bundle is damaged`);
  }
  src.close();
  if (version > known) throw new PagiError('FAILED_PRECONDITION', `${what} is at schema version ${version}, newer than this app knows (${known}): update PAGI Twin to import it`);
  if (version < 1) throw new PagiError('INVALID_INPUT', `${what} has no schema version: it was not written by PAGI Twin`);

  mkdirSync(targetDir, { recursive: true });
  const targetPath = join(targetDir, entry.file);
  if (existsSync(targetPath)) throw new PagiError('CONFLICT', `${targetPath} already exists`);
  const db = openDatabase(targetPath);
  try {
    migrate(db, entry.migrations.filter((m) => m.version <= version), entry.file);
    const ours = schemaOf(db);
    // objects the service makes at run time (e.g. its event inbox), as this app's own database has them
    const live = new Map(schemaOf(entry.db).map((o) => [key(o), o]));
    const allowed = new Set([...ours.map(key), ...live.keys()]);
    const foreign = theirs.find((o) => !allowed.has(key(o)));
    if (foreign) throw new PagiError('INVALID_INPUT', `${what} does not have the schema PAGI Twin writes (${foreign.type} "${foreign.name}" is not part of it); nothing from it was used`);
    const theirKeys = new Set(theirs.map(key));
    const missing = ours.find((o) => !theirKeys.has(key(o)));
    if (missing) throw new PagiError('INVALID_INPUT', `${what} lacks ${missing.type} "${missing.name}" of its schema version ${version}: the file is damaged`);
    const ourKeys = new Set(ours.map(key));
    // identical to our live database's own DDL; tables before what is made on them (indexes, triggers)
    const extras = theirs.filter((o) => !ourKeys.has(key(o)) && o.sql).sort((a, b) => Number(b.type === 'table') - Number(a.type === 'table'));
    for (const o of extras) db.exec(o.sql as string);
    db.prepare('ATTACH DATABASE ? AS src').run(source);
    let check: string[];
    try {
      check = db.prepare('PRAGMA src.integrity_check').pluck().all() as string[];
    } catch (err) {
      check = [(err as Error).message];
    }
    if (check.length !== 1 || check[0] !== 'ok') throw new PagiError('INVALID_INPUT', `${what} fails SQLite's integrity check (${check.slice(0, 3).join('; ')}): the bundle is damaged`);
    const remap = remapSecret ? createIdRemap(Buffer.from(remapSecret, 'hex')) : null;
    db.function('pagi_remap', { deterministic: true }, (v: unknown) => {
      if ((typeof v === 'string' || Buffer.isBuffer(v)) && v.length > MAX_CELL) {
        throw new PagiError('INVALID_INPUT', `${what} holds a value of ${v.length} ${typeof v === 'string' ? 'characters' : 'bytes'}, more than PAGI Twin ever stores (${MAX_CELL}): it was crafted or damaged`);
      }
      return (remap ? remapCell(v, remap) : v) as never;
    });
    // tables are copied one by one, in any order: references are checked once all rows are in
    db.pragma('foreign_keys = OFF');
    await copyRows(db);
    const dangling = db.pragma('foreign_key_check') as Array<{ table: string; parent: string }>;
    if (dangling.length > 0) throw new PagiError('INVALID_INPUT', `${what} has ${dangling.length} rows of ${dangling[0]?.table} that point at missing rows of ${dangling[0]?.parent}: it was altered or damaged; nothing from it was used`);
    db.pragma('foreign_keys = ON');
    db.exec('DETACH DATABASE src');
    migrate(db, entry.migrations, entry.file);
    entry.onImport?.(db, twin);
    const after = db.pragma('integrity_check', { simple: true });
    if (after !== 'ok') throw new PagiError('INTERNAL', `${entry.file} failed its integrity check after the import (${String(after)})`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { file: entry.file, bytes: statSync(targetPath).size, schemaVersion: db.pragma('user_version', { simple: true }) as number, optional: entry.optional ?? null };
  } finally {
    db.close();
  }
}

interface TableInfo { name: string; type: string; wr: number }
interface ColumnInfo { name: string; type: string; pk: number; hidden: number }

const insertTriggerFills = (db: SqliteDatabase, table: string, index: string): boolean =>
  (db.prepare("SELECT count(*) FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql LIKE '%AFTER INSERT%' AND instr(sql, ?) > 0").pluck().get(table, `INSERT INTO ${index}(`) as number) > 0;

const BATCH_ROWS = 2_000;
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Table by table, in batches of rows with the event loop free between them (the service stays responsive). */
async function copyRows(db: SqliteDatabase): Promise<void> {
  const tables = (db.prepare('PRAGMA main.table_list').all() as TableInfo[]).filter((t) => !t.name.startsWith('sqlite_'));
  const rebuild: string[] = [];
  for (const t of tables) {
    if (t.type === 'shadow' || t.type === 'view') continue;
    const sql = (db.prepare('SELECT sql FROM main.sqlite_master WHERE name = ?').pluck().get(t.name) as string | undefined) ?? '';
    if (t.type === 'virtual') {
      if (/USING\s+fts5vocab/i.test(sql)) continue; // a view over another FTS table
      const content = /USING\s+fts5/i.test(sql) ? /content\s*=\s*'([^']+)'/i.exec(sql)?.[1] : undefined;
      if (content !== undefined) {
        // an index over a copied table: our own insert trigger keeps it in step while rows come in;
        // without one, it is rebuilt from the table once all rows are in
        if (!insertTriggerFills(db, content, t.name)) rebuild.push(t.name);
        continue;
      }
    }
    const cols = (db.prepare(`PRAGMA main.table_xinfo(${quote(t.name)})`).all() as ColumnInfo[]).filter((c) => c.hidden === 0);
    const pks = cols.filter((c) => c.pk > 0);
    const rowidAlias = pks.length === 1 && pks[0]?.type.toUpperCase() === 'INTEGER';
    const hasRowid = t.wr === 0;
    const withRowid = hasRowid && !rowidAlias;
    const names = [...(withRowid ? ['rowid'] : []), ...cols.map((c) => quote(c.name))];
    const values = [...(withRowid ? ['rowid'] : []), ...cols.map((c) => `pagi_remap(${quote(c.name)})`)];
    const insert = `INSERT INTO main.${quote(t.name)} (${names.join(', ')}) SELECT ${values.join(', ')} FROM src.${quote(t.name)}`;
    if (!hasRowid) {
      db.exec(insert);
      continue;
    }
    const batch = db.prepare(`${insert} WHERE rowid > ? ORDER BY rowid LIMIT ${BATCH_ROWS}`);
    const lastOf = db.prepare(`SELECT max(rowid) FROM (SELECT rowid FROM src.${quote(t.name)} WHERE rowid > ? ORDER BY rowid LIMIT ${BATCH_ROWS})`).pluck();
    for (let after = Number.MIN_SAFE_INTEGER; ;) {
      const last = lastOf.get(after) as number | null;
      if (last === null) break;
      db.transaction(() => batch.run(after))();
      after = last;
      await yieldToEventLoop();
    }
  }
  for (const name of rebuild) db.exec(`INSERT INTO main.${quote(name)}(${quote(name)}) VALUES ('rebuild')`);
}
