import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ownDatabase, postgresUnavailable } from '@stepstream/eventstore/testing';
import test from 'ava';
import { freePort, run, serve, sfnClient, stackLines, stop } from './stepstream-process.js';

// The CLI keeps its events and read models in fixed schemas, so this file gets a database of its own.
const unavailable = await postgresUnavailable();
const own = ownDatabase(`stepstream_cli_${process.pid}`);
const databaseUrl = own.url;

if (unavailable) {
  console.log(`SKIP stepstream on Postgres: ${unavailable}`);
  test.skip(`stepstream on Postgres (${unavailable})`, () => {});
} else {
  test.before(own.create);
  test.after.always(own.drop);

  test.serial('on Postgres servers share the database, a rebuild is refused while one runs and runs once they stop', async (t) => {
    const port = await freePort();
    const client = sfnClient(port);
    try {
      const server = await serve(['--database-url', databaseUrl, '--port', String(port)]);
      const { stateMachineArn } = await client.send(
        new CreateStateMachineCommand({
          name: 'pg',
          roleArn: 'arn:aws:iam::123456789012:role/r',
          definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
        }),
      );
      const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'one', input: '{}' }));

      // A second server on the same database is how Stepstream scales out: allowed.
      const second = await serve(['--database-url', databaseUrl, '--port', String(await freePort())]);

      const refused = await run(['projections', 'rebuild', '--database-url', databaseUrl]);
      t.is(refused.code, 1);
      t.deepEqual(stackLines(refused.stderr), []);
      t.regex(refused.stderr, /^stepstream: a stepstream server is using the read models in Postgres at .*: stop every server on this database first/m);

      await stop(second);
      const stillRefused = await run(['projections', 'rebuild', '--database-url', databaseUrl]);
      t.is(stillRefused.code, 1, 'one server still runs');
      let d = await client.send(new DescribeExecutionCommand({ executionArn }));
      while (d.status === 'RUNNING') d = await client.send(new DescribeExecutionCommand({ executionArn }));
      t.is(d.status, 'SUCCEEDED', 'the server that stayed up kept serving');

      await stop(server);
      const rebuilt = await run(['projections', 'rebuild', '--database-url', databaseUrl]);
      t.is(rebuilt.code, 0, rebuilt.stderr);
      t.regex(rebuilt.stderr, /read models rebuilt from \d+ events/);

      const again = await serve(['--database-url', databaseUrl, '--port', String(port)]);
      const listed = await client.send(new ListExecutionsCommand({ stateMachineArn }));
      t.deepEqual(
        listed.executions!.map((e) => e.name),
        ['one'],
      );
      await stop(again);
    } finally {
      client.destroy();
    }
  });
}
