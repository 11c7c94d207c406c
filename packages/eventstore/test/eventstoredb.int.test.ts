import anyTest, { type TestFn } from 'ava';
import { openEventStoreDB } from '../src/index.js';
import { eventStoreContract, type ContractContext } from '../src/testing/index.js';

const test = anyTest as TestFn<ContractContext>;
const url = process.env['EVENTSTORE_URL'];

if (!url) {
  const why = 'EVENTSTORE_URL is not set (e.g. esdb://127.0.0.1:2113?tls=false); no EventStoreDB server to test against';
  console.log(`SKIP EventStoreDB contract suite: ${why}`);
  test.skip(`EventStoreDB contract suite (${why})`, () => {});
} else {
  eventStoreContract(test, () => openEventStoreDB({ connectionString: url }));
}
