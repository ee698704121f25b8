// Bundles the core (service host, every service, CLI, benchmarks) and the Electron main/preload with esbuild.
// Packages stay external: native modules (better-sqlite3, sqlite-vec, node-llama-cpp) load from node_modules.
import { build } from 'esbuild';
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outdir = join(root, 'out');
rmSync(join(outdir, 'core'), { recursive: true, force: true });
rmSync(join(outdir, 'main'), { recursive: true, force: true });
rmSync(join(outdir, 'chunks'), { recursive: true, force: true });

const services = readdirSync(join(root, 'core'))
  .filter((d) => existsSync(join(root, 'core', d, 'node', 'service.ts')))
  .map((d) => `core/${d}/node/service.ts`);

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: [
    'core/runtime/node/serviceHost.ts',
    'core/host/cli.ts',
    'core/bench/kernelBench.ts',
    'core/bench/inferenceBench.ts',
    'core/bench/memoryBench.ts',
    'core/bench/bundleBench.ts',
    'core/bench/loadBench.ts',
    'core/bench/toolsBench.ts',
    'core/runtime/node/testing/crashingService.ts',
    'core/runtime/node/testing/busCounterService.ts',
    'main/main.ts',
    ...services,
  ],
  outdir,
  outbase: root,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['electron'],
});

// A sandboxed preload is CommonJS and cannot require from node_modules: bundle everything but electron.
await build({ ...common, packages: undefined, entryPoints: ['preload/preload.ts'], outfile: join(outdir, 'preload', 'preload.cjs'), format: 'cjs', external: ['electron'] });
console.log(`built ${services.length} services, service host, CLI, benchmark, main and preload into out/`);
