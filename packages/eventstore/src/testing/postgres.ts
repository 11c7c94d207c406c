import pg from 'pg';

/** The Postgres server the tests use: `DATABASE_URL`, or the machine's local server. */
export const postgresUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why Postgres tests cannot run here, or undefined when the server answers. */
export const postgresUnavailable = async (): Promise<string | undefined> => {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    return `Postgres at ${postgresUrl.replace(/:[^:@/]*@/, ':***@')} does not answer (${(e as Error).message}); start it or set DATABASE_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** A schema name unique to one test file's run, so parallel runs never share tables. */
export const uniqueSchema = (label: string) => `t_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

export const dropSchema = async (schema: string) => {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
  } finally {
    await client.end();
  }
};

/**
 * A database of its own on the test server, for a test file whose engine keeps fixed schemas
 * (`sfn_read`, `audit`): its URL, and `create` / `drop` (drop ends its connections).
 *
 * @example
 * const db = ownDatabase(`stepstream_cli_${process.pid}`);
 * test.before(db.create); test.after.always(db.drop);
 */
export const ownDatabase = (name: string) => {
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    url: url.toString(),
    create: () => admin(`create database ${pg.escapeIdentifier(name)}`),
    drop: () => admin(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`),
  };
};
