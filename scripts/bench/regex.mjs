#!/usr/bin/env node
/**
 * Regex benchmark: `npm run bench:regex [-- --quick]`.
 *
 * Patterns in definitions and strings in inputs both come from users, and a backtracking matcher
 * can spend seconds on one pair while every other client of the event loop waits (issue 11: a
 * `StringMatches` of `*a*a*a*a*a*a*a*a*a*az` against 40 `a`s, or a filter `=~ /(a+)+b/`, took
 * 11 s). This measures, in one process, through the built `asl` package (`packages/asl/dist`):
 *
 * 1. The pathological cases on today's matchers — StringMatches (literal pieces placed left to
 *    right), the JSONPath filter and JSONata `$match` (RE2, re2js) — at 40 characters, each
 *    against a benign pattern of the same length on the same input. Ratio = pathological ÷
 *    benign: near 1 means the bad pattern costs what any pattern costs.
 * 2. The backtracking RegExp the matchers replaced, on the same pathological patterns, at 16–26
 *    characters (40 would take seconds to minutes): the time per call and its growth per two
 *    more characters, to show what was bounded.
 *
 * Each cell is timed in 5 rounds of repeated calls, 200 ms in all (50 ms with --quick), after a
 * warm-up, and the fastest round counts; the backtracking cells take the best of 3 single calls
 * per size. The fastest is the figure least disturbed by other work on the machine. Results go
 * to bench-results/.
 */
import { evaluateChoiceRule, evaluateJsonata, selectPath } from '../../packages/asl/dist/src/index.js';
import { finishRun, log, machineEnvironment, round } from './common.mjs';

const quick = process.argv.includes('--quick');
const minMs = quick ? 50 : 200;

/**
 * µs per call of `f`: 5 rounds, each calling it until `minMs` ÷ 5 have passed (after 3 untimed
 * calls); the fastest round counts, as the one least disturbed by other processes on the machine.
 */
const timeCall = (f) => {
  for (let i = 0; i < 3; i++) f();
  let best = Infinity;
  let total = 0;
  for (let r = 0; r < 5; r++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < minMs / 5) {
      f();
      calls++;
      elapsed = performance.now() - start;
    }
    total += calls;
    best = Math.min(best, (elapsed * 1000) / calls);
  }
  return { usPerCall: round(best, 2), calls: total };
};

/** µs of one call, best of 3: for the backtracking cells, where one call can take seconds. */
const timeOnce = (f) => {
  let best = Infinity;
  let result;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    result = f();
    best = Math.min(best, performance.now() - start);
  }
  return { us: round(best * 1000, 1), result };
};

const N = 40;
const STAR_PATTERN = '*a*a*a*a*a*a*a*a*a*az';
/** Same length (21), one star: nothing to try twice. */
const STAR_BENIGN = `${'a'.repeat(10)}*${'a'.repeat(9)}z`;

const choice = (pattern, value) => evaluateChoiceRule({ Variable: '$.v', StringMatches: pattern, Next: 'X' }, { input: { v: value }, context: {} });
const filter = (regex, value) => selectPath(`$..[?(@.x =~ /${regex}/)]`, { items: [{ x: value }] });
const jsonataScope = (value) => ({ states: { input: value, context: {} }, now: 0, random: () => 0.5, uuid: () => 'u' });
const match = (regex, value) => {
  try {
    return evaluateJsonata(`{% $match($states.input, /${regex}/) %}`, jsonataScope(value), 'Output');
  } catch {
    return undefined; // no match: "returned nothing"
  }
};

/** The matcher StringMatches used before: the pattern as a backtracking RegExp. */
const oldStarRegExp = (pattern) => new RegExp(`^${pattern.split('*').join('[\\s\\S]*')}$`);

const main = async () => {
  const startedAt = new Date();
  const aN = 'a'.repeat(N);
  const cells = [];
  const pair = (name, bad, benign, patternBad, patternBenign) => {
    log(`${name}…`);
    const b = timeCall(bad);
    const g = timeCall(benign);
    cells.push({
      case: name,
      input: `${N} chars`,
      pathological: patternBad,
      benign: patternBenign,
      badUs: b.usPerCall,
      benignUs: g.usPerCall,
      ratio: round(b.usPerCall / g.usPerCall, 2),
    });
  };
  if (choice(STAR_PATTERN, aN) !== false) throw new Error('StringMatches should be false');
  pair(
    'StringMatches (Choice rule)',
    () => choice(STAR_PATTERN, aN),
    () => choice(STAR_BENIGN, aN),
    STAR_PATTERN,
    STAR_BENIGN,
  );
  const aNc = `${aN}c`;
  if (filter('(a+)+b', aNc).value.length !== 0) throw new Error('the filter should select nothing');
  pair(
    'JSONPath filter =~',
    () => filter('(a+)+b', aNc),
    () => filter('(ab)+b', aNc),
    '(a+)+b',
    '(ab)+b',
  );
  if (match('(a+)+b', aNc) !== undefined) throw new Error('$match should find nothing');
  pair(
    'JSONata $match',
    () => match('(a+)+b', aNc),
    () => match('(ab)+b', aNc),
    '(a+)+b',
    '(ab)+b',
  );

  const backtracking = [];
  const sizes = quick ? [16, 18, 20, 22] : [16, 18, 20, 22, 24, 26];
  for (const [name, re, input] of [
    ['StringMatches as RegExp (before)', oldStarRegExp(STAR_PATTERN), (n) => 'a'.repeat(n)],
    ['filter =~ as RegExp (before)', /^(?:(a+)+b)$/, (n) => `${'a'.repeat(n)}c`],
  ]) {
    re.test(input(8)); // untimed: the first call compiles the RegExp
    let previous;
    for (const n of sizes) {
      log(`${name}, ${n} chars…`);
      const { us, result } = timeOnce(() => re.test(input(n)));
      if (result !== false) throw new Error(`${name} should not match`);
      backtracking.push({ case: name, chars: n, us, growth: previous === undefined ? null : round(us / previous, 1) });
      previous = us;
    }
  }

  const results = { benchmark: 'regex', startedAt: startedAt.toISOString(), environment: machineEnvironment(), minMsPerCell: minMs, cells, backtracking };
  await finishRun('regex', startedAt, results, (r) =>
    [
      `Pathological patterns on today's matchers, ${N}-character inputs (µs per call; ratio = pathological ÷ benign, same pattern length)`,
      '',
      '| case | pathological | benign | pathological µs | benign µs | ratio |',
      '|---|---|---|---|---|---|',
      ...r.cells.map((c) => `| ${c.case} | \`${c.pathological}\` | \`${c.benign}\` | ${c.badUs} | ${c.benignUs} | ${c.ratio} |`),
      '',
      'The backtracking RegExp they replaced, on smaller inputs (µs per call, best of 3; growth = ÷ the size 2 characters shorter)',
      '',
      '| case | chars | µs | growth |',
      '|---|---|---|---|',
      ...r.backtracking.map((b) => `| ${b.case} | ${b.chars} | ${b.us} | ${b.growth ?? ''} |`),
    ].join('\n'),
  );
};

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
