/**
 * A parser for the JSONPath dialect Step Functions accepts in JSONPath mode: `$`, `$$` and
 * `$name` roots; `.a`, `['a']`, `['a','b']`, `[0]`, `[-1]`, `[0,1]`, `[*]`, `.*`, slices `[a:b:c]`,
 * deep scan `..`, and Jayway filters `[?(@.a == 1 && @.b =~ /x.+/i)]`.
 *
 * Malformed text throws a plain `Error` (an invalid definition, not an ASL runtime error).
 *
 * @internal
 * @module
 */
import { FILTER_OPERATORS, type FilterExpr, type FilterOperand, type FilterOperator, type ParsedPath, type PathRoot, type Segment } from './ast.js';

/** Characters that end a dot-notation name (Jayway: space, `.`, `[`, `(`). */
const NAME_STOP = new Set([' ', '.', '[', '(']);
/** Inside a filter a name also ends at operators and the closing parenthesis. */
const FILTER_NAME_STOP = new Set([...NAME_STOP, ')', ']', '=', '!', '<', '>', '&', '|', ',', '\t', '\n', '\r']);
const WORD_OPERATORS = FILTER_OPERATORS.filter((op) => /^[a-z]+$/.test(op));
const SYMBOL_OPERATORS = FILTER_OPERATORS.filter((op) => !/^[a-z]+$/.test(op));

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new Error(`Invalid JSONPath '${this.text}': ${message} at position ${this.pos}`);
  }
  peek(offset = 0): string | undefined {
    return this.text[this.pos + offset];
  }
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
  skipSpaces(): void {
    while (/\s/.test(this.peek() ?? '')) this.pos++;
  }
  expect(s: string): void {
    if (!this.text.startsWith(s, this.pos)) this.fail(`expected '${s}'`);
    this.pos += s.length;
  }

  root(): PathRoot {
    this.expect('$');
    if (this.peek() === '$') {
      this.pos++;
      return { kind: 'context' };
    }
    const name = /^[\p{L}\p{N}_]+/u.exec(this.text.slice(this.pos))?.[0];
    if (name !== undefined) {
      this.pos += name.length;
      return { kind: 'variable', name };
    }
    return { kind: 'input' };
  }

  /** Reads steps while the next character starts one (`.` or `[`). */
  segments(inFilter: boolean): Segment[] {
    const out: Segment[] = [];
    for (;;) {
      const c = this.peek();
      if (c === '.') out.push(this.dotSegment(inFilter));
      else if (c === '[') out.push(this.bracketSegment());
      else return out;
    }
  }

  dotSegment(inFilter: boolean): Segment {
    this.expect('.');
    if (this.peek() === '.') {
      this.pos++;
      const c = this.peek();
      if (c === '[') return { kind: 'scan', then: this.bracketSegment() };
      if (c === '*') {
        this.pos++;
        return { kind: 'scan', then: { kind: 'wildcard' } };
      }
      return { kind: 'scan', then: { kind: 'property', name: this.name(inFilter) } };
    }
    if (this.peek() === '*') {
      this.pos++;
      return { kind: 'wildcard' };
    }
    return { kind: 'property', name: this.name(inFilter) };
  }

  name(inFilter: boolean): string {
    const stop = inFilter ? FILTER_NAME_STOP : NAME_STOP;
    const start = this.pos;
    while (!this.atEnd() && !stop.has(this.peek() ?? '')) this.pos++;
    if (this.pos === start) this.fail('expected a property name');
    if (this.peek() === '(') this.fail('path functions are not supported');
    return this.text.slice(start, this.pos);
  }

  bracketSegment(): Segment {
    this.expect('[');
    this.skipSpaces();
    const c = this.peek();
    let segment: Segment;
    if (c === '*') {
      this.pos++;
      segment = { kind: 'wildcard' };
    } else if (c === "'" || c === '"') {
      const names = [this.quoted()];
      this.skipSpaces();
      while (this.peek() === ',') {
        this.pos++;
        this.skipSpaces();
        names.push(this.quoted());
        this.skipSpaces();
      }
      const [first] = names;
      segment = names.length === 1 && first !== undefined ? { kind: 'property', name: first } : { kind: 'properties', names };
    } else if (c === '?') {
      const start = this.pos;
      this.pos++;
      this.skipSpaces();
      this.expect('(');
      const expr = this.orExpr();
      this.skipSpaces();
      this.expect(')');
      segment = { kind: 'filter', expr, text: this.text.slice(start, this.pos) };
    } else {
      segment = this.indexOrSlice();
    }
    this.skipSpaces();
    this.expect(']');
    return segment;
  }

  /**
   * A quoted bracket name. Only `\<quote>` and `\\` are escapes; any other backslash is kept, as
   * AWS matched `$['Test\""Name"']` against the key `Test\""Name"`
   * (scenarios/test_base_scenarios::test_escape_sequence_parsing ESCAPE_SEQUENCES_JSONPATH).
   */
  quoted(): string {
    const quote = this.peek();
    if (quote !== "'" && quote !== '"') this.fail('expected a quoted name');
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated string');
      if (c === quote) {
        this.pos++;
        return out;
      }
      const next = this.peek(1);
      if (c === '\\' && (next === quote || next === '\\')) {
        out += next;
        this.pos += 2;
      } else {
        out += c;
        this.pos++;
      }
    }
  }

  indexOrSlice(): Segment {
    const start = this.pos;
    while (!this.atEnd() && this.peek() !== ']') this.pos++;
    const body = this.text.slice(start, this.pos).replace(/\s+/g, '');
    const int = (s: string): number => {
      if (!/^-?\d+$/.test(s)) this.fail(`'${s}' is not an integer`);
      return Number(s);
    };
    if (body.includes(':')) {
      const parts = body.split(':');
      if (parts.length > 3) this.fail('a slice has at most three parts');
      const [a = '', b = '', c = ''] = parts;
      return {
        kind: 'slice',
        ...(a === '' ? {} : { start: int(a) }),
        ...(b === '' ? {} : { end: int(b) }),
        ...(c === '' ? {} : { step: int(c) }),
      };
    }
    if (body.includes(',')) return { kind: 'indexes', indexes: body.split(',').map(int) };
    return { kind: 'index', index: int(body) };
  }

  // --- filters ------------------------------------------------------------------------------

  orExpr(): FilterExpr {
    let left = this.andExpr();
    for (;;) {
      this.skipSpaces();
      if (!this.text.startsWith('||', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'or', left, right: this.andExpr() };
    }
  }

  andExpr(): FilterExpr {
    let left = this.unaryExpr();
    for (;;) {
      this.skipSpaces();
      if (!this.text.startsWith('&&', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'and', left, right: this.unaryExpr() };
    }
  }

  unaryExpr(): FilterExpr {
    this.skipSpaces();
    if (this.peek() === '!' && this.peek(1) !== '=') {
      this.pos++;
      return { kind: 'not', expr: this.unaryExpr() };
    }
    if (this.peek() === '(') {
      this.pos++;
      const inner = this.orExpr();
      this.skipSpaces();
      this.expect(')');
      return inner;
    }
    const left = this.operand();
    this.skipSpaces();
    const op = this.operator();
    if (op === undefined) return { kind: 'exists', operand: left };
    this.skipSpaces();
    return { kind: 'compare', op, left, right: this.operand() };
  }

  operator(): FilterOperator | undefined {
    const rest = this.text.slice(this.pos);
    const symbol = SYMBOL_OPERATORS.find((op) => rest.startsWith(op));
    if (symbol !== undefined) {
      this.pos += symbol.length;
      return symbol;
    }
    const word = WORD_OPERATORS.find((op) => rest.startsWith(op) && !/[\w]/.test(rest[op.length] ?? ''));
    if (word !== undefined) {
      this.pos += word.length;
      return word;
    }
    return undefined;
  }

  operand(): FilterOperand {
    this.skipSpaces();
    const c = this.peek();
    if (c === '@') {
      this.pos++;
      return { kind: 'current', segments: this.segments(true) };
    }
    if (c === '$') {
      this.pos++;
      return { kind: 'root', segments: this.segments(true) };
    }
    if (c === '/') return this.regex();
    return { kind: 'literal', value: this.literal() };
  }

  regex(): FilterOperand {
    this.expect('/');
    let pattern = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated regular expression');
      this.pos++;
      if (c === '/') break;
      if (c === '\\' && this.peek() !== undefined) {
        pattern += c + (this.peek() ?? '');
        this.pos++;
      } else pattern += c;
    }
    const flags = /^[a-z]*/.exec(this.text.slice(this.pos))?.[0] ?? '';
    this.pos += flags.length;
    return { kind: 'regex', pattern, flags };
  }

  literal(): unknown {
    const c = this.peek();
    if (c === "'" || c === '"') return unescapeJava(this.quotedLiteral(c));
    if (c === '[') {
      this.pos++;
      const items: unknown[] = [];
      this.skipSpaces();
      while (this.peek() !== ']') {
        items.push(this.literal());
        this.skipSpaces();
        if (this.peek() === ',') {
          this.pos++;
          this.skipSpaces();
        } else if (this.peek() !== ']') this.fail("expected ',' or ']'");
      }
      this.pos++;
      return items;
    }
    const rest = this.text.slice(this.pos);
    const word = /^(true|false|null)(?![\w])/.exec(rest)?.[1];
    if (word !== undefined) {
      this.pos += word.length;
      return word === 'null' ? null : word === 'true';
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest)?.[0];
    if (num !== undefined) {
      this.pos += num.length;
      return Number(num);
    }
    return this.fail('expected a value');
  }

  quotedLiteral(quote: string): string {
    this.pos++;
    const start = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated string');
      if (c === '\\') this.pos += 2;
      else if (c === quote) break;
      else this.pos++;
    }
    const body = this.text.slice(start, this.pos);
    this.pos++;
    return body;
  }
}

/** Java-style unescaping of filter string literals (`\'`, `\"`, `\\`, `\n`, `\t`, `\uXXXX`…). */
const unescapeJava = (s: string): string =>
  s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.startsWith('u') && e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
  });

const cache = new Map<string, ParsedPath>();
const CACHE_LIMIT = 1000;

/**
 * Parses a JSONPath (`$…`, `$$…` or `$name…`). Throws a plain `Error` on malformed text.
 * Results are memoised: definitions reuse the same few paths on every state entry.
 */
export const parsePath = (text: string): ParsedPath => {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const p = new Parser(text);
  const root = p.root();
  const segments = p.segments(false);
  if (!p.atEnd()) p.fail(`unexpected '${p.peek() ?? ''}'`);
  const parsed: ParsedPath = { text, root, segments };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, parsed);
  return parsed;
};
