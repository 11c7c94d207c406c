/**
 * States.Format and States.StringSplit.
 *
 * @internal
 * @module
 */
import { isJsonObject } from '../../json.js';
import { arg, expectString, invalidArguments, type IntrinsicImpl } from './support.js';

/**
 * Java's `Double.toString` for non-integers outside [1e-3, 1e7) is scientific (`1.0E-4`); JS
 * would print `0.0001`. Integers print plainly.
 */
const javaNumber = (n: number): string => {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) return String(n);
  const [mantissa = '', exponent = ''] = n.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
};

/**
 * How AWS renders a value in a `{}`: Java's `toString` of the decoded JSON — strings bare, objects
 * as `{Arg1=1, Arg2=[]}`, arrays as `[1, 2]` (rec: intrinsic_functions/test_generic
 * test_context_json_path renders `$$.StateMachine` as `{Id=arn…, Name=…}`).
 */
export const javaToString = (v: unknown): string => {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return javaNumber(v);
  if (Array.isArray(v)) return `[${v.map(javaToString).join(', ')}]`;
  if (isJsonObject(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}=${javaToString(x)}`)
      .join(', ')}}`;
  return String(v);
};

type Piece = { readonly text: string } | { readonly placeholder: true };

/** Splits a template into text and `{}` placeholders; `\{`, `\}`, `\'`, `\\` are literal characters. */
const pieces = (raw: string): Piece[] => {
  const out: Piece[] = [];
  let text = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      text += raw[++i];
    } else if (c === '{' && raw[i + 1] === '}') {
      out.push({ text }, { placeholder: true });
      text = '';
      i++;
    } else {
      text += c;
    }
  }
  out.push({ text });
  return out;
};

/**
 * `States.Format('Hello {}', $.name)`: one `{}` per extra argument, and the counts must match.
 * A template taken from a path has no escapes.
 */
export const format: IntrinsicImpl = (args, { name, syntax }) => {
  const template = expectString(arg(args, 0), name);
  const first = syntax[0];
  const parts = pieces(first?.kind === 'string' ? first.raw : template.replace(/\\/g, '\\\\'));
  const values = args.slice(1);
  const holes = parts.filter((p) => 'placeholder' in p).length;
  if (holes !== values.length) throw invalidArguments(name);
  let next = 0;
  return parts.map((p) => ('placeholder' in p ? javaToString(values[next++]) : p.text)).join('');
};

/**
 * Splits on any character of the delimiter string and drops empty pieces: `",,,,"` gives `[]`,
 * `"This.is+a,test=string"` with `".+,="` gives five parts (rec).
 */
export const stringSplit: IntrinsicImpl = (args, { name }) => {
  const text = expectString(arg(args, 0), name);
  const delimiters = new Set(expectString(arg(args, 1), name));
  const out: string[] = [];
  let current = '';
  for (const c of text) {
    if (delimiters.has(c)) {
      if (current !== '') out.push(current);
      current = '';
    } else current += c;
  }
  if (current !== '') out.push(current);
  return out;
};
