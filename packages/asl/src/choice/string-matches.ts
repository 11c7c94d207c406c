/**
 * `StringMatches` patterns.
 *
 * "The value MUST be a string which MAY contain one or more "*" characters. The expression
 * yields true if the data value selected by the Variable Path matches the value, where "*" in
 * the value matches zero or more characters. Thus, foo*.log matches foo23.log, *.log matches
 * zebra.log, and foo*.* matches foobar.zebra. No characters other than "*" have any special
 * meaning during matching. If the character "*" is to be matched literally it MUST be escaped
 * with a backslash ("\*"); a literal backslash is written "\\"." — https://states-language.net/spec.html#choice-state
 *
 * @module
 */

const cache = new Map<string, RegExp>();

const compile = (pattern: string): RegExp => {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) {
      source += escapeRegex(pattern[++i] ?? '');
    } else if (c === '*') {
      source += '[\\s\\S]*';
    } else {
      source += escapeRegex(c);
    }
  }
  return new RegExp(`^${source}$`);
};

const escapeRegex = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * True when `value` matches the `StringMatches` pattern.
 *
 * @example
 * ```ts
 * stringMatches('foo23.log', 'foo*.log');   // true
 * stringMatches('a*b', 'a\\*b');            // true (escaped star)
 * stringMatches('axb', 'a\\*b');            // false
 * ```
 */
export const stringMatches = (value: string, pattern: string): boolean => {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = compile(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(value);
};
