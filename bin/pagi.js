#!/usr/bin/env node
// The `pagi` command: runs the built CLI (build it with `npm run build:core`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../out/core/host/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('pagi: the CLI is not built yet. Run `npm run build` in the PAGI Twin folder first.\n');
  process.exit(2);
}
const { main } = await import(pathToFileURL(cli).href);
process.exit(await main(process.argv.slice(2)));
