/**
 * The parsed form of an intrinsic function call (`States.Format('{}', $.a)`).
 *
 * @module
 */

/**
 * The 18 intrinsic functions of JSONPath mode, by AWS name.
 * https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
 */
export const IntrinsicName = {
  Format: 'States.Format',
  StringToJson: 'States.StringToJson',
  JsonToString: 'States.JsonToString',
  Array: 'States.Array',
  ArrayPartition: 'States.ArrayPartition',
  ArrayContains: 'States.ArrayContains',
  ArrayRange: 'States.ArrayRange',
  ArrayGetItem: 'States.ArrayGetItem',
  ArrayLength: 'States.ArrayLength',
  ArrayUnique: 'States.ArrayUnique',
  Base64Encode: 'States.Base64Encode',
  Base64Decode: 'States.Base64Decode',
  Hash: 'States.Hash',
  JsonMerge: 'States.JsonMerge',
  MathRandom: 'States.MathRandom',
  MathAdd: 'States.MathAdd',
  StringSplit: 'States.StringSplit',
  UUID: 'States.UUID',
} as const;
/** One of {@link IntrinsicName}. */
export type IntrinsicName = (typeof IntrinsicName)[keyof typeof IntrinsicName];

/** One argument of an intrinsic call. */
export type IntrinsicArg =
  /** `'text'`: `value` is unescaped; `raw` keeps the escapes, which `States.Format` needs to tell `\{` from `{`. */
  | { readonly kind: 'string'; readonly value: string; readonly raw: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  /** `$.a`, `$$.Execution.Id`, `$var.x` */
  | { readonly kind: 'path'; readonly path: string }
  | IntrinsicCall;

/** A parsed `States.X(…)` call. */
export interface IntrinsicCall {
  readonly kind: 'call';
  readonly name: IntrinsicName;
  readonly args: readonly IntrinsicArg[];
}
