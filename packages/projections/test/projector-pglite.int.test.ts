import anyTest, { type TestFn } from 'ava';
import { openPGlite, openPGliteEventStore } from '@stepstream/eventstore';
import { projectorSuite, type SuiteContext } from './projector-suite.js';

const test = anyTest as TestFn<SuiteContext>;

// Events and read models in one in-memory PGlite, as `stepstream serve` runs by default.
projectorSuite(test, async () => {
  const shared = await openPGlite();
  const store = await openPGliteEventStore({ shared });
  return {
    store,
    db: shared.db,
    close: async () => {
      await store.close();
      await shared.db.destroy();
      await shared.pglite.close();
    },
  };
});
