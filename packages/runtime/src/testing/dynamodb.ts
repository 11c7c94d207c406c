import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

// A real DynamoDB-compatible server for tests (issue 20): dynalite, in memory, in this process.

/** The part of dynalite (CommonJS, untyped) used here: a `net.Server`-like server. */
interface Dynalite {
  listen(port: number, host: string, done: () => void): void;
  address(): AddressInfo | string | null;
  close(done: () => void): void;
}
const dynalite = createRequire(import.meta.url)('dynalite') as (options: { readonly createTableMs: number }) => Dynalite;

/** A running dynalite and how to stop it. */
export interface LocalDynamoDb {
  /** Its URL, `http://127.0.0.1:<port>`: a `ServiceEndpoint` `url` for `dynamodb`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts dynalite (DynamoDB's API on LevelDB, here in memory) on 127.0.0.1 at a free port; tables
 * are ACTIVE as soon as they are created.
 *
 * @example
 * ```ts
 * const dynamo = await startDynamoDb();
 * const engine = new Engine({ …, endpoints: new Map([['dynamodb', { kind: 'url', url: dynamo.endpoint }]]) });
 * // … and in test.after.always: await dynamo.stop();
 * ```
 */
export const startDynamoDb = async (): Promise<LocalDynamoDb> => {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((closed) => server.close(() => closed())) };
};
