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
