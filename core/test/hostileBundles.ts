import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openArchive, readSmallEntry } from '../host/bundle/bundleArchive.js';
import type { BundleManifest } from '../host/bundle/bundleManifest.js';
import { rawZip, type RawEntry } from './rawZip.js';

export interface Unpacked { manifest: BundleManifest; files: Map<string, Buffer>; raw: Map<string, Buffer> }

/** Reads a valid, unencrypted bundle: its manifest and its databases. */
export async function unpackBundle(file: string): Promise<Unpacked> {
  const a = await openArchive(file);
  const raw = new Map<string, Buffer>();
  for (const name of a.entries.keys()) raw.set(name, await readSmallEntry(a, name, 1 << 30));
  a.close();
  const manifest = JSON.parse((raw.get('manifest.json') as Buffer).toString('utf8')) as BundleManifest;
  const files = new Map([...raw].filter(([n]) => n.startsWith('data/')));
  return { manifest, files, raw };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A bundle from parts, with the manifest's sizes and checksums made to match (unless told otherwise). */
export function pack(manifest: BundleManifest, files: Map<string, Buffer>, fix = true, extra: RawEntry[] = []): Buffer {
  const m = fix ? { ...manifest, entries: manifest.entries.map((e) => ({ ...e, bytes: files.get(e.path)?.length ?? e.bytes, sha256: files.has(e.path) ? sha(files.get(e.path) as Buffer) : e.sha256 })) } : manifest;
  return rawZip([...[...files].map(([name, data]) => ({ name, data })), { name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) }, ...extra]);
}

/** A database of the bundle changed with SQL (writable_schema where the schema itself is the attack). */
function alterDb(data: Buffer, sql: string, writableSchema = false): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'pagi-hostile-'));
  const file = join(dir, 'x.db');
  writeFileSync(file, data);
  const db = new Database(file);
  db.unsafeMode(true); // the attacker's own tool: it may write any schema
  db.pragma('trusted_schema = ON');
  if (writableSchema) db.pragma('writable_schema = ON');
  db.exec(sql);
  db.close();
  const out = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/** Damages the b-tree page of a table (its header), leaving the schema readable: what integrity_check finds. */
function corruptTable(data: Buffer, table: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'pagi-hostile-'));
  const file = join(dir, 'x.db');
  writeFileSync(file, data);
  const db = new Database(file, { readonly: true });
  const root = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(table) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const out = Buffer.from(data);
  const at = (root - 1) * pageSize + (root === 1 ? 100 : 0);
  out.writeUInt16BE(0xfff0, at + 3); // the page claims far more cells than it can hold
  return out;
}

const flip = (b: Buffer, at: number): Buffer => {
  const c = Buffer.from(b);
  c[at] = (c[at] as number) ^ 0x5a;
  return c;
};

export interface HostileCase { name: string; bytes: Buffer; passphrase?: string; refusal: RegExp }

