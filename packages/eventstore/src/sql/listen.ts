import pg from 'pg';

/** A LISTEN connection to a channel, kept open: {@link listenChannel}. */
export interface Listening {
  readonly close: () => Promise<void>;
}

/**
 * LISTENs to `channel` on a connection of its own and hands every notification's payload to
 * `onPayload`. A lost connection is reported through `onNotice` and opened again (100 ms doubling
 * up to 5 s); `onReconnected` runs once it is back (what was sent meanwhile was not heard).
 *
 * @example
 * const listening = await listenChannel({ connectionString, channel: 'stepstream_events', applicationName: 'stepstream-listen', onPayload: wake });
 */
export const listenChannel = async (options: {
  readonly connectionString: string;
  readonly channel: string;
  readonly applicationName: string;
  readonly onPayload: (payload: string) => void;
  readonly onNotice?: (message: string) => void;
  readonly onReconnected?: () => void;
}): Promise<Listening> => {
  const notice = options.onNotice ?? (() => {});
  let client: pg.Client | undefined;
  let closed = false;
  let delay = 100;
  const retry = (why: string) => {
    notice(why);
    setTimeout(() => void reconnect(), delay);
    delay = Math.min(delay * 2, 5000);
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: options.connectionString, application_name: options.applicationName });
    c.on('notification', (n) => {
      if (n.payload !== undefined) options.onPayload(n.payload);
    });
    c.on('error', (e) => {
      if (closed) return;
      c.end().catch(() => undefined);
      retry(`LISTEN ${options.channel}: connection lost (${e.message}); reconnecting`);
    });
    await c.connect();
    await c.query(`listen ${pg.escapeIdentifier(options.channel)}`);
    client = c;
    delay = 100;
  };
  const reconnect = async () => {
    if (closed) return;
    try {
      await connect();
      options.onReconnected?.();
    } catch (e) {
      retry(`LISTEN ${options.channel}: reconnecting failed (${(e as Error).message}); retrying`);
    }
  };
  await connect();
  return {
    close: async () => {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
};
