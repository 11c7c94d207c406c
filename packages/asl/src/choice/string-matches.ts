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
 * The pattern and the value both come from users (the definition, the execution input), so the
 * matcher must not backtrack: a pattern is compiled into the literal pieces between its stars,
 * and a match places them left to right with `indexOf` — O(pattern × value) at worst, usually
 * linear. (A backtracking RegExp took 11 s on `*a*a*a*a*a*a*a*a*a*az` against 40 `a`s, blocking
 * every other client of the event loop.)
 *
 * Matching is on UTF-16 code units, as the RegExp without the `u` flag it replaces did: a star
 * may split a surrogate pair.
 *
 * @module
 */

/**
 * A compiled pattern: the literal pieces it is made of, split at its unescaped stars.
 * `pieces.length` is one more than the number of stars; without a star the value must equal
 * `pieces[0]`.
 */
interface WildcardPattern {
  readonly pieces: readonly string[];
}

/**
 * Splits a pattern at its unescaped stars. A backslash makes the next code unit literal,
 * whatever it is (`\*`, `\\`, `\a` = `a`); a backslash at the very end is itself literal —
 * the escape rules of the RegExp-based matcher this replaces, kept as they were.
 */
const compile = (pattern: string): WildcardPattern => {
  const pieces: string[] = [];
  let piece = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) {
      piece += pattern[++i] ?? '';
    } else if (c === '*') {
      pieces.push(piece);
      piece = '';
    } else {
      piece += c;
    }
  }
  pieces.push(piece);
  return { pieces };
};

/**
 * The first and last pieces are anchored (the value starts and ends with them); every piece in
 * between is found at its leftmost place after the previous one. Leftmost is always right when
 * the only wildcard is `*`: any later placement leaves less room for what follows, never more.
 * So no placement is ever revisited.
 */
const matches = (value: string, { pieces }: WildcardPattern): boolean => {
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  const end = value.length - last.length;
  let at = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    if (piece === '') continue;
    const found = value.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
};

const cache = new Map<string, WildcardPattern>();

/**
 * True when `value` matches the `StringMatches` pattern, in time bounded by
 * `pattern.length × value.length` whatever the pattern.
 *
 * @example
 * ```ts
 * stringMatches('foo23.log', 'foo*.log');   // true
 * stringMatches('a*b', 'a\\*b');            // true (escaped star)
 * stringMatches('axb', 'a\\*b');            // false
 * stringMatches('a'.repeat(40), '*a*a*a*a*a*a*a*a*a*az');   // false, at once
 * ```
 */
export const stringMatches = (value: string, pattern: string): boolean => {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = compile(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, compiled);
  }
  return matches(value, compiled);
};
