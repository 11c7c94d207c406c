/**
 * Rewrites a JavaScript regular expression (the syntax of JSONPath filter `=~` literals and of
 * JSONata regex literals) into the RE2 syntax of `re2js`, so that it matches the same strings in
 * linear time.
 *
 * RE2 reads most of JavaScript's syntax alike; the rewrite covers where the two differ:
 * - `.` excludes `\r`, U+2028 and U+2029 as well as `\n` in JavaScript (RE2: only `\n`);
 * - `\s`/`\S` are JavaScript's Unicode whitespace (RE2: six ASCII characters);
 * - `[]` matches nothing and `[^]` anything (RE2 would read `]` as a member);
 * - `\uHHHH`, `\cX`, `\0`, legacy octal escapes, and identity escapes (`\a` is `a`, `\Q` is `Q`)
 *   become what JavaScript means by them;
 * - `(?<name>` becomes `(?P<name>`; a `[` inside a class is a literal (RE2: `[:alpha:]`).
 *
 * What RE2 cannot do in linear time — backreferences and lookaround — is reported, not
 * approximated. Differences left, none of which changes whether a whole string matches in
 * ASCII text:
 * - RE2 matches code points where JavaScript without the `u` flag matches code units (`.` takes
 *   a whole surrogate pair);
 * - with `m`, `^` and `$` see only `\n` as a line end (JavaScript: also `\r`, U+2028, U+2029);
 * - `i` folds case by Unicode's simple folding (the Kelvin sign matches `k`);
 * - which match a search reports when a quantified group can match empty (JavaScript rejects the
 *   empty iteration: `(b*|a)*` finds 'a' in 'a', RE2 finds ''), and captures inside a repeated
 *   group (JavaScript clears them each iteration: `(x(a)*)+` on 'xax' leaves group 2 undefined,
 *   RE2 keeps 'a').
 *
 * @internal
 * @module
 */

/** Why a JavaScript pattern has no RE2 equivalent. */
export type UnsupportedFeature = 'backreference' | 'lookaround';

/** The RE2 pattern, or the feature that prevents one. */
export type Translation = { readonly ok: true; readonly pattern: string } | { readonly ok: false; readonly feature: UnsupportedFeature };

/** ECMAScript WhiteSpace and LineTerminator: the members of `\s`. */
const WHITESPACE = '\\t\\n\\x{0b}\\f\\r\\x{20}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
/** Everything else: the members of `\S` (a class cannot hold a negated class in RE2). */
const NOT_WHITESPACE =
  '\\x{0}-\\x{8}\\x{e}-\\x{1f}\\x{21}-\\x{9f}\\x{a1}-\\x{167f}\\x{1681}-\\x{1fff}\\x{200b}-\\x{2027}\\x{202a}-\\x{202e}\\x{2030}-\\x{205e}\\x{2060}-\\x{2fff}\\x{3001}-\\x{fefe}\\x{ff00}-\\x{10ffff}';
const LINE_TERMINATORS = '\\n\\r\\x{2028}\\x{2029}';
const ANYTHING = '[\\x{0}-\\x{10ffff}]';
const NOTHING = '[^\\x{0}-\\x{10ffff}]';

const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** One code point as an RE2 literal that means the same inside and outside a class. */
const literal = (cp: number): string => {
  const c = String.fromCodePoint(cp);
  return /^[A-Za-z0-9_]$/.test(c) ? c : `\\x{${cp.toString(16)}}`;
};

/** Capturing groups, and whether any is named: a `\N` or `\k<…>` is a backreference only then. */
const countGroups = (source: string): { readonly count: number; readonly named: boolean } => {
  let count = 0;
  let named = false;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      if (source[i + 1] !== '?') count++;
      else if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
        count++;
        named = true;
      }
    }
  }
  return { count, named };
};

/** What an escape stands for: one character, a set of them, or an assertion (`\b`). */
type Escape =
  | { readonly kind: 'char'; readonly cp: number }
  | { readonly kind: 'set'; readonly inside: string; readonly outside: string }
  | { readonly kind: 'assertion'; readonly text: string }
  | { readonly kind: 'unsupported'; readonly feature: UnsupportedFeature };

