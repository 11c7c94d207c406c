// The console is a static bundle the server serves at /console/ (packages/server/src/console.ts).
// JSX is compiled by esbuild for Preact; no dev server is needed to run it.
import { defineConfig } from 'vite';

/**
 * ELK's worker (~1.6 MB of script to fetch and compile) is started by a line in the page's head
 * on a page that draws a graph, before the console's own script is even fetched; graph.tsx takes
 * that worker when it first lays a graph out (and starts one itself otherwise).
 */
const startElkEarly = () => ({
  name: 'stepstream-start-elk-early',
  transformIndexHtml: {
    order: 'post',
    handler(html, ctx) {
      const worker = Object.values(ctx.bundle ?? {}).find((file) => file.type === 'asset' && /elk-worker\.min-[^/]*\.js$/.test(file.fileName));
      if (worker === undefined) return html;
      const url = JSON.stringify(`/console/${worker.fileName}`);
      const script = `<script>if (/^#\\/(machine|execution)\\//.test(location.hash)) globalThis.stepstreamElkWorker = new Worker(${url});</script>`;
      return html.replace('<title>', `${script}\n    <title>`);
    },
  },
});

export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  plugins: [startElkEarly()],
  // elkjs's worker (the graph layout, ~1.6 MB) is a file of its own, fetched by the worker itself.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1600 },
});
