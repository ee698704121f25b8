import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'native/**/*.test.ts', 'main/**/*.test.ts', 'renderer/src/**/*.test.ts'],
    globalSetup: ['core/test/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // integration suites start 14 processes each: on a 2-core machine they run one file at a time
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
