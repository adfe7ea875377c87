/**
 * Fused forms of the chains the compiler emits into target fields, e.g.
 * `outDec(round(decimal(x), 2), 10, 23)` as `outRounded(x, 2, 'half-up', 10, 23)`.
 *
 * Each one has a fast path for the inputs data nearly always carries (a double or short decimal text whose
 * digits fit in 2^53, a `YYYY-MM-DD` date, a string no longer than the bound) that does the same exact
 * arithmetic on integer-valued doubles instead of allocating a BigInt `Decimal` or a `PlainDate`, and gives
 * up (returns undefined) on anything else. The slow path is then the unfused chain itself, so every value and
 * every error of an input the fast path does not take is the chain's own. The property tests in
 * fused.test.ts compare both on random inputs, including the cases the fast path declines.
 */
import { decimal, round, strSize } from './cel-runtime.ts';
import { roundingModes, shortMantissa, shortScale, type Decimal, type RoundingMode } from './decimal.ts';
import { fieldDate, fieldDateN, fieldDec, fieldDecN, outDate, outDec } from './fields.ts';

/** 10^0 … 10^15 as doubles: each is exact. */
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
/** Same bound as `Decimal.fromDouble`: below it a double times 10^k rounds to the decimal's exact digits. */
const FAST_MANTISSA = 2 ** 51;
/** Integers of magnitude below 2^53 are exact doubles, and so are sums, differences and exact quotients of them. */
const EXACT = 2 ** 53;
/** Bound of `quotient`'s dividend. */
const QUOTIENT_LIMIT = 2 ** 52;

/**
 * Scale of the last mantissa `digitsOf` and `doubleDigits` returned (a small integer in module state: the
 * mantissa itself is the return value, NaN for "not here", so the hot path allocates nothing).
 */
let dk = 0;

/**
 * Mantissa of `decimal(x)` (its scale in `dk`) when both are small enough for double arithmetic; NaN
 * otherwise. They are exactly those of `Decimal.from(x)`: for a double the same search as `Decimal.fromDouble`
 * (the smallest scale whose integer reads back as x), for text the same reading as `Decimal.parse`'s short form.
 */
function digitsOf(x: unknown): number {
  if (typeof x === 'number') {
    if (Number.isSafeInteger(x)) {
      dk = 0;
      return x;
    }
    return doubleDigits(x, 0);
  }
  if (typeof x === 'string') return textDigits(x);
  if (typeof x === 'bigint') {
    if (x >= EXACT || x <= -EXACT) return Number.NaN;
    dk = 0;
    return Number(x);
  }
  return Number.NaN;
}

/**
 * `Decimal.fromDouble`'s search from scale `from` on: the smallest k whose integer round(x·10^k) reads back
 * as x. Starting above 0 is the same search when no smaller scale can succeed (the caller checked).
 */
function doubleDigits(x: number, from: number): number {
  if (!Number.isFinite(x)) return Number.NaN;
  for (let k = from; k < POW10.length; k++) {
    const p = POW10[k] as number;
    const m = Math.round(x * p);
    if (m >= FAST_MANTISSA || m <= -FAST_MANTISSA) return Number.NaN;
    if (m / p === x) {
      dk = k;
      return m;
    }
  }
  return Number.NaN;
}

/** Plain decimal text of at most 15 digits: the texts `Decimal.parse` reads without BigInt text parsing (scale in `dk`). */
function textDigits(text: string): number {
  const m = shortMantissa(text);
  if (!Number.isNaN(m)) dk = shortScale;
  return m;
}

/**
 * ⌊a / 10^j⌋ for integers 0 ≤ a < 2^52. a times the double nearest 1/10^j is within 2^-52 relative of the
 * quotient, so its floor is off by at most one; q·10^j stays below 2^53, so the remainder a − q·10^j is exact
 * and corrects it. (A multiplication rather than a division, and not `%`: on doubles V8 calls the C
 * library's fmod, which is slower than the rest of the fast path together.)
 */
function quotient(a: number, j: number): number {
  const d = POW10[j] as number;
  let q = Math.floor(a * (INV10[j] as number));
  const r = a - q * d;
  if (r < 0) q--;
  else if (r >= d) q++;
  return q;
}
const INV10 = POW10.map((p) => 1 / p);

/**
 * `divRound(m, 10^j)` on doubles holding integers (|m| < 2^51): the quotient of |m| by d, its exact
 * remainder, and the mode's decision on the remainder, as the BigInt computation makes them (a truncated
 * quotient, moved one away from zero or not); NaN for an unknown mode. Half-up, the default, is decided inline.
 */
