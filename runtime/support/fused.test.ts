import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimal, round, strSize } from './cel-runtime.ts';
import { Decimal, roundingModes, type RoundingMode } from './decimal.ts';
import { fieldDate, fieldDateN, fieldDec, fieldDecN, outDate, outDec } from './fields.ts';
import { decOutFast, fieldDecIn, fieldDecInN, isIsoDate, outDateField, outDateFieldN, outDecOf, outDecOfN, outRounded, outRounded2, roundedFast, strSizeGt } from './fused.ts';

/** The value or the error (code and message) of a computation, so fused and unfused compare in full. */
const outcome = (g: () => unknown): unknown => {
  try {
    return { value: g() };
  } catch (e) {
    return { code: (e as { code?: unknown }).code, name: (e as Error).name, message: (e as Error).message };
  }
};

/** Doubles as amounts arrive: an integer of cents (or thousandths…) divided by a power of ten. */
const amount = fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 6 })).map(([n, k]) => n / 10 ** k);
/** Halfway and famous binary-representation cases, magnitudes at the edges of the fast path, and non-finite values. */
const special = fc.constantFrom(
  0.125, 2.675, 1.005, 1.015, 0.045, 2.5, -2.5, 0.5, -0.5, 1.5, -1.5, 0.005, -0.005, 1.0000000000000002, 0.1, 0.2, 0.30000000000000004,
  -0, 0, 1e21, 1e-7, -1e-7, 5e-324, 1e300, -1e300, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 51, 2 ** 51 - 1, 2 ** 51 + 0.5, 2 ** 53, 2 ** 52 + 0.5,
  (2 ** 51 - 1) / 100, 2 ** 51 / 1000, 123456789012.345, 99999999999999.99, 0.000001, 1e15, 1e16, 9.999999999999999e22,
  Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON,
);
const aDouble = fc.oneof(amount, special, fc.double(), fc.double({ min: -1e6, max: 1e6 }), fc.integer().map((n) => n / 1000));
/** Decimal text: plain (short and long), with exponents, signs, spaces, and malformed. */
const digits = (max: number) => fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9'), minLength: 0, maxLength: max });
const plainText = fc.tuple(fc.constantFrom('', '-', '+'), digits(18), fc.boolean(), digits(18)).map(([s, i, dot, f]) => `${s}${i}${dot ? '.' : ''}${dot ? f : ''}`);
const aText = fc.oneof(
  plainText,
  plainText.map((t) => `${t}e${t.length % 7 - 3}`),
  plainText.map((t) => ` ${t} `),
  aDouble.map(String),
  fc.constantFrom('0.125', '2.675', '1.005', '-0.005', '-0', '+.5', '5.', '.', '', '-', '1e3', '1.5E-3', '12,5', '1.2.3', 'abc', '0x10', 'Infinity', 'NaN', '１２', '999999999999999', '9999999999999999', '0.000000000000001'),
  fc.string({ maxLength: 6 }),
);
const anInput = fc.oneof(aDouble, aText, fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), fc.constantFrom(null, undefined, true, {}, [], Decimal.parse('1.2345'), Decimal.parse('-1e40')));
const aMode = fc.constantFrom(...roundingModes);
const places = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 20 }));
const optScale = fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined });
const optPrecision = fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined });
const many = { numRuns: 20_000 };

const unfusedRounded = (x: unknown, n: number, mode: RoundingMode, scale?: number, precision?: number): string => outDec(round(decimal(x), BigInt(n), mode), scale, precision);

describe('outRounded2 = outRounded(x, 2, …): the two-decimal writer', () => {
  it('on random doubles, texts and other values, every rounding mode, scale and precision', () => {
    fc.assert(
      fc.property(fc.oneof(anInput, amount), aMode, optScale, optPrecision, (x, mode, scale, precision) => {
        expect(outcome(() => outRounded2(x, mode, scale, precision))).toEqual(outcome(() => unfusedRounded(x, 2, mode, scale, precision)));
      }),
      many,
    );
  });
  it('on amounts of up to four decimals around the int32 bound, near powers of ten and halves', () => {
    const near = fc.tuple(fc.integer({ min: 0, max: 10 }), fc.constantFrom(-1, -0.005, -0.001, 0, 0.001, 0.005, 0.015, 0.995), fc.boolean()).map(([e, d, neg]) => (neg ? -1 : 1) * (10 ** e + d));
    const scaled = fc.tuple(fc.integer({ min: -3e9, max: 3e9 }), fc.integer({ min: 0, max: 4 })).map(([n, k]) => n / 10 ** k);
    fc.assert(
      fc.property(fc.oneof(near, scaled), fc.constantFrom<RoundingMode>('half-up', 'half-even', 'floor'), fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }), fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined }), (x, mode, scale, precision) => {
        expect(outcome(() => outRounded2(x, mode, scale, precision))).toEqual(outcome(() => unfusedRounded(x, 2, mode, scale, precision)));
      }),
      many,
    );
    expect(outRounded2(-0.005, 'half-up')).toBe('-0.01');
    expect(outRounded2(-0.005, 'half-even')).toBe('0.00');
    expect(outRounded2(-0.004, 'half-up')).toBe('0.00');
    expect(outRounded2(-0, 'half-up')).toBe('0.00');
    expect(outRounded2(2.675, 'half-up')).toBe('2.68');
    expect(outRounded2(2.665, 'half-even')).toBe('2.66');
    expect(outRounded2(1234.5, 'half-up', 10, 23)).toBe('1234.50');
    expect(outRounded2(99999.995, 'half-up', 2, 8)).toBe('100000.00');
    expect(() => outRounded2(99999.995, 'half-up', 2, 7)).toThrow('exceeds precision 7');
  });
});

