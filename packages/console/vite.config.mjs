// The console is a static bundle the server serves at /console/ (packages/server/src/console.ts).
// JSX is compiled by esbuild for Preact; no dev server is needed to run it.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // elkjs (the graph layout, ~1.5 MB) is its own chunk, loaded when a graph is first drawn.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1600 },
});
