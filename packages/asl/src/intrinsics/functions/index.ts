/**
 * The intrinsic registry: one implementation per {@link IntrinsicName}, so that adding a name
 * does not compile until it is implemented.
 *
 * @internal
 * @module
 */
import type { IntrinsicName } from '../ast.js';
import { arrayContains, arrayGetItem, arrayLength, arrayPartition, arrayRange, arrayUnique, statesArray } from './array.js';
import { base64Decode, base64Encode, hash } from './encoding.js';
import { jsonMerge, jsonToString, stringToJson } from './json.js';
import { mathAdd, mathRandom, uuid } from './math.js';
import { format, stringSplit } from './string.js';
import type { IntrinsicImpl } from './support.js';

export type { IntrinsicImpl, IntrinsicContext } from './support.js';

/** Each intrinsic's implementation, by AWS name. */
export const INTRINSICS: Readonly<Record<IntrinsicName, IntrinsicImpl>> = {
  'States.Format': format,
  'States.StringToJson': stringToJson,
  'States.JsonToString': jsonToString,
  'States.Array': statesArray,
  'States.ArrayPartition': arrayPartition,
  'States.ArrayContains': arrayContains,
  'States.ArrayRange': arrayRange,
  'States.ArrayGetItem': arrayGetItem,
  'States.ArrayLength': arrayLength,
  'States.ArrayUnique': arrayUnique,
  'States.Base64Encode': base64Encode,
  'States.Base64Decode': base64Decode,
  'States.Hash': hash,
  'States.JsonMerge': jsonMerge,
  'States.MathRandom': mathRandom,
  'States.MathAdd': mathAdd,
  'States.StringSplit': stringSplit,
  'States.UUID': uuid,
};
