/**
 * Parser for intrinsic function calls in JSONPath mode.
 *
 * "The Amazon States Language provides several intrinsic functions … to help you perform basic
 * data processing operations without using a Task state." Arguments are string literals in
 * single quotes, numbers, `true`/`false`/`null`, paths and nested calls.
 * "The following characters are reserved … and must be escaped with a backslash ('\') if you
 * want them to appear in the Value: ' { } and \" —
 * https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
 *
 * @module
 */
import { parsePath } from '../jsonpath/parse.js';
import { IntrinsicName, type IntrinsicArg, type IntrinsicCall } from './ast.js';

const BY_NAME: ReadonlyMap<string, IntrinsicName> = new Map(Object.values(IntrinsicName).map((n) => [n, n]));

/** How many arguments each function takes: [min, max]. */
const ARITY: Readonly<Record<IntrinsicName, readonly [number, number]>> = {
  'States.Format': [1, Infinity],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Infinity],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

/** The characters `\` may escape inside a string literal. */
const ESCAPABLE = new Set(["'", '{', '}', '\\']);

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new Error(`Invalid intrinsic function call '${this.text}': ${message} at position ${this.pos}`);
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  skipSpaces(): void {
    while (/\s/.test(this.peek() ?? '')) this.pos++;
  }

  call(): IntrinsicCall {
    const rest = this.text.slice(this.pos);
    const head = /^States\.[A-Za-z0-9]+/.exec(rest)?.[0];
    if (head === undefined) return this.fail('expected States.<Function>(');
    const name = BY_NAME.get(head);
    if (name === undefined) return this.fail(`unknown function ${head}`);
    this.pos += head.length;
    if (this.peek() !== '(') this.fail("expected '('");
    this.pos++;
    const args: IntrinsicArg[] = [];
    this.skipSpaces();
    if (this.peek() === ')') this.pos++;
    else {
      for (;;) {
        this.skipSpaces();
        args.push(this.arg());
        this.skipSpaces();
        const c = this.peek();
        this.pos++;
        if (c === ')') break;
        if (c !== ',') this.fail("expected ',' or ')'");
      }
    }
    const [min, max] = ARITY[name];
    if (args.length < min || args.length > max) {
      this.fail(`${name} takes ${min === max ? min : max === Infinity ? `at least ${min}` : `${min} to ${max}`} arguments, got ${args.length}`);
    }
    return { kind: 'call', name, args };
  }

  arg(): IntrinsicArg {
    const c = this.peek();
    const rest = this.text.slice(this.pos);
    if (c === "'") return this.string();
    if (c === '$') return { kind: 'path', path: this.path() };
    if (rest.startsWith('States.')) return this.call();
    const word = /^(true|false|null)(?![\w.$])/.exec(rest)?.[1];
    if (word !== undefined) {
      this.pos += word.length;
      return word === 'null' ? { kind: 'null' } : { kind: 'boolean', value: word === 'true' };
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?(?![\w.])/.exec(rest)?.[0];
    if (num !== undefined) {
      this.pos += num.length;
      return { kind: 'number', value: Number(num) };
    }
    return this.fail('expected an argument');
  }

  string(): IntrinsicArg {
    this.pos++;
    let value = '';
    let raw = '';
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated string');
      this.pos++;
      if (c === "'") return { kind: 'string', value, raw };
      if (c === '\\') {
        const e = this.peek();
        if (e === undefined || !ESCAPABLE.has(e)) this.fail(`illegal escape '\\${e ?? ''}'`);
        this.pos++;
        value += e;
        raw += c + e;
      } else {
        value += c;
        raw += c;
      }
    }
  }

  /** A path runs to the next `,` or `)` outside brackets, quotes and filter parentheses. */
  path(): string {
    const start = this.pos;
    let depth = 0;
    let quote: string | undefined;
    for (; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos];
      if (quote !== undefined) {
        if (c === '\\') this.pos++;
        else if (c === quote) quote = undefined;
      } else if ((c === "'" || c === '"') && depth > 0) quote = c;
      else if (c === '[' || c === '(') depth++;
      else if ((c === ']' || c === ')') && depth > 0) depth--;
      else if ((c === ',' || c === ')') && depth === 0) break;
    }
    const path = this.text.slice(start, this.pos).trimEnd();
    try {
      parsePath(path);
    } catch (e) {
      this.fail((e as Error).message);
    }
    return path;
  }
}

/**
 * True when `text` is shaped like an intrinsic call (`States.Name(`), the test AWS applies to a
 * `key.$` value that does not start with `$`.
 *
 * @example
 * ```ts
 * isIntrinsicCall("States.Format('{}', $.a)"); // true
 * isIntrinsicCall('$.a');                      // false
 * ```
 */
export const isIntrinsicCall = (text: string): boolean => /^States\.[A-Za-z0-9]+\(/.test(text);

/** Parsed calls are immutable, so definitions that evaluate the same text on every entry share them. */
const cache = new Map<string, IntrinsicCall>();
const CACHE_LIMIT = 1000;

/**
 * Parses an intrinsic call, checking names, escapes, paths and argument counts.
 *
 * @example
 * ```ts
 * parseIntrinsic('States.MathAdd($.a, 1)');
 * // { kind: 'call', name: 'States.MathAdd', args: [{ kind: 'path', path: '$.a' }, { kind: 'number', value: 1 }] }
 * ```
 * @throws Error with a message fit for InvalidDefinition on malformed text.
 */
export const parseIntrinsic = (text: string): IntrinsicCall => {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const p = new Parser(text);
  const call = p.call();
  if (p.pos !== text.length) p.fail('unexpected text after the call');
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, call);
  return call;
};
