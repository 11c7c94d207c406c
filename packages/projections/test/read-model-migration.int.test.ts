import { openPGlite, openPGliteEventStore } from '@stepstream/eventstore';
import test from 'ava';
import { Migrator, sql } from 'kysely';
import { findStateMachine, getProjector, SFN_READ_MODEL, sfnReadModel } from '../src/index.js';

test('migration 0009 keeps an existing read model: a value that starts with U+0001 still reads back as written, configurations become json', async (t) => {
  const shared = await openPGlite();
  const store = await openPGliteEventStore({ shared });
  const { db } = shared;
  t.teardown(async () => {
    await store.close();
    await db.destroy();
    await shared.pglite.close();
  });
  // A read model as the previous version left it (migrations up to 0008), rows written raw.
  await sql`create schema ${sql.id(SFN_READ_MODEL)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => sfnReadModel.migrations(SFN_READ_MODEL) },
    migrationTableSchema: SFN_READ_MODEL,
    migrationTableName: 'migrations',
    migrationLockTableName: 'migrations_lock',
  });
  t.is((await migrator.migrateTo('0008_running_map_runs_by_stream')).error, undefined);
  const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:old';
  const definition = '\u0001 starts with the escape mark, \u0001 and has it inside';
  await sql`insert into ${sql.id(SFN_READ_MODEL, 'state_machines')} (arn, name, type, definition, role_arn, creation_date, logging, tracing)
    values (${arn}, 'old', 'STANDARD', ${definition}, 'role', 1, ${JSON.stringify({ level: 'OFF' })}::jsonb, '{"enabled":false}'::jsonb)`.execute(db);
  // The projector migrates on start; nothing else changes.
  await getProjector({ store, db, projection: sfnReadModel }).catchUp();
  const row = await findStateMachine(db, arn);
  t.is(row?.definition, definition);
  t.is(row?.name, 'old');
  t.deepEqual(row?.logging, { level: 'OFF' });
  t.deepEqual(row?.tracing, { enabled: false });
  const { rows } = await sql<{ data_type: string }>`select data_type from information_schema.columns
    where table_schema = ${SFN_READ_MODEL} and table_name = 'state_machines' and column_name in ('logging', 'tracing', 'encryption')`.execute(db);
  t.deepEqual(
    rows.map((r) => r.data_type),
    ['json', 'json', 'json'],
  );
});
