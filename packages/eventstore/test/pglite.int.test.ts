import anyTest, { type TestFn } from 'ava';
import { openPGliteEventStore } from '../src/sql/pglite.js';
import { eventStoreContract, type ContractContext } from '../src/testing/index.js';

const test = anyTest as TestFn<ContractContext>;

// An in-memory PGlite, created once for this file (creating one costs seconds).
eventStoreContract(test, () => openPGliteEventStore());