/** At least 40 crafted bad bundles, each with the refusal it must get. */
export function hostileCorpus(base: Unpacked, encrypted: Buffer): HostileCase[] {
  const { manifest, files } = base;
  const m = manifest;
  const episodic = files.get('data/episodic.db') as Buffer;
  const withFile = (name: string, data: Buffer): Map<string, Buffer> => new Map([...files, [name, data]]);
  const manifestWith = (patch: Record<string, unknown>): BundleManifest => ({ ...m, ...patch }) as BundleManifest;
  const good = pack(m, files);
  const encManifestAt = encrypted.indexOf(Buffer.from('manifest.json')) + 'manifest.json'.length + 20;
  const cases: HostileCase[] = [
    // names
    { name: 'path traversal ../', bytes: pack(m, files, true, [{ name: '../evil.db', data: Buffer.from('x') }]), refusal: /not a valid PAGI bundle: invalid relative path/ },
    { name: 'path traversal inside data/', bytes: pack(m, files, true, [{ name: 'data/../../evil.db', data: Buffer.from('x') }]), refusal: /invalid relative path/ },
    { name: 'absolute path', bytes: pack(m, files, true, [{ name: '/etc/evil.db', data: Buffer.from('x') }]), refusal: /absolute path/ },
    { name: 'drive letter', bytes: pack(m, files, true, [{ name: 'C:/evil.db', data: Buffer.from('x') }]), refusal: /absolute path/ },
    { name: 'backslashes', bytes: pack(m, files, true, [{ name: 'data\\..\\evil.db', data: Buffer.from('x') }]), refusal: /invalid characters/ },
    { name: 'a name PAGI never writes', bytes: pack(m, files, true, [{ name: 'data/notes.txt', data: Buffer.from('x') }]), refusal: /an entry PAGI does not write/ },
    { name: 'a control character in a name', bytes: pack(m, files, true, [{ name: 'data/a\u0001.db', data: Buffer.from('x') }]), refusal: /an entry PAGI does not write/ },
    { name: 'case-colliding names (upper case is never written)', bytes: pack(m, files, true, [{ name: 'data/Episodic.db', data: episodic }]), refusal: /an entry PAGI does not write/ },
    { name: 'a folder entry', bytes: pack(m, files, true, [{ name: 'data/', data: Buffer.alloc(0) }]), refusal: /folder entry/ },
    { name: 'a symlink', bytes: pack(m, files, true, [{ name: 'data/link.db', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]), refusal: /not a plain file/ },
    { name: 'a device file', bytes: pack(m, files, true, [{ name: 'data/dev.db', data: Buffer.alloc(0), mode: 0o020666 }]), refusal: /not a plain file/ },
    { name: 'an entry sharing another entry\'s data (hard link)', bytes: rawZip([...[...files].map(([name, data]) => ({ name, data })), { name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) }].map((e, i, all) => (e.name === 'data/emotion.db' ? { ...e, sameDataAs: all.findIndex((x) => x.name === 'data/identity.db') } : e))), refusal: /is \d+ bytes in the archive, but the manifest says|does not match its checksum/ },
    { name: 'a duplicate name', bytes: pack(m, files, true, [{ name: 'data/episodic.db', data: episodic }]), refusal: /holds data\/episodic\.db twice/ },
    { name: 'more entries than allowed', bytes: pack(m, files, true, Array.from({ length: 40 }, (_, i) => ({ name: `data/x${i}.db`, data: Buffer.from('x') }))), refusal: /more than a bundle can/ },
    // sizes
    { name: 'declared size smaller than the real one', bytes: rawZip([...[...files].map(([name, data]) => ({ name, data, ...(name === 'data/episodic.db' ? { declaredSize: data.length - 1000 } : {}) })), { name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) }]), refusal: /bytes in the archive, but the manifest says|too many bytes|not a valid PAGI bundle/ },
    { name: 'real size differs from the manifest', bytes: pack(manifestWith({ entries: m.entries.map((e) => (e.path === 'data/episodic.db' ? { ...e, bytes: e.bytes + 4096 } : e)) }), files, false), refusal: /but the manifest says/ },
    { name: 'a zip bomb', bytes: pack(m, withFile('data/bomb.db', Buffer.alloc(200 << 20))), refusal: /inflates \d+× \(a zip bomb\?\)/ },
    { name: 'a huge manifest', bytes: rawZip([...[...files].map(([name, data]) => ({ name, data })), { name: 'manifest.json', data: Buffer.alloc(3 << 20, 32) }]), refusal: /manifest\.json declares \d+ bytes, more than allowed/ },
    // damage
    { name: 'truncated to half', bytes: good.subarray(0, Math.floor(good.length / 2)), refusal: /not a valid PAGI bundle/ },
    { name: 'truncated end of central directory', bytes: good.subarray(0, good.length - 10), refusal: /not a valid PAGI bundle/ },
    { name: 'not a zip at all', bytes: Buffer.from('hello, this is not a bundle'), refusal: /not a valid PAGI bundle/ },
    { name: 'one flipped byte in a database', bytes: rawZip([...[...files].map(([name, data]) => ({ name, data: name === 'data/episodic.db' ? flip(data, 5000) : data, deflate: false })), { name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) }]), refusal: /does not match its checksum|cannot be read from the bundle/ },
    { name: 'one flipped byte, encrypted', bytes: flip(encrypted, Math.floor(encrypted.length / 2)), passphrase: 'correct horse battery', refusal: /altered or damaged|cannot be read from the bundle|not a valid PAGI bundle/ },
    { name: 'one flipped byte in the encrypted manifest', bytes: flip(encrypted, encManifestAt), passphrase: 'correct horse battery', refusal: /altered or damaged|not a valid PAGI bundle|cannot be read/ },
    { name: 'a wrong passphrase', bytes: encrypted, passphrase: 'wrong horse battery', refusal: /wrong passphrase/ },
    { name: 'no passphrase for an encrypted bundle', bytes: encrypted, refusal: /encrypted: give its passphrase/ },
    // manifest
    { name: 'no manifest', bytes: rawZip([...files].map(([name, data]) => ({ name, data }))), refusal: /has no manifest\.json/ },
    { name: 'a manifest that is not JSON', bytes: rawZip([...[...files].map(([name, data]) => ({ name, data })), { name: 'manifest.json', data: Buffer.from('{"format": ') }]), refusal: /manifest\.json is not JSON/ },
    { name: 'a manifest that fails its schema', bytes: pack(manifestWith({ entries: 'all of them' }), files, false), refusal: /manifest\.json.*entries/ },
    { name: 'a manifest with an unknown key', bytes: pack(manifestWith({ run: 'rm -rf /' }), files), refusal: /manifest\.json.*(run|Unrecognized)/i },
    { name: 'a twin id that is not a UUIDv7', bytes: pack(manifestWith({ twin: { ...m.twin, id: '../../etc' } }), files), refusal: /twin\.id.*UUIDv7/ },
    { name: 'checksums that do not match', bytes: pack(manifestWith({ entries: m.entries.map((e) => ({ ...e, sha256: 'a'.repeat(64) })) }), files, false), refusal: /does not match its checksum/ },
    { name: 'a newer format version', bytes: pack(manifestWith({ formatVersion: 99 }), files), refusal: /format version 99, newer than this app reads/ },
    { name: 'an entry the manifest does not list', bytes: pack(m, withFile('data/extra.db', episodic)), refusal: /holds data\/extra\.db, which its manifest does not list/ },
    { name: 'a listed entry that is missing', bytes: pack(m, new Map([...files].filter(([n]) => n !== 'data/emotion.db')), false), refusal: /lists data\/emotion\.db, which the bundle does not hold/ },
    { name: 'no identity', bytes: pack(manifestWith({ entries: m.entries.filter((e) => e.path !== 'data/identity.db') }), new Map([...files].filter(([n]) => n !== 'data/identity.db'))), refusal: /no identity\.db/ },
    { name: 'a database of this machine (models.db)', bytes: pack(manifestWith({ entries: [...m.entries, { path: 'data/models.db', service: 'inference', bytes: 0, sha256: 'a'.repeat(64), schemaVersion: 1, optional: null }] }), withFile('data/models.db', episodic)), refusal: /gives models\.db to inference, which keeps no database of that name/ },
    { name: 'a database claimed by the wrong service', bytes: pack(manifestWith({ entries: m.entries.map((e) => (e.path === 'data/episodic.db' ? { ...e, service: 'identity' } : e)) }), files), refusal: /gives episodic\.db to identity, which keeps no database of that name/ },
    { name: 'an encryption header asking for 16 GB of scrypt memory', bytes: rawZip([{ name: 'encryption.json', data: Buffer.from(JSON.stringify({ cipher: 'aes-256-gcm', kdf: 'scrypt', salt: 'AAAA', N: 2 ** 24, r: 8, p: 1, chunkBytes: 65536, check: 'AAAA' })) }, ...[...files].map(([name, data]) => ({ name, data })), { name: 'manifest.json', data: Buffer.from('{}') }]), passphrase: 'whatever it is', refusal: /encryption header.*N/ },
    // databases
    { name: 'a trigger in a database', bytes: pack(m, withFile('data/episodic.db', alterDb(episodic, "CREATE TRIGGER evil AFTER INSERT ON episodes BEGIN DELETE FROM episodes; END;"))), refusal: /trigger "evil" is not part of it/ },
    { name: 'a view in a database', bytes: pack(m, withFile('data/episodic.db', alterDb(episodic, "CREATE VIEW evil AS SELECT 1; UPDATE sqlite_master SET sql = 'CREATE VIEW evil AS SELECT load_extension(''/tmp/evil'')' WHERE name = 'evil'", true))), refusal: /view "evil" is not part of it/ },
    { name: 'a generated column calling a function', bytes: pack(m, withFile('data/episodic.db', alterDb(episodic, "CREATE TABLE evil (a TEXT, b TEXT GENERATED ALWAYS AS (upper(a)) VIRTUAL); UPDATE sqlite_master SET sql = replace(sql, 'upper(a)', 'load_extension(''/tmp/evil'')') WHERE name = 'evil'", true))), refusal: /table "evil" is not part of it|malformed database schema \(evil\)/ },
    { name: 'a known table with its definition rewritten', bytes: pack(m, withFile('data/episodic.db', alterDb(episodic, "UPDATE sqlite_master SET sql = replace(sql, 'importance REAL', 'importance REAL CHECK (load_extension(''/tmp/evil''))') WHERE name = 'episodes'", true))), refusal: /table "episodes" is not part of it|cannot be read|malformed/ },
    { name: 'a database that fails integrity_check', bytes: pack(m, withFile('data/episodic.db', corruptTable(episodic, 'episodes'))), refusal: /fails SQLite's integrity check/ },
    { name: 'a file that is not SQLite', bytes: pack(m, withFile('data/episodic.db', Buffer.alloc(8192, 7))), refusal: /episodic\.db in the bundle (is not a SQLite database|cannot be read)/ },
    { name: 'a database from a newer app', bytes: pack(m, withFile('data/episodic.db', alterDb(episodic, 'PRAGMA user_version = 99'))), refusal: /schema version 99, newer than this app knows/ },
    { name: 'a database with no schema version', bytes: pack(m, withFile('data/episodic.db', alterDb(episodic, 'PRAGMA user_version = 0'))), refusal: /has no schema version/ },
    { name: 'model weights that are not a model', bytes: pack(manifestWith({ modelFile: { path: 'model/evil.gguf', bytes: 4096, sha256: sha(Buffer.alloc(4096, 1)) } }), files, true, [{ name: 'model/evil.gguf', data: Buffer.alloc(4096, 1), deflate: false }]), refusal: /GGUF/ },
    { name: 'an oversized text field', bytes: pack(m, withFile('data/episodic.db', alterDb(episodic, "UPDATE episodes SET text = printf('%.*c', 2000000, 'x') WHERE rowid = (SELECT min(rowid) FROM episodes)"))), refusal: /holds a value of 2000000 characters, more than PAGI Twin ever stores/ },
  ];
  return cases;
}
