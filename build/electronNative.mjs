// Builds better-sqlite3 for Electron's ABI into native/build/electron-<abi>/, beside the Node build in
// node_modules, so tests and `pagi serve` (Node) and the desktop app (Electron) work from one checkout.
// native/sqlite.ts picks the right one at run time. Needs Electron's headers (downloaded once by node-gyp).
import { rebuild } from '@electron/rebuild';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { getAbi } from 'node-abi';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const abi = getAbi(electronVersion, 'electron');
const target = join(root, 'native', 'build', `electron-${abi}`, 'better_sqlite3.node');
if (existsSync(target) && !process.argv.includes('--force')) {
  console.log(`better-sqlite3 for Electron ${electronVersion} (ABI ${abi}) is already built: ${target}`);
  process.exit(0);
}
const work = join(root, 'native', 'build', 'electron-rebuild');
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'node_modules'), { recursive: true });
writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'pagi-electron-native', version: '0.0.0', dependencies: { 'better-sqlite3': '*' } }));
cpSync(join(root, 'node_modules', 'better-sqlite3'), join(work, 'node_modules', 'better-sqlite3'), { recursive: true });
for (const dep of ['bindings', 'file-uri-to-path']) {
  if (existsSync(join(root, 'node_modules', dep))) cpSync(join(root, 'node_modules', dep), join(work, 'node_modules', dep), { recursive: true });
}
await rebuild({ buildPath: work, electronVersion, onlyModules: ['better-sqlite3'], force: true });
mkdirSync(join(root, 'native', 'build', `electron-${abi}`), { recursive: true });
cpSync(join(work, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), target);
rmSync(work, { recursive: true, force: true });
console.log(`built better-sqlite3 for Electron ${electronVersion} (ABI ${abi}): ${target}`);