const char = (cp: number): Escape => ({ kind: 'char', cp });
/** A set of characters, as a class member and as an atom. */
const set = (inside: string, outside = `[${inside}]`): Escape => ({ kind: 'set', inside, outside });

/** A class member: a character, a set (`\d`), or a dash (a range only between two characters). */
type Member = { readonly kind: 'char'; readonly cp: number } | { readonly kind: 'set'; readonly text: string } | { readonly kind: 'dash' };

class Translator {
  pos = 0;
  out = '';
  readonly groups: { readonly count: number; readonly named: boolean };
  constructor(
    readonly source: string,
    readonly unicode: boolean,
    readonly dotAll: boolean,
  ) {
    this.groups = countGroups(source);
  }

  run(): Translation {
    while (this.pos < this.source.length) {
      const c = this.source[this.pos] ?? '';
      if (c === '\\') {
        const e = this.escape(false);
        if (e.kind === 'unsupported') return { ok: false, feature: e.feature };
        this.out += e.kind === 'char' ? literal(e.cp) : e.kind === 'set' ? e.outside : e.text;
      } else if (c === '[') {
        const members = this.characterClass();
        if (typeof members !== 'string') return members;
        this.out += members;
      } else if (c === '.') {
        this.out += this.dotAll ? ANYTHING : `[^${LINE_TERMINATORS}]`;
        this.pos++;
      } else if (c === '(' && this.source[this.pos + 1] === '?') {
        const after = this.source.slice(this.pos + 2, this.pos + 4);
        if (after.startsWith('=') || after.startsWith('!') || after === '<=' || after === '<!') return { ok: false, feature: 'lookaround' };
        const named = after.startsWith('<');
        this.out += named ? '(?P<' : '(?';
        this.pos += named ? 3 : 2;
      } else {
        // Quantifiers, groups, alternation and anchors read alike; other characters are literal.
        const ch = String.fromCodePoint(this.source.codePointAt(this.pos) ?? 0);
        this.out += ch;
        this.pos += ch.length;
      }
    }
    return { ok: true, pattern: this.out };
  }

  /**
   * `[…]` at `pos`. `[]` (nothing) and `[^]` (anything) are spelled so RE2 reads them alike; a
   * dash is a range only between two characters (Annex B: `[\s-z]` holds a literal `-`).
   */
  characterClass(): string | Translation {
    const s = this.source;
    this.pos++;
    const negated = s[this.pos] === '^';
    if (negated) this.pos++;
    const members: Member[] = [];
    while (this.pos < s.length && s[this.pos] !== ']') {
      const c = s[this.pos] ?? '';
      if (c === '\\') {
        const e = this.escape(true);
        if (e.kind === 'unsupported') return { ok: false, feature: e.feature };
        if (e.kind === 'char') members.push(e);
        else if (e.kind === 'set') members.push({ kind: 'set', text: e.inside });
      } else if (c === '-') {
        members.push({ kind: 'dash' });
        this.pos++;
      } else {
        const cp = s.codePointAt(this.pos) ?? 0;
        members.push({ kind: 'char', cp });
        this.pos += cp > 0xffff ? 2 : 1;
      }
    }
    this.pos++; // the closing ']' (the pattern compiled as JavaScript, so it is there)
    if (members.length === 0) return negated ? ANYTHING : NOTHING;
    let body = '';
    for (let i = 0; i < members.length; i++) {
      const m = members[i];
      const dash = members[i + 1];
      const to = members[i + 2];
      if (m?.kind === 'char' && dash?.kind === 'dash' && to?.kind === 'char') {
        body += `${literal(m.cp)}-${literal(to.cp)}`;
        i += 2;
      } else if (m?.kind === 'char') body += literal(m.cp);
      else if (m?.kind === 'set') body += m.text;
      else body += literal(0x2d);
    }
    return `[${negated ? '^' : ''}${body}]`;
  }

