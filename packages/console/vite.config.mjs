// The console is a static bundle the server serves at /console/ (packages/server/src/console.ts).
// JSX is compiled by esbuild for Preact; no dev server is needed to run it.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // elkjs's worker (~1.6 MB) is a file of its own, fetched only when the browser lays a graph out itself.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1600 },
});