function roundDiv(m: number, j: number, mode: RoundingMode): number {
  const neg = m < 0;
  const a = neg ? -m : m;
  const d = POW10[j] as number;
  let q = quotient(a, j);
  const r = a - q * d;
  if (r !== 0) {
    const away = mode === 'half-up' ? r * 2 >= d : awayFromZero(mode, r * 2, d, q, neg);
    if (away === undefined) return Number.NaN;
    if (away) q++;
  }
  return neg ? -q : q;
}

/** Whether `divRound` moves the truncated quotient q away from zero, for a non-zero remainder (twice = 2·|r|). */
function awayFromZero(mode: RoundingMode, twice: number, d: number, q: number, neg: boolean): boolean | undefined {
  switch (mode) {
    case 'half-up':
      return twice >= d;
    case 'half-even':
      return twice > d || (twice === d && q !== 2 * Math.floor(q / 2));
    case 'half-down':
      return twice > d;
    case 'down':
      return false;
    case 'up':
      return true;
    case 'floor':
      return neg;
    case 'ceiling':
      return !neg;
    default:
      return undefined;
  }
}

/**
 * `outDec` of the decimal m / 10^k (|m| < 2^53) when it needs no rounding and fits the precision; else
 * undefined. The text is `Decimal.toString`'s: the sign of the integer m (a zero is never negative), digits,
 * the point k places from the right.
 */
function outText(m: number, k: number, scale: number | undefined, precision: number | undefined): string | undefined {
  if (scale !== undefined && k > scale) return undefined;
  const neg = m < 0;
  const abs = neg ? -m : m;
  if (precision !== undefined) {
    const allowed = precision - (scale ?? k);
    if (allowed < 0) return undefined;
    // Fewer than allowed integer digits: |m| < 10^(allowed + k); with 16 or more digits every |m| < 2^53 is.
    const e = allowed + k;
    if (e < POW10.length && abs >= (POW10[e] as number)) return undefined;
  }
  if (k === 0) return neg ? '-' + String(abs) : String(abs);
  // Integer part and fraction digits split exactly (remainder, then an exact quotient); the fraction's text
  // comes from a table for the usual 1–3 places, so only the integer part is converted.
  if (abs >= QUOTIENT_LIMIT) return undefined;
  const int = quotient(abs, k);
  const frac = abs - int * (POW10[k] as number);
  // (`| 0`: the indexes are small integers held as doubles; as int32 they are plain element loads.)
  const digits = k < FRACTIONS.length ? ((FRACTIONS[k] as string[])[frac | 0] as string) : String(frac).padStart(k, '0');
  // Integer parts below 1000 come with their point from a table too: one concatenation for most amounts.
  const head = int < INT_POINT.length ? (INT_POINT[int | 0] as string) : String(int) + '.';
  return neg ? '-' + head + digits : head + digits;
}

/** Fraction digits of k places, k = 0 … 3: "00" … "99" for k = 2. */
const FRACTIONS = Array.from({ length: 4 }, (_, k) => Array.from({ length: 10 ** k }, (_, i) => String(i).padStart(k, '0')));
/** "0." … "999.": the integer part and point of the text of amounts below 1000. */
const INT_POINT = Array.from({ length: 1000 }, (_, i) => `${i}.`);

/** The fast path of `outRounded`, or undefined. */
export function roundedFast(x: unknown, places: number, mode: RoundingMode, scale: number | undefined, precision: number | undefined): string | undefined {
  // round() rejects an unknown mode even when nothing needs rounding; the chain raises that error.
  if (!(places >= 0 && places < POW10.length) || (mode !== 'half-up' && mode !== 'half-even' && !roundingModes.includes(mode))) return undefined;
  let m: number;
  if (typeof x === 'number') {
    // A double with at most `places` decimals (most amounts): M = round(x·10^places) reads back as x, and with
    // |M| < 2^51 it is the only decimal of that scale that does, so it is the shortest decimal padded to
    // `places` digits, which is what round() makes of `Decimal.fromDouble(x)`. One multiplication, no search.
    // An integer x is the case k = 0 of the same (x·10^places is then exact). NaN and ±Infinity fail the bound.
    const p = POW10[places] as number;
    m = Math.round(x * p);
    if (!(m < FAST_MANTISSA && m > -FAST_MANTISSA)) return undefined;
    // More decimals: the shortest scale is above `places` (the search there starts above), then round.
    if (m / p !== x) return roundedLonger(x, places, mode, scale, precision);
  } else {
    const d = digitsOf(x);
    if (Number.isNaN(d)) return undefined;
    if (dk <= places) {
      m = d * (POW10[places - dk] as number);
      // The product of exact integers is exact below 2^53, and a true product at or above 2^53 never rounds below it.
      if (m >= EXACT || m <= -EXACT) return undefined;
    } else {
      m = roundDiv(d, dk - places, mode);
      if (Number.isNaN(m)) return undefined;
    }
  }
  return outText(m, places, scale, precision);
}

