import { readFile, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Where the console's built files are (`@stepstream/console`'s dist), or undefined when it is not installed. */
const consoleDir = (() => {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@stepstream/console/package.json')), 'dist');
  } catch {
    return undefined;
  }
})();

const assets = new Map<string, Promise<Buffer>>();
const assetBody = (file: string): Promise<Buffer> => {
  let body = assets.get(file);
  if (body === undefined) {
    body = readFile(file);
    assets.set(file, body);
    body.catch(() => assets.delete(file));
  }
  return body;
};

/**
 * GET /console/…: the web console's files (`packages/console`, built by `npm run build`). The
 * bundle's own files (`/console/assets/…`) are cached for a year (their names carry their hash);
 * every other path answers the page, which routes by the URL's hash. Only files inside the
 * console's directory are served.
 */
export const serveConsole = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const url = new URL(req.url ?? '/', 'http://console');
  if (url.pathname === '/console') {
    res.writeHead(301, { Location: '/console/' });
    res.end();
    return;
  }
  const notBuilt = () => {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('The console is not built: run `npm run build` (or `npm start`, which builds it), then reload.\n');
  };
  if (consoleDir === undefined) return notBuilt();
  const relative = decodeURIComponent(url.pathname.slice('/console/'.length));
  const asset = relative.startsWith('assets/') && !relative.includes('\0');
  const wanted = join(consoleDir, asset ? relative : 'index.html');
  let file: string;
  try {
    file = await realpath(wanted);
    if (!file.startsWith(consoleDir + sep)) throw new Error('outside');
  } catch {
    if (!asset) return notBuilt();
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Not found\n');
    return;
  }
  // A built asset never changes (its name carries its hash): read once, kept (the whole bundle is ~2 MB).
  const body = asset ? await assetBody(file) : await readFile(file);
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': asset ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
};