  /**
   * The escape at `pos` (a backslash and what follows); `inClass` for the meaning class members
   * give it (`\b` is a backspace there, `\B` a `B`).
   */
  escape(inClass: boolean): Escape {
    const s = this.source;
    const c = s[this.pos + 1] ?? '';
    this.pos += 2;
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        // ASCII digits and word characters in both engines.
        return set(`\\${c}`, `\\${c}`);
      case 's':
        return set(WHITESPACE);
      case 'S':
        // As an atom, a negated class: spelled out, the ranges cost RE2 ~10 ms to case-fold under `i`.
        return set(NOT_WHITESPACE, `[^${WHITESPACE}]`);
      case 't':
        return char(9);
      case 'n':
        return char(10);
      case 'v':
        return char(11);
      case 'f':
        return char(12);
      case 'r':
        return char(13);
      case 'b':
        return inClass ? char(8) : { kind: 'assertion', text: '\\b' };
      case 'B':
        return inClass ? char(0x42) : { kind: 'assertion', text: '\\B' };
      case 'c': {
        const letter = s[this.pos] ?? '';
        if (/^[A-Za-z]$/.test(letter)) {
          this.pos++;
          return char(letter.charCodeAt(0) % 32);
        }
        // Annex B: a `\c` not followed by a letter is a backslash and a `c`.
        this.pos--;
        return char(0x5c);
      }
      case 'x':
        if (isHex(s[this.pos]) && isHex(s[this.pos + 1])) {
          this.pos += 2;
          return char(parseInt(s.slice(this.pos - 2, this.pos), 16));
        }
        return char(0x78);
      case 'u': {
        if (this.unicode && s[this.pos] === '{') {
          const close = s.indexOf('}', this.pos);
          const hex = s.slice(this.pos + 1, close);
          this.pos = close + 1;
          return char(parseInt(hex, 16));
        }
        const hex = s.slice(this.pos, this.pos + 4);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.pos += 4;
          return char(parseInt(hex, 16));
        }
        return char(0x75);
      }
      case 'p':
      case 'P': {
        if (!this.unicode) return char(c.charCodeAt(0));
        // `\p{…}` under `u`: RE2 knows general categories and scripts by name; a name it does
        // not know (`Script=Greek`) fails its compilation, reported as unsupported.
        const close = s.indexOf('}', this.pos);
        const text = s.slice(this.pos - 2, close + 1);
        this.pos = close + 1;
        return set(text, text);
      }
      case 'k':
        if (this.groups.named) return { kind: 'unsupported', feature: 'backreference' };
        return char(0x6b);
      default:
        break;
    }
    if (isDigit(c)) return this.decimalEscape(c, inClass);
    // An identity escape: the character itself.
    const cp = s.codePointAt(this.pos - 1) ?? 0;
    if (cp > 0xffff) this.pos++;
    return char(cp);
  }

  /**
   * `\N`: a backreference when N names a group (outside a class); otherwise, by Annex B, a
   * legacy octal escape up to `\377`, or the digits `8`/`9` themselves. `\0` is NUL.
   */
  decimalEscape(first: string, inClass: boolean): Escape {
    const s = this.source;
    const start = this.pos - 1;
    if (first === '0' && !isDigit(s[this.pos])) return char(0);
    let end = start;
    while (isDigit(s[end])) end++;
    if (!inClass && first !== '0' && Number(s.slice(start, end)) <= this.groups.count) return { kind: 'unsupported', feature: 'backreference' };
    if (!isOctal(first)) return char(first.charCodeAt(0));
    let octal = first;
    while (octal.length < 3 && isOctal(s[start + octal.length]) && parseInt(octal + (s[start + octal.length] ?? ''), 8) <= 0o377) {
      octal += s[start + octal.length] ?? '';
    }
    this.pos = start + octal.length;
    return char(parseInt(octal, 8));
  }
}

/**
 * The RE2 form of a JavaScript pattern that compiles as JavaScript (check that first: invalid
 * JavaScript is not diagnosed here). `flags` are JavaScript's; only `s` and `u` change the
 * rewrite — `i` and `m` map to RE2 flags.
 *
 * @example
 * ```ts
 * translateRegex('a.b\\s', '');   // { ok: true, pattern: 'a[^\\n\\r\\x{2028}\\x{2029}]b[\\t\\n…]' }
 * translateRegex('(a)\\1', '');   // { ok: false, feature: 'backreference' }
 * ```
 */
export const translateRegex = (source: string, flags: string): Translation => new Translator(source, flags.includes('u'), flags.includes('s')).run();