/** `outDec(round(decimal(x), places, mode), scale, precision)`: a value rounded into a decimal target field. */
export function outRounded(x: unknown, places: number, mode: RoundingMode, scale?: number, precision?: number): string {
  // The commonest case in a few operations, small enough to be inlined where places, mode, scale and
  // precision are constants: a double with at most `places` decimals (0 < places ≤ 3) below 10^6 · 10^places,
  // needing no rounding, within the precision. The same arithmetic as `roundedFast` (see there), which
  // takes everything else.
  if (typeof x === 'number' && places > 0 && places < FRACTIONS.length && (scale === undefined || places <= scale) && (mode === 'half-up' || mode === 'half-even')) {
    const p = POW10[places] as number;
    const m = Math.round(x * p);
    const neg = m < 0;
    const abs = neg ? -m : m;
    if (abs < SMALL) {
      if (m / p !== x) return roundedNext(x, places, mode, scale, precision);
      const text = smallText(abs, places, scale, precision);
      if (text !== undefined) return neg ? '-' + text : text;
    }
  }
  return roundedFast(x, places, mode, scale, precision) ?? outRoundedSlow(x, places, mode, scale, precision);
}
/**
 * `outRounded(x, 2, mode, scale, precision)`: money, two decimals — the commonest rounding of all — for a
 * double of at most three decimals in the int32 range, as one function without calls (the general
 * `outRounded` calls out to `smallText` and `roundedNext` and divides where this multiplies: the generated order
 * transform ran 1.08–1.13× as fast with it). Same arithmetic as `outRounded`'s inline case and `roundedNext`; everything
 * else (other modes, text, Decimal, bigint, more decimals, large values, tight precision) goes there.
 */
export function outRounded2(x: unknown, mode: RoundingMode, scale?: number, precision?: number): string {
  if (typeof x === 'number' && (mode === 'half-up' || mode === 'half-even') && (scale === undefined || scale >= 2)) {
    const m = Math.round(x * 100);
    let neg = m < 0;
    let q = neg ? -m : m;
    if (q < SMALL) {
      let exact = m / 100 === x;
      if (!exact) {
        // Three decimals: round the last one away, in int32 arithmetic (a half away from zero, or to even).
        const m1 = Math.round(x * 1000);
        const a1 = m1 < 0 ? -m1 : m1;
        if (a1 < SMALL && m1 / 1000 === x) {
          // 0.1 and 0.01 as doubles lie just above 1/10 and 1/100, and a product of an int32 with them is
          // never rounded below the integer it reaches: truncating it is truncating division.
          q = (a1 * 0.1) | 0;
          const r = a1 - q * 10;
          if (r > 5 || (r === 5 && (mode === 'half-up' || (q & 1) === 1))) q++;
          neg = m1 < 0 && q !== 0;
          exact = true;
        }
      }
      const int = (q * 0.01) | 0;
      // int < 10^7: within any precision that leaves 7 integer digits; otherwise compare.
      const allowed = precision === undefined ? 7 : precision - (scale ?? 2);
      if (exact && (allowed >= 7 || (allowed >= 0 && int < (POW10[allowed] as number)))) {
        const text = (int < 1000 ? (INT_POINT[int] as string) : String(int) + '.') + (TWO_DIGITS[q - int * 100] as string);
        return neg ? '-' + text : text;
      }
    }
  }
  return outRounded(x, 2, mode, scale, precision);
}
const TWO_DIGITS = FRACTIONS[2] as string[];

/**
 * `outText` of a mantissa q < 10^9 of `places` (1…3) decimals without its sign, when the precision allows
 * it (else undefined: the caller's slow path raises the error): the integer part and point from a table,
 * then the fraction digits from a table.
 */
function smallText(q: number, places: number, scale: number | undefined, precision: number | undefined): string | undefined {
  const allowed = precision === undefined ? POW10.length : precision - (scale ?? places);
  if (allowed >= 0 && (allowed + places >= POW10.length || q < (POW10[allowed + places] as number))) {
    // q < 2^31: the truncated quotient of int32 division by 10^places is exact (q/10^places is at least
    // 10^-places away from the next integer, far more than its rounding error).
    const d = POW10[places] as number;
    const int = ((q | 0) / d) | 0;
    return (int < INT_POINT.length ? (INT_POINT[int] as string) : String(int) + '.') + ((FRACTIONS[places] as string[])[(q - int * d) | 0] as string);
  }
  return undefined;
}
/**
 * `outRounded`'s inline case for a double with more than `places` decimals. Exactly one more (a price of
 * 12.345 rounded to cents) is the first step of `doubleDigits`' search from places + 1 (M =
 * round(x·10^(places+1)) reads back as x) followed by `roundDiv(M, 1, mode)` on M's last digit, done here in
 * int32 arithmetic; more decimals take the whole search (`roundedLonger`).
 */
