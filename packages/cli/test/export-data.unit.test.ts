import test from 'ava';
import { progressOnStderr } from '../src/export-data.js';

// The progress of a long export: nothing for a short one, then one line rewritten at most once a
// second, finished with a newline.

const clocked = () => {
  let at = 0;
  const written: string[] = [];
  const progress = progressOnStderr(
    (text) => written.push(text),
    () => at,
  );
  return { progress, written, advance: (ms: number) => (at += ms) };
};

test('a short export prints no progress', (t) => {
  const { progress, written, advance } = clocked();
  progress.show({ phase: 'events', done: 10, exported: 3 });
  advance(900);
  progress.show({ phase: 'events', done: 20, exported: 6 });
  progress.end();
  t.deepEqual(written, []);
});

test('a long one: a line each second at most, rewritten in place, then a newline', (t) => {
  const { progress, written, advance } = clocked();
  advance(1000);
  progress.show({ phase: 'analytics', done: 5000 });
  advance(500);
  progress.show({ phase: 'events', done: 6000, exported: 10 });
  advance(600);
  progress.show({ phase: 'events', done: 9000, exported: 12 });
  progress.end();
  t.deepEqual(written, [
    '\rexport: bringing the analytics read model up to date: 5000 events applied',
    `\r${'export: events: 9000 read, 12 in the range'.padEnd('export: bringing the analytics read model up to date: 5000 events applied'.length)}`,
    '\n',
  ]);
});
