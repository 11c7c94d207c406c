/**
 * The JSON intrinsics: States.StringToJson, States.JsonToString, States.JsonMerge.
 *
 * @internal
 * @module
 */
import { isJsonObject } from '../../json.js';
import { arg, expectString, invalidArguments, type IntrinsicImpl } from './support.js';

/** JSON.parse keeps `-0`; AWS prints `States.StringToJson('-0')` as `0` (rec). */
const withoutNegativeZero = (_key: string, v: unknown): unknown => (Object.is(v, -0) ? 0 : v);

/**
 * Parses JSON text. Blank text gives `null`: `States.StringToJson(' ')` → `null` (rec).
 */
export const stringToJson: IntrinsicImpl = (args, { name }) => {
  const text = expectString(arg(args, 0), name);
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text, withoutNegativeZero) as unknown;
  } catch {
    throw invalidArguments(name);
  }
};

/** Compact JSON: `{"Arg1":1,"Arg2":[]}` (rec). */
export const jsonToString: IntrinsicImpl = (args) => JSON.stringify(arg(args, 0)) ?? 'null';

/**
 * Shallow merge, the right side winning: nested objects are replaced, not merged (rec). "Set the
 * boolean value to false for shallow merging mode" — deep mode is not supported.
 */
export const jsonMerge: IntrinsicImpl = (args, { name }) => {
  const left = arg(args, 0);
  const right = arg(args, 1);
  if (!isJsonObject(left) || !isJsonObject(right) || arg(args, 2) !== false) throw invalidArguments(name);
  return { ...left, ...right };
};
