import { defineConfig } from 'vite';

// The renderer: built into out/renderer, loaded from file:// in Electron and served by `pagi serve`.
export default defineConfig({
  root: 'renderer',
  base: './',
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    rollupOptions: {
      // React Query marks its modules "use client" (for server-component bundlers); meaningless in an SPA
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
