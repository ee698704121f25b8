// Adds up the unit/integration (vitest) and e2e (Playwright) results into one closing line.
import { existsSync, readFileSync } from 'node:fs';

const read = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null);
let passed = 0;
let failed = 0;
let skipped = 0;
const vitest = read('test-results/vitest.json');
if (vitest) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  skipped += vitest.numPendingTests + vitest.numTodoTests;
}
const pw = read('test-results/playwright.json');
if (pw) {
  passed += pw.stats.expected;
  failed += pw.stats.unexpected + (pw.stats.flaky ?? 0);
  skipped += pw.stats.skipped;
}
if (!vitest && !pw) {
  console.log('no test results were written (the run stopped before the tests)');
  process.exit(0);
}
console.log(`Total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
