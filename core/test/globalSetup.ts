import { execFileSync } from 'node:child_process';

/** Child-process tests run the built service host and services: build them once per run. */
export default function setup(): void {
  execFileSync(process.execPath, ['build/buildCore.mjs'], { stdio: 'inherit' });
}
