import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { EnginePorts, Logger } from '@stepstream/runtime';
import { makeOperations, makeStepstreamOperations } from './operations/index.js';
import { foreignResource } from './auth/accounts.js';
import { makeGuard, type GuardOptions } from './auth/guard.js';
import { handleRequest } from './protocol.js';
import { PageTokens } from './tokens.js';

export interface ServeOptions {
  /** The engine's ports (a started `Engine`): its use cases, its reads, the deployment's tokens. */
  readonly engine: EnginePorts;
  readonly host: string;
  readonly port: number;
  readonly log: Logger;
  /** Who may call and how often: SigV4 keys, throttling (docs/security.md). Absent: anyone, unthrottled. */
  readonly guard?: GuardOptions;
  /** HTTPS with this certificate and key (PEM); absent: HTTP. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  /**
   * Stops listening. With `drainMs`, a graceful stop: idle connections close at once and the
   * requests under way are given up to that long to be answered (an activity task handed to a
   * worker reaches it; stop the engine's long polls first, `Engine.stopTaking`); without it, every
   * connection is cut now.
   */
  close(options?: { readonly drainMs?: number }): Promise<void>;
}

/** Listens for the Step Functions API on host:port (port 0 picks a free one). */
export const serveApi = async (options: ServeOptions): Promise<RunningServer> => {
  const { secret, taskTokens } = options.engine.deployment();
  const deps = { engine: options.engine, tokens: new PageTokens(secret), taskTokens };
  // AWS's operations by name, Stepstream's by their whole target (`Stepstream.…`): no name is both.
  const operations = { ...makeOperations(deps), ...makeStepstreamOperations(deps) };
  // Requests under way, so a graceful stop can let them finish.
  let active = 0;
  let drained: (() => void) | undefined;
  const access =
    options.guard && (options.guard.keys || options.guard.quotas)
      ? {
          admit: makeGuard(options.guard),
          owns: (body: Record<string, unknown>, account: string, operation: string) =>
            // An import stores under the deployment's ARNs: only its own account may import.
            operation === 'Stepstream.ImportExecution' && account !== options.guard!.account
              ? {
                  type: 'AccessDeniedException',
                  status: 400,
                  message: `Stepstream.ImportExecution stores in the deployment's account (${options.guard!.account}), not ${account}`,
                }
              : foreignResource(body, account, operation, taskTokens),
        }
      : undefined;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    active++;
    res.once('close', () => {
      active--;
      if (active === 0) drained?.();
    });
    void handleRequest(operations, req, res, options.log, options.engine.metrics, access);
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createServer(listener);
  server.keepAliveTimeout = 65_000;
  // What Node's HTTP parser refuses before a request exists (headers over 16 KiB, a malformed
  // request line) still gets an AWS-shaped answer, then the connection is closed.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      __type: 'SerializationException',
      message: tooLarge
        ? 'The request headers are larger than the 16 KiB this service reads; send fewer or shorter headers'
        : `The request is not valid HTTP (${err.code ?? 'parse error'}); send POST / with X-Amz-Target: AWSStepFunctions.<Operation>`,
    });
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `${options.tls ? 'https' : 'http'}://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    close: async (closing = {}) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const drainMs = closing.drainMs ?? 0;
      if (drainMs > 0 && active > 0) {
        server.closeIdleConnections();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainMs);
          timer.unref();
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      server.closeAllConnections();
      await closed;
    },
  };
};