function roundedNext(x: number, places: number, mode: RoundingMode, scale: number | undefined, precision: number | undefined): string {
  const p1 = POW10[places + 1] as number;
  const m1 = Math.round(x * p1);
  const neg = m1 < 0;
  const a1 = neg ? -m1 : m1;
  if (a1 < SMALL && m1 / p1 === x) {
    // a1 < 2^31: truncated division by 10 and its remainder are exact.
    let q = ((a1 | 0) / 10) | 0;
    const r = a1 - q * 10;
    // Half-up moves a remainder of 5 or more away from zero; half-even a 5 only when q is odd.
    if (r > 5 || (r === 5 && (mode === 'half-up' || (q & 1) === 1))) q++;
    const text = smallText(q, places, scale, precision);
    // A zero is never negative (as in `Decimal.toString`).
    if (text !== undefined) return neg && q !== 0 ? '-' + text : text;
  }
  return roundedLonger(x, places, mode, scale, precision) ?? outRoundedSlow(x, places, mode, scale, precision);
}
/** The unfused chain, for what no fast path takes. */
function outRoundedSlow(x: unknown, places: number, mode: RoundingMode, scale: number | undefined, precision: number | undefined): string {
  return outDec(round(decimal(x), BigInt(places), mode), scale, precision);
}
/** `roundedFast` for a double known to have more than `places` decimals (round(x·10^places) does not read back). */
function roundedLonger(x: number, places: number, mode: RoundingMode, scale: number | undefined, precision: number | undefined): string | undefined {
  const d = doubleDigits(x, places + 1);
  if (Number.isNaN(d)) return undefined;
  const m = roundDiv(d, dk - places, mode);
  return Number.isNaN(m) ? undefined : outText(m, places, scale, precision);
}
/** Bound of the inline case of `outRounded`'s mantissa (10^9: int32 range, far below 2^51). */
const SMALL = 1e9;

/** The fast path of `outDecOf`, or undefined. */
export function decOutFast(x: unknown, scale: number | undefined, precision: number | undefined): string | undefined {
  const d = digitsOf(x);
  return Number.isNaN(d) ? undefined : outText(d, dk, scale, precision);
}

/** `outDec(decimal(x), scale, precision)`: a value written unrounded into a decimal target field. */
export function outDecOf(x: unknown, scale?: number, precision?: number): string {
  return decOutFast(x, scale, precision) ?? outDec(decimal(x), scale, precision);
}
export function outDecOfN(x: unknown, scale?: number, precision?: number): string | null {
  return x === null || x === undefined ? null : outDecOf(x, scale, precision);
}

/**
 * A decimal field's value checked as `fieldDec` checks it (present; text, number or Decimal) but not yet
 * converted, for the fused writers above, which convert it themselves (with the same errors).
 */
export function fieldDecIn(v: unknown, k: string): string | number | Decimal {
  if (typeof v === 'number' || typeof v === 'string') return v;
  return fieldDec(v, k);
}
export function fieldDecInN(v: unknown, k: string): string | number | Decimal | null {
  if (typeof v === 'number' || typeof v === 'string') return v;
  return fieldDecN(v, k);
}

/** Whether `text` is `YYYY-MM-DD` of a calendar date in years 1…9999: then it is its own `outDate(parseDate(text))`. */
export function isIsoDate(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    y = y * 10 + c;
  }
  const m1 = text.charCodeAt(5) - 48;
  const m2 = text.charCodeAt(6) - 48;
  const d1 = text.charCodeAt(8) - 48;
  const d2 = text.charCodeAt(9) - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
  return d <= days;
}

/** `outDate(fieldDate(v, k, zone))`: a date field copied into a date target field. */
export function outDateField(v: unknown, k: string, zone: string): string {
  return typeof v === 'string' && isIsoDate(v) ? v : outDate(fieldDate(v, k, zone));
}
export function outDateFieldN(v: unknown, k: string, zone: string): string | null {
  if (typeof v === 'string' && isIsoDate(v)) return v;
  const d = fieldDateN(v, k, zone);
  return d === null ? null : outDate(d);
}

/**
 * `strSize(s) > n` for a bound known at compile time: a string of at most n UTF-16 units has at most n code
 * points, so only longer strings are counted.
 */
export function strSizeGt(s: string, n: number): boolean {
  return s.length > n && strSize(s) > BigInt(n);
}
