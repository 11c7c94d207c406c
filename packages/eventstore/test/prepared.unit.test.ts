import test from 'ava';
import { MAX_NAMED_STATEMENTS, StatementNames } from '../src/sql/prepared.js';

test('a text is named from its second send on, the same name each time; names are bounded', (t) => {
  const names = new StatementNames();
  t.is(names.nameOf('select $1'), undefined, 'first send: unnamed');
  const name = names.nameOf('select $1');
  t.regex(name ?? '', /^stepstream_[0-9a-f]{24}$/);
  t.is(names.nameOf('select $1'), name);
  t.not(names.nameOf('select $2') ?? names.nameOf('select $2'), name, 'another text, another name');
  for (let i = 0; i < MAX_NAMED_STATEMENTS + 10; i++) {
    names.nameOf(`select ${i}`);
    names.nameOf(`select ${i}`);
  }
  t.is(names.nameOf('select past the bound'), undefined);
  t.is(names.nameOf('select past the bound'), undefined, 'past the bound a repeated text stays unnamed');
  t.is(names.nameOf('select $1'), name, 'a text named before keeps its name');
});
