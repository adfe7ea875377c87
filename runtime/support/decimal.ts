/**
 * Exact decimal numbers for money and quantities: a BigInt mantissa and a non-negative scale
 * (value = mantissa / 10^scale). No binary float is ever involved, so 0.1 + 0.2 == 0.3 and amounts
 * read as text ("113.00" from SAP or Kingdee) keep their scale when written back.
 */
import { celFail } from './errors.ts';

export type RoundingMode = 'half-up' | 'half-even' | 'half-down' | 'down' | 'up' | 'floor' | 'ceiling';
export const roundingModes: readonly RoundingMode[] = ['half-up', 'half-even', 'half-down', 'down', 'up', 'floor', 'ceiling'];

/** Digits kept after the point by `/` beyond the larger operand scale (then trailing zeros are trimmed back). */
export const DIVISION_EXTRA_SCALE = 10;
const MAX_SCALE = 1000;

const pow10Cache: bigint[] = [];
/** 10^n as a BigInt (cached for small n). */
export function pow10(n: number): bigint {
  let p = pow10Cache[n];
  if (p === undefined) {
    p = 10n ** BigInt(n);
    if (n < 256) pow10Cache[n] = p;
  }
  return p;
}

const DECIMAL_TEXT = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?\s*$/;

/** 10^0 … 10^15 as doubles: each is exact, as is every integer below 2^53. */
const POW10_NUM = Array.from({ length: 16 }, (_, i) => 10 ** i);
/**
 * Bound on the mantissa of the fast paths. Below 2^51 a double times an exact power of ten is off from the
 * nearest integer by less than 0.5, so rounding it recovers the decimal's digits exactly (see `fromDouble`).
 */
const FAST_MANTISSA = 2 ** 51;

/**
 * Scale of the last number `shortMantissa` read. Module state rather than a returned pair: the fused
 * writers (fused.ts) read a decimal per field and must not allocate for it.
 */
export let shortScale = 0;

/**
 * Mantissa of plain decimal text of at most 15 digits (`-12.50`, `7`, `+.5`, `5.`) read with Number
 * arithmetic on integers (exact below 2^53), its scale in `shortScale`; NaN for anything else
 * (exponents, spaces, long digit strings), which `Decimal.parse` reads with BigInt.
 */
export function shortMantissa(text: string): number {
  const n = text.length;
  let i = 0;
  let neg = false;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) {
    neg = first === 45;
    i = 1;
  }
  let m = 0;
  let digits = 0;
  let scale = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 15) return Number.NaN;
      m = m * 10 + (c - 48);
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) scale = 0;
    else return Number.NaN;
  }
  if (digits === 0) return Number.NaN;
  shortScale = scale < 0 ? 0 : scale;
  return neg ? -m : m;
}

function parseShort(text: string): Decimal | undefined {
  const m = shortMantissa(text);
  return Number.isNaN(m) ? undefined : new Decimal(BigInt(m), shortScale);
}

export class Decimal {
  readonly mantissa: bigint;
  readonly scale: number;
  constructor(mantissa: bigint, scale: number) {
    if (!Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) celFail('outOfRange', `decimal scale ${scale} is out of range`);
    this.mantissa = mantissa;
    this.scale = scale;
  }

  static parse(text: string): Decimal {
    const short = parseShort(text);
    if (short !== undefined) return short;
    const m = DECIMAL_TEXT.exec(text);
    const intPart = m?.[2] ?? '';
    const fracPart = m?.[3] ?? '';
    if (!m || (intPart === '' && fracPart === '')) celFail('badConversion', `"${truncate(text)}" is not a decimal number`);
    const exp = m[4] === undefined ? 0 : Number(m[4]);
    let mantissa = BigInt(intPart + fracPart || '0');
    if (m[1] === '-') mantissa = -mantissa;
    let scale = fracPart.length - exp;
    if (scale < 0) {
      if (-scale > MAX_SCALE) celFail('outOfRange', `decimal "${truncate(text)}" is out of range`);
      mantissa *= pow10(-scale);
      scale = 0;
    }
    return new Decimal(mantissa, scale);
  }

