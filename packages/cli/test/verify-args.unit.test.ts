import test from 'ava';
import { parseCommandLine, usage, UsageError } from '../src/args.js';

const verify = (...argv: string[]) => {
  const line = parseCommandLine(['verify', ...argv]);
  if (line.command !== 'verify') throw new Error(`not verify: ${line.command}`);
  return line;
};

test('verify reads its modes: the store, one execution or state machine, a bundle, two checkpoints', (t) => {
  t.deepEqual(verify('--data', 'd').verify, { files: [], full: false, checkpointFiles: [], checkpoints: false, json: false });
  t.deepEqual(verify('--data', 'd').flags, { data: 'd' });
  const one = verify('--execution', 'arn:x', '--full', '--json', '--public-key', 'k.pem', '--checkpoint', 'a.json', '--checkpoint', 'b.json').verify;
  t.deepEqual(one, { files: [], execution: 'arn:x', full: true, publicKey: 'k.pem', checkpointFiles: ['a.json', 'b.json'], checkpoints: false, json: true });
  t.is(verify('--state-machine', 'arn:sm').verify.stateMachine, 'arn:sm');
  t.deepEqual(verify('bundle.json', '--public-key', 'k.pem').verify.files, ['bundle.json']);
  t.deepEqual(verify('--checkpoints', 'old.json', 'new.json').verify, {
    files: ['old.json', 'new.json'],
    full: false,
    checkpointFiles: [],
    checkpoints: true,
    json: false,
  });
});

test('verify refuses what does not go together, with a usage error', (t) => {
  const refused = (argv: string[], message: RegExp) => t.throws(() => parseCommandLine(argv), { instanceOf: UsageError, message });
  refused(['verify', '--execution', 'a', '--state-machine', 'b'], /--execution or --state-machine, not both/);
  refused(['verify', '--full'], /--full goes with --execution or --state-machine/);
  refused(['verify', '--checkpoints', 'one.json'], /takes two files/);
  refused(['verify', '--checkpoints', 'a', 'b', '--execution', 'x'], /checks two files/);
  refused(['verify', 'a.json', 'b.json'], /unexpected argument b\.json/);
  refused(['verify', 'bundle.json', '--checkpoint', 'c.json'], /checks a file/);
  refused(['verify', '--out', 'x'], /--out is an option of history export/);
  refused(['serve', '--json'], /--json is an option of verify/);
  refused(['serve', '--proof'], /--proof is an option of history export/);
});

test('history export takes an execution ARN and --proof, writing to --out or stdout', (t) => {
  t.like(parseCommandLine(['history', 'export', 'arn:e', '--proof', '--port', '9000']), {
    command: 'history export',
    executionArn: 'arn:e',
    out: '-',
    flags: { port: '9000' },
  });
  t.like(parseCommandLine(['history', 'export', 'arn:e', '--proof', '--out', 'e.json']), { out: 'e.json' });
  t.throws(() => parseCommandLine(['history', 'export', 'arn:e']), { instanceOf: UsageError, message: /add --proof/ });
  t.throws(() => parseCommandLine(['history', 'export', '--proof']), { instanceOf: UsageError, message: /needs the execution ARN/ });
  t.throws(() => parseCommandLine(['history', 'show']), { instanceOf: UsageError, message: /unknown history command/ });
});

test('help lists the verify and history export commands and their options', (t) => {
  for (const text of [
    'verify BUNDLE',
    'verify --checkpoints A B',
    'history export ARN',
    '--public-key FILE',
    '--checkpoint FILE',
    '--execution ARN',
    '--state-machine ARN',
    '--full',
    '--json',
    '--proof',
    '--out FILE',
  ]) {
    t.true(usage.includes(text), text);
  }
});
