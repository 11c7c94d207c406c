import test from 'ava';
import { ReadAhead } from '../src/operations/read-ahead.js';

const later = <T>(value: T, ms = 5) => new Promise<T>((r) => setTimeout(() => r(value), ms));

test('what was read ahead is taken once; an unknown key is not there', async (t) => {
  const ahead = new ReadAhead<string>({ inFlight: 2, weight: 100, ttlMs: 10_000 });
  ahead.start(
    'a',
    () => later('page a'),
    (v) => v.length,
  );
  t.is(await ahead.take('a'), 'page a');
  t.is(ahead.take('a'), undefined, 'taken: no longer held');
  t.is(ahead.take('b'), undefined);
});

test('no more than inFlight reads run at once; a key held already is not read again', async (t) => {
  const ahead = new ReadAhead<string>({ inFlight: 2, weight: 1000, ttlMs: 10_000 });
  let reads = 0;
  const read = (v: string) => () => {
    reads += 1;
    return later(v);
  };
  ahead.start('a', read('a'), () => 1);
  ahead.start('a', read('a again'), () => 1);
  ahead.start('b', read('b'), () => 1);
  ahead.start('c', read('c'), () => 1);
  t.is(reads, 2, 'a duplicate and a third while two run are not started');
  t.is(ahead.take('c'), undefined);
  t.is(await ahead.take('a'), 'a');
  await ahead.take('b');
  ahead.start('c', read('c'), () => 1);
  t.is(await ahead.take('c'), 'c', 'room again once the reads ended');
});

test('results refused by keep, and failed reads, are dropped', async (t) => {
  const ahead = new ReadAhead<string>({ inFlight: 4, weight: 1000, ttlMs: 10_000 });
  ahead.start(
    'short',
    () => later('short'),
    () => 1,
    (v) => v !== 'short',
  );
  ahead.start(
    'broken',
    () => Promise.reject(new Error('the store went away')),
    () => 1,
  );
  await later(undefined, 20);
  t.is(ahead.take('short'), undefined);
  t.is(ahead.take('broken'), undefined);
});

test('past the weight the oldest results go first; past ttlMs every result goes', async (t) => {
  const ahead = new ReadAhead<string>({ inFlight: 8, weight: 10, ttlMs: 60 });
  ahead.start(
    'old',
    () => later('123456'),
    (v) => v.length,
  );
  await later(undefined, 15);
  ahead.start(
    'new',
    () => later('abcdef'),
    (v) => v.length,
  );
  await later(undefined, 15);
  t.is(ahead.take('old'), undefined, '12 units held > 10: the oldest went');
  t.is(await ahead.take('new'), 'abcdef');
  ahead.start(
    'stale',
    () => later('x'),
    () => 1,
  );
  await later(undefined, 100);
  t.is(ahead.take('stale'), undefined, 'older than ttlMs');
});