describe('outRounded = outDec(round(decimal(x), n, mode), scale, precision)', () => {
  it('on random doubles, texts and other values, every rounding mode', () => {
    fc.assert(
      fc.property(anInput, places, aMode, optScale, optPrecision, (x, n, mode, scale, precision) => {
        expect(outcome(() => outRounded(x, n, mode, scale, precision))).toEqual(outcome(() => unfusedRounded(x, n, mode, scale, precision)));
      }),
      many,
    );
  });

  it('on amounts with more decimals than kept (the rounding the fast path does itself)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 4 }), aMode, (n, k, p, mode) => {
        for (const x of [n / 10 ** k, String(n / 10 ** k), `${n}`.replace(/^(-?)(\d*?)(\d{0,3})$/, '$1$2.$3')]) {
          expect(outcome(() => outRounded(x, p, mode, 10, 23))).toEqual(outcome(() => unfusedRounded(x, p, mode, 10, 23)));
        }
      }),
      many,
    );
  });

  it('on amounts with exactly one decimal more than kept (the int32 rounding of the inline case)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2e9, max: 2e9 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom<RoundingMode>('half-up', 'half-even'), optScale, optPrecision, (n, p, mode, scale, precision) => {
        const x = n / 10 ** (p + 1);
        expect(outcome(() => outRounded(x, p, mode, scale, precision))).toEqual(outcome(() => unfusedRounded(x, p, mode, scale, precision)));
      }),
      many,
    );
    // Rounding to zero from below keeps no sign; a half rounds away from zero (half-up) or to even.
    expect(outRounded(-0.005, 2, 'half-up')).toBe('-0.01');
    expect(outRounded(-0.005, 2, 'half-even')).toBe('0.00');
    expect(outRounded(-0.004, 2, 'half-up')).toBe('0.00');
    expect(outRounded(0.015, 2, 'half-even')).toBe('0.02');
    expect(outRounded(99999.995, 2, 'half-up', 2, 8)).toBe('100000.00');
    expect(() => outRounded(99999.995, 2, 'half-up', 2, 7)).toThrow('exceeds precision 7');
  });

  it('at the edges of the target precision and scale (the inline case checks them itself)', () => {
    const nearPower = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom(-1, -0.01, -0.001, 0, 0.001, 0.01, 0.005), fc.boolean()).map(([e, d, neg]) => (neg ? -1 : 1) * (10 ** e + d));
    fc.assert(
      fc.property(fc.oneof(nearPower, amount), fc.integer({ min: 0, max: 4 }), fc.constantFrom<RoundingMode>('half-up', 'half-even', 'floor'), fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }), (x, n, mode, scale, precision) => {
        expect(outcome(() => outRounded(x, n, mode, scale, precision))).toEqual(outcome(() => unfusedRounded(x, n, mode, scale, precision)));
      }),
      many,
    );
  });

  it('rounds the halfway cases as decimals, never as their binary doubles', () => {
    // 2.675 is 2.67499999999999982236431605997495353221893310546875 as a double; decimal(2.675) is 2.675.
    expect(outRounded(2.675, 2, 'half-up')).toBe('2.68');
    expect(outRounded(2.675, 2, 'half-even')).toBe('2.68');
    expect(outRounded(2.665, 2, 'half-even')).toBe('2.66');
    expect(outRounded(1.005, 2, 'half-up')).toBe('1.01');
    expect(outRounded(0.125, 2, 'half-even')).toBe('0.12');
    expect(outRounded(0.125, 2, 'half-up')).toBe('0.13');
    expect(outRounded(-0.125, 2, 'half-up')).toBe('-0.13');
    expect(outRounded(-0.001, 2, 'half-up')).toBe('0.00');
    expect(outRounded(-0, 2, 'half-up')).toBe('0.00');
    expect(outRounded('99.999', 2, 'half-up', 10, 23)).toBe('100.00');
    expect(outRounded(13n, 2, 'half-up', 10, 23)).toBe('13.00');
  });

  it('the fast path takes the usual amounts and declines what it cannot do exactly', () => {
    for (const [x, n] of [[2.5, 2], [99.999, 2], ['113.00', 2], [13n, 2], [-0.125, 2], [1234.5678, 4]] as const) expect(roundedFast(x, n, 'half-up', 10, 23)).toBe(unfusedRounded(x, n, 'half-up', 10, 23));
    for (const x of [1e21, '1e3', ' 1 ', '1234567890123456.5', Number.NaN, Decimal.parse('1.5'), 2 ** 60]) expect(roundedFast(x, 2, 'half-up', 10, 23)).toBeUndefined();
    // Out of the target's range or scale: the chain raises the error.
    expect(roundedFast(1e14, 2, 'half-up', 10, 23)).toBeUndefined();
    expect(outcome(() => outRounded(1e14, 2, 'half-up', 10, 23))).toMatchObject({ code: 'SS5107' });
    expect(outcome(() => outRounded(1.234, 3, 'half-up', 2))).toMatchObject({ code: 'SS5112' });
    expect(outcome(() => outRounded(Number.NaN, 2, 'half-up'))).toMatchObject({ code: 'SS5106' });
    expect(outcome(() => outRounded(1.5, 2, 'sideways' as RoundingMode))).toMatchObject({ code: 'SS5117' });
  });
});

