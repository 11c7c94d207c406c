/**
 * Regular expressions from definitions and inputs (JSONPath filter `=~`, JSONata regex
 * literals), matched by `re2js` — a port of RE2 whose time is linear in the input — instead of
 * JavaScript's backtracking RegExp, which took 11 s on `(a+)+b` against 40 characters and held
 * the event loop (and every other client) for that long.
 *
 * The patterns keep JavaScript's syntax: {@link translateRegex} rewrites them for RE2. A pattern
 * that JavaScript rejects fails as it always did (a `SyntaxError`); one that needs backtracking
 * (backreferences, lookaround) fails the same way, saying why.
 *
 * @module
 */
import { RE2JS } from 're2js';
import { translateRegex, type UnsupportedFeature } from './translate.js';

const FEATURES: Readonly<Record<UnsupportedFeature, string>> = {
  backreference: 'backreferences (\\1, \\k<name>) are not supported',
  lookaround: 'lookaround ((?=…), (?!…), (?<=…), (?<!…)) is not supported',
};

const invalid = (source: string, why: string): SyntaxError => new SyntaxError(`Invalid regular expression: /${source}/: ${why}`);

const cache = new Map<string, RE2JS>();

/**
 * Compiles a JavaScript pattern (`source` and `flags` as a RegExp literal has them) for linear
 * matching. Flags: `i` and `m` as in JavaScript, `s` and `u` through the rewrite; others (`g`,
 * `y`, `d`) do not change what matches and are left to the caller. `anchored` compiles
 * `^(?:source)$`, and error messages still quote `source`.
 *
 * @example
 * ```ts
 * compileLinearRegex('(a+)+b', '', { anchored: true }).test('a'.repeat(40) + 'c');   // false, at once
 * compileLinearRegex('(a)\\1', '');   // throws SyntaxError: … backreferences … are not supported …
 * ```
 * @throws SyntaxError when JavaScript rejects the pattern, or it needs a backtracking feature.
 */
export const compileLinearRegex = (source: string, flags: string, options: { readonly anchored?: boolean } = {}): RE2JS => {
  const full = options.anchored === true ? `^(?:${source})$` : source;
  const key = `${flags}/${full}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  // JavaScript's parser is the judge of what is valid, as before; building a RegExp parses it
  // (linear in the pattern) and matches nothing.
  new RegExp(full, flags.replace(/[^imsu]/g, ''));
  const translation = translateRegex(full, flags);
  if (!translation.ok) throw invalid(source, `${FEATURES[translation.feature]}, because regular expressions are matched in linear time (RE2)`);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(translation.pattern, (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0));
  } catch (e) {
    // Valid JavaScript that RE2 refuses: a repeat count over 1000, an unknown \p{…} name.
    throw invalid(source, `not supported by the linear-time matcher (RE2): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (cache.size > 1000) cache.clear();
  cache.set(key, compiled);
  return compiled;
};

/**
 * A RegExp look-alike running on RE2, for libraries that take a regex engine class: `exec` with
 * `lastIndex` (honoured and advanced under the `g` or `y` flag, reset to 0 after a miss), `test`,
 * `source`, `flags`, `global`. What jsonata's `RegexEngine` option needs.
 *
 * @example
 * ```ts
 * const re = new LinearRegExp(/a(b)?/g);
 * re.exec('xab');   // ['ab', 'b'], index 1; re.lastIndex === 3
 * ```
 * @throws SyntaxError from the constructor, as {@link compileLinearRegex}.
 */
export class LinearRegExp {
  readonly source: string;
  readonly flags: string;
  lastIndex = 0;
  readonly #compiled: RE2JS;

  constructor(pattern: RegExp | LinearRegExp | string, flags?: string) {
    this.source = typeof pattern === 'string' ? pattern : pattern.source;
    this.flags = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    this.#compiled = compileLinearRegex(this.source, this.flags);
  }

  get global(): boolean {
    return this.flags.includes('g');
  }

  get sticky(): boolean {
    return this.flags.includes('y');
  }

  /** As `RegExp.prototype.exec`: the match with its groups (`undefined` when unmatched), or null. */
  exec(input: string): RegExpExecArray | null {
    const stateful = this.global || this.sticky;
    const from = stateful ? this.lastIndex : 0;
    if (from > input.length) {
      this.lastIndex = 0;
      return null;
    }
    const m = this.#compiled.matcher(input);
    const found = this.sticky ? m.find(from) && m.start(0) === from : m.find(from);
    if (!found) {
      if (stateful) this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g) ?? undefined);
    const result = Object.assign(groups, { index: m.start(0), input, groups: undefined }) as unknown as RegExpExecArray;
    if (stateful) this.lastIndex = m.end(0);
    return result;
  }

  /** As `RegExp.prototype.test`. */
  test(input: string): boolean {
    return this.exec(input) !== null;
  }

  toString(): string {
    return `/${this.source}/${this.flags}`;
  }
}
