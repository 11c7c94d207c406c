/**
 * Timestamps as Choice rules (and Wait states) read them.
 *
 * "Timestamps … must conform to RFC3339 profile ISO 8601, with the further restrictions that an
 * uppercase T must separate the date and time portions, and an uppercase Z must denote that a
 * numeric time zone offset is not present, for example 2016-08-18T17:33:00Z."
 * — https://states-language.net/spec.html#timestamps
 * Fractional seconds are accepted; a missing `T` or offset is not (rec, fact sheet §4.9).
 *
 * Pure arithmetic, no `Date`: the instant is counted from the civil date.
 *
 * @module
 */

/** An instant: whole seconds since the epoch and the nanoseconds past them. */
export interface Instant {
  readonly seconds: number;
  readonly nanos: number;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
const daysFromCivil = (y0: number, m: number, d: number): number => {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
};

/**
 * Parses `YYYY-MM-DDTHH:MM:SS[.fffffffff](Z|±HH:MM)`; `undefined` when the text is not one.
 *
 * @example
 * ```ts
 * parseTimestamp('2012-10-09T19:00:55Z');   // { seconds: 1349809255, nanos: 0 }
 * parseTimestamp('2012-10-09T19:00:55');    // undefined (no offset)
 * parseTimestamp('2016-13-05T21:29:29Z');   // undefined (month 13)
 * ```
 */
export const parseTimestamp = (text: string): Instant | undefined => {
  const m = TIMESTAMP.exec(text);
  if (m === null) return undefined;
  const [, ys, mos, ds, hs, mis, ss, fraction = '', offset = 'Z'] = m;
  const [y, mo, d, h, mi, s] = [ys, mos, ds, hs, mis, ss].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetSeconds = 0;
  if (offset !== 'Z') {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    if (oh > 18 || om > 59) return undefined;
    offsetSeconds = (offset.startsWith('-') ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return {
    seconds: daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offsetSeconds,
    nanos: Number(fraction.padEnd(9, '0')),
  };
};

/** Negative, zero or positive as `a` is before, at or after `b`. */
export const compareInstants = (a: Instant, b: Instant): number => a.seconds - b.seconds || a.nanos - b.nanos;