describe('outDecOf = outDec(decimal(x), scale, precision)', () => {
  it('on random inputs', () => {
    fc.assert(
      fc.property(anInput, optScale, optPrecision, (x, scale, precision) => {
        expect(outcome(() => outDecOf(x, scale, precision))).toEqual(outcome(() => outDec(decimal(x), scale, precision)));
        expect(outcome(() => outDecOfN(x, scale, precision))).toEqual(outcome(() => (x === null || x === undefined ? null : outDec(decimal(x), scale, precision))));
      }),
      many,
    );
  });

  it('keeps the scale of text and trims nothing it need not', () => {
    expect(outDecOf('113.00', 2, 18)).toBe('113.00');
    expect(outDecOf('1.50000000000', 10)).toBe('1.5000000000');
    expect(outDecOf(0.1, 10, 23)).toBe('0.1');
    expect(decOutFast('1.50000000000', 10, undefined)).toBeUndefined();
  });
});

describe('reads of decimal fields checked without converting (fieldDecIn)', () => {
  it('give the values and errors of fieldDec once converted', () => {
    fc.assert(
      fc.property(anInput, places, aMode, (v, n, mode) => {
        expect(outcome(() => outRounded(fieldDecIn(v, 'Amount'), n, mode, 10, 23))).toEqual(outcome(() => outDec(round(fieldDec(v, 'Amount'), BigInt(n), mode), 10, 23)));
        expect(outcome(() => outDecOfN(fieldDecInN(v, 'Amount'), 4, 18))).toEqual(outcome(() => {
          const d = fieldDecN(v, 'Amount');
          return d === null ? null : outDec(d, 4, 18);
        }));
      }),
      many,
    );
  });
});

describe('outDateField = outDate(fieldDate(v, k, zone))', () => {
  const isoLike = fc
    .tuple(fc.integer({ min: 0, max: 10000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
    .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
  const value = fc.oneof(
    isoLike,
    isoLike.map((s) => `${s}T08:00:00Z`),
    isoLike.map((s) => ` ${s}`),
    isoLike.map((s) => `${s}+08:00`),
    fc.constantFrom('2024-02-29', '2023-02-29', '2000-02-29', '1900-02-29', '0000-01-01', '0001-01-01', '9999-12-31', '2026-1-01', '2026-01-1 ', '2026/01/01', '/Date(1767225600000)/', '', '２０２６-01-01', '2026-03-01T23:30:00', '2026-03-01T23:30:00-05:00'),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(null, undefined, 20260301, true),
  );
  const zone = fc.constantFrom('UTC', 'Asia/Shanghai', 'America/New_York', 'Pacific/Kiritimati');
  it('on date-only text, date-times in zones and other values', () => {
    fc.assert(
      fc.property(value, zone, (v, z) => {
        expect(outcome(() => outDateField(v, 'D', z))).toEqual(outcome(() => outDate(fieldDate(v, 'D', z))));
        expect(outcome(() => outDateFieldN(v, 'D', z))).toEqual(outcome(() => {
          const d = fieldDateN(v, 'D', z);
          return d === null ? null : outDate(d);
        }));
      }),
      many,
    );
  });
  it('passes canonical dates through and leaves every other form to the parser', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    for (const s of ['2023-02-29', '0000-01-01', '2026-13-01', '2026-04-31', ' 2026-01-01', '2026-01-01T00:00:00Z', '２０２６-01-01']) expect(isIsoDate(s)).toBe(false);
  });
});

describe('strSizeGt(s, n) = strSize(s) > n', () => {
  it('on text with and without surrogate pairs (and lone surrogates)', () => {
    const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: fc.constantFrom('a', '中', '😀', '\uD800', '\uDC00'), maxLength: 20 }));
    fc.assert(
      fc.property(text, fc.integer({ min: -2, max: 45 }), (s, n) => {
        expect(strSizeGt(s, n)).toBe(strSize(s) > BigInt(n));
      }),
      many,
    );
  });
});