  static fromInt(n: bigint | number): Decimal {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) return Decimal.fromDouble(n);
    return new Decimal(BigInt(n), 0);
  }

  /** From a binary double through its shortest round-trip text, so 0.1 becomes exactly 0.1. */
  static fromDouble(n: number): Decimal {
    if (!Number.isFinite(n)) celFail('badConversion', `${n} cannot be converted to a decimal`);
    if (n === 0) return new Decimal(0n, 0);
    // The smallest scale k whose decimal m / 10^k reads back as n is the scale of n's shortest text (String(n)),
    // and with |m| < 2^51 that decimal is the only one of scale k that does: the same value as parsing String(n),
    // without the text. Larger or longer numbers take the text path.
    for (let k = 0; k < POW10_NUM.length; k++) {
      const p = POW10_NUM[k] as number;
      const m = Math.round(n * p);
      if (m >= FAST_MANTISSA || m <= -FAST_MANTISSA) break;
      if (m / p === n) return new Decimal(BigInt(m), k);
    }
    return Decimal.parse(String(n));
  }

  static from(v: unknown): Decimal {
    if (v instanceof Decimal) return v;
    if (typeof v === 'string') return Decimal.parse(v);
    if (typeof v === 'bigint') return new Decimal(v, 0);
    if (typeof v === 'number') return Number.isSafeInteger(v) ? new Decimal(BigInt(v), 0) : Decimal.fromDouble(v);
    return celFail('badConversion', `a ${typeof v} cannot be converted to a decimal`);
  }

  #aligned(o: Decimal): [bigint, bigint, number] {
    if (this.scale === o.scale) return [this.mantissa, o.mantissa, this.scale];
    if (this.scale > o.scale) return [this.mantissa, o.mantissa * pow10(this.scale - o.scale), this.scale];
    return [this.mantissa * pow10(o.scale - this.scale), o.mantissa, o.scale];
  }

  add(o: Decimal): Decimal {
    const [a, b, s] = this.#aligned(o);
    return new Decimal(a + b, s);
  }
  sub(o: Decimal): Decimal {
    const [a, b, s] = this.#aligned(o);
    return new Decimal(a - b, s);
  }
  mul(o: Decimal): Decimal {
    return new Decimal(this.mantissa * o.mantissa, this.scale + o.scale);
  }
  /**
   * Quotient with `max(scale a, scale b) + DIVISION_EXTRA_SCALE` digits, rounded half-even, then trailing
   * zeros trimmed down to `max(scale a, scale b)`: 10.00 / 4 = 2.50, 1 / 3 = 0.3333333333.
   */
  div(o: Decimal): Decimal {
    if (o.mantissa === 0n) celFail('divisionByZero', 'decimal division by zero');
    const keep = Math.max(this.scale, o.scale);
    const scale = keep + DIVISION_EXTRA_SCALE;
    // this/o = (ma / 10^sa) / (mb / 10^sb); scaled by 10^scale: ma * 10^(scale - sa + sb) / mb
    const shift = scale - this.scale + o.scale;
    const num = shift >= 0 ? this.mantissa * pow10(shift) : this.mantissa;
    const den = shift >= 0 ? o.mantissa : o.mantissa * pow10(-shift);
    const q = divRound(num, den, 'half-even');
    return trimTo(new Decimal(q, scale), keep);
  }
  neg(): Decimal {
    return new Decimal(-this.mantissa, this.scale);
  }
  abs(): Decimal {
    return this.mantissa < 0n ? this.neg() : this;
  }
  cmp(o: Decimal): -1 | 0 | 1 {
    const [a, b] = this.#aligned(o);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  eq(o: Decimal): boolean {
    return this.cmp(o) === 0;
  }
  isZero(): boolean {
    return this.mantissa === 0n;
  }

  /** Rounds to exactly `places` digits after the point (padding with zeros): 113 → "113.00". */
  round(places: number | bigint, mode: RoundingMode = 'half-up'): Decimal {
    const n = Number(places);
    if (!Number.isInteger(n) || n < 0 || n > MAX_SCALE) celFail('badArgument', `round() needs 0..${MAX_SCALE} places, got ${String(places)}`);
    if (!roundingModes.includes(mode)) celFail('badArgument', `unknown rounding mode "${mode}"`);
    if (n >= this.scale) return new Decimal(this.mantissa * pow10(n - this.scale), n);
    return new Decimal(divRound(this.mantissa, pow10(this.scale - n), mode), n);
  }

  toString(): string {
    const neg = this.mantissa < 0n;
    const digits = (neg ? -this.mantissa : this.mantissa).toString();
    if (this.scale === 0) return (neg ? '-' : '') + digits;
    const padded = digits.padStart(this.scale + 1, '0');
    const cut = padded.length - this.scale;
    return `${neg ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
  }
  toFixed(places: number | bigint, mode: RoundingMode = 'half-up'): string {
    return this.round(places, mode).toString();
  }
  toNumber(): number {
    return Number(this.toString());
  }
  toJSON(): string {
    return this.toString();
  }
  /** Integer part, truncated toward zero. */
  trunc(): bigint {
    return this.mantissa / pow10(this.scale);
  }
}

/** Removes trailing zeros but keeps at least `minScale` digits after the point. */
function trimTo(d: Decimal, minScale: number): Decimal {
  let m = d.mantissa;
  let s = d.scale;
  while (s > minScale && m % 10n === 0n) {
    m /= 10n;
    s--;
  }
  return s === d.scale ? d : new Decimal(m, s);
}

/** Integer division of `num` by `den` rounded by `mode` (den != 0). */
export function divRound(num: bigint, den: bigint, mode: RoundingMode): bigint {
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const q = num / den; // truncated toward zero
  const r = num - q * den;
  if (r === 0n) return q;
  const sign = num < 0n ? -1n : 1n;
  const twice = (r < 0n ? -r : r) * 2n;
  let awayFromZero: boolean;
  switch (mode) {
    case 'down':
      awayFromZero = false;
      break;
    case 'up':
      awayFromZero = true;
      break;
    case 'floor':
      awayFromZero = sign < 0n;
      break;
    case 'ceiling':
      awayFromZero = sign > 0n;
      break;
    case 'half-up':
      awayFromZero = twice >= den;
      break;
    case 'half-down':
      awayFromZero = twice > den;
      break;
    case 'half-even':
      awayFromZero = twice > den || (twice === den && (q & 1n) !== 0n);
      break;
  }
  return awayFromZero ? q + sign : q;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
