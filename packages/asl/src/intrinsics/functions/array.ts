/**
 * The array intrinsics: States.Array, ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem,
 * ArrayLength, ArrayUnique.
 *
 * @internal
 * @module
 */
import { jsonEquals } from '../../json.js';
import type { IntrinsicName } from '../ast.js';
import { arg, expectArray, expectNumber, invalidArguments, truncate, type IntrinsicImpl } from './support.js';

/** "The ArrayRange function … can generate an array of up to 1000 elements." */
const MAX_RANGE_ITEMS = 1000;

const integer = (v: unknown, name: IntrinsicName): number => truncate(expectNumber(v, name));

/** `States.Array(1, 'a', $.x)` → `[1, 'a', <x>]`; `States.Array()` → `[]` (rec). */
export const statesArray: IntrinsicImpl = (args) => [...args];

/** `States.ArrayPartition([1,2,3,4], 3)` → `[[1,2,3],[4]]`; the chunk size must be positive. */
export const arrayPartition: IntrinsicImpl = (args, { name }) => {
  const array = expectArray(arg(args, 0), name);
  const size = integer(arg(args, 1), name);
  if (size <= 0) throw invalidArguments(name);
  const out: unknown[][] = [];
  for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
  return out;
};

/** Structural membership: `States.ArrayContains([[1,2,3],2], [1,2,3])` → `true` (rec). */
export const arrayContains: IntrinsicImpl = (args, { name }) => {
  const array = expectArray(arg(args, 0), name);
  const needle = arg(args, 1);
  return array.some((x) => jsonEquals(x, needle));
};

/** `States.ArrayRange(0, 10, 3)` → `[0, 3, 6, 9]`: the end is included when reached (rec). */
export const arrayRange: IntrinsicImpl = (args, { name }) => {
  const start = integer(arg(args, 0), name);
  const end = integer(arg(args, 1), name);
  const step = integer(arg(args, 2), name);
  if (step === 0) throw invalidArguments(name);
  const count = Math.floor((end - start) / step) + 1;
  if (count > MAX_RANGE_ITEMS) throw invalidArguments(name);
  return Array.from({ length: Math.max(0, count) }, (_, i) => start + i * step);
};

/** `States.ArrayGetItem([1,…,9], 5)` → `6` (rec): zero-based, in bounds. */
export const arrayGetItem: IntrinsicImpl = (args, { name }) => {
  const array = expectArray(arg(args, 0), name);
  const index = expectNumber(arg(args, 1), name);
  if (!Number.isInteger(index) || index < 0 || index >= array.length) throw invalidArguments(name);
  return array[index];
};

/** `States.ArrayLength([1,…,9])` → `9` (rec). */
export const arrayLength: IntrinsicImpl = (args, { name }) => expectArray(arg(args, 0), name).length;

/** Removes structural duplicates and keeps first occurrences (doc). */
export const arrayUnique: IntrinsicImpl = (args, { name }) => {
  const out: unknown[] = [];
  for (const x of expectArray(arg(args, 0), name)) if (!out.some((y) => jsonEquals(x, y))) out.push(x);
  return out;
};
