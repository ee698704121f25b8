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
  },
});
