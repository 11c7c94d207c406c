import anyTest, { type TestFn } from 'ava';
import { openPostgresEventStore } from '../src/sql/postgres.js';
import { eventStoreContract, type ContractContext } from '../src/testing/index.js';
import { dropSchema, postgresUnavailable, postgresUrl, uniqueSchema } from '../src/testing/postgres.js';

const test = anyTest as TestFn<ContractContext>;
const unavailable = await postgresUnavailable();

if (unavailable) {
  console.log(`SKIP postgres contract suite: ${unavailable}`);
  test.skip(`postgres contract suite (${unavailable})`, () => {});
} else {
  const schema = uniqueSchema('contract');
  eventStoreContract(test, () => openPostgresEventStore({ connectionString: postgresUrl, schema }));
  test.after.always(() => dropSchema(schema));
}
