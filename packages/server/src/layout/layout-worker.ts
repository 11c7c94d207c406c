/**
 * The thread that lays graphs out with ELK (elkjs), one at a time, for {@link GraphLayouts}: a
 * layout can take hundreds of milliseconds (ELK's first, with its code still cold), which the
 * server's event loop must never wait for.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

interface Elk {
  layout(graph: unknown): Promise<unknown>;
}
const ELK = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js') as new () => Elk;
const elk = new ELK();

parentPort?.on('message', (message: { readonly id: number; readonly graph: unknown }) => {
  elk.layout(message.graph).then(
    (layout) => parentPort?.postMessage({ id: message.id, layout: JSON.stringify(layout) }),
    (e: unknown) => parentPort?.postMessage({ id: message.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
