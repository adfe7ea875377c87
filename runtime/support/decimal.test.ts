import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, divRound } from './decimal.ts';
import { CelError } from './errors.ts';

const dec = fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 12 })).map(([m, s]) => new Decimal(m, s));
/** Exact rational reference: a/b as [numerator, denominator]. */
const rat = (d: Decimal): [bigint, bigint] => [d.mantissa, 10n ** BigInt(d.scale)];
const ratEq = (a: [bigint, bigint], b: [bigint, bigint]): boolean => a[0] * b[1] === b[0] * a[1];

describe('Decimal', () => {
  it('never goes through a binary float: 0.1 + 0.2 == 0.3', () => {
    expect(Decimal.parse('0.1').add(Decimal.parse('0.2')).eq(Decimal.parse('0.3'))).toBe(true);
    expect(Decimal.fromDouble(0.1).add(Decimal.fromDouble(0.2)).toString()).toBe('0.3');
  });

  it('keeps the scale of amounts read as text (SAP, Kingdee)', () => {
    for (const s of ['113.00', '-0.50', '0.000', '1234567890123456789012.345678', '7']) expect(Decimal.parse(s).toString()).toBe(s);
    expect(Decimal.parse('1e3').toString()).toBe('1000');
    expect(Decimal.parse('1.5E-3').toString()).toBe('0.0015');
    expect(Decimal.parse('+.5').toString()).toBe('0.5');
  });

  it('rejects malformed text with a coded error', () => {
    for (const s of ['', '.', '12,5', '1.2.3', 'abc', '1e', '--1']) {
      expect(() => Decimal.parse(s)).toThrowError(CelError);
      try {
        Decimal.parse(s);
      } catch (e) {
        expect((e as CelError).code).toBe('SS5106');
      }
    }
  });

  it('rounds half-up (四舍五入), half-even and the directed modes', () => {
    const r = (s: string, n: number, mode?: Parameters<Decimal['round']>[1]) => Decimal.parse(s).round(n, mode).toString();
    expect(r('2.345', 2)).toBe('2.35');
    expect(r('-2.345', 2)).toBe('-2.35');
    expect(r('2.345', 2, 'half-even')).toBe('2.34');
    expect(r('2.355', 2, 'half-even')).toBe('2.36');
    expect(r('2.345', 2, 'half-down')).toBe('2.34');
    expect(r('2.341', 2, 'up')).toBe('2.35');
    expect(r('-2.349', 2, 'down')).toBe('-2.34');
    expect(r('-2.341', 2, 'floor')).toBe('-2.35');
    expect(r('-2.349', 2, 'ceiling')).toBe('-2.34');
    expect(r('113', 2)).toBe('113.00');
    expect(r('0.5', 0)).toBe('1');
    expect(r('-0.5', 0, 'half-even')).toBe('0');
  });

  it('divides with the documented scale and refuses zero', () => {
    expect(Decimal.parse('10.00').div(Decimal.parse('4')).toString()).toBe('2.50');
    expect(Decimal.parse('1').div(Decimal.parse('3')).toString()).toBe('0.3333333333');
    expect(() => Decimal.parse('1').div(Decimal.parse('0.00'))).toThrowError(/division by zero/);
  });

  it('adds, subtracts and multiplies exactly (property, against rational arithmetic)', () => {
    fc.assert(
      fc.property(dec, dec, (a, b) => {
        const [an, ad] = rat(a);
        const [bn, bd] = rat(b);
        expect(ratEq(rat(a.add(b)), [an * bd + bn * ad, ad * bd])).toBe(true);
        expect(ratEq(rat(a.sub(b)), [an * bd - bn * ad, ad * bd])).toBe(true);
        expect(ratEq(rat(a.mul(b)), [an * bn, ad * bd])).toBe(true);
        const c = a.cmp(b);
        const ref = an * bd < bn * ad ? -1 : an * bd > bn * ad ? 1 : 0;
        expect(c).toBe(ref);
      }),
    );
  });

  it('round-trips its text form (property)', () => {
    fc.assert(
      fc.property(dec, (a) => {
        const back = Decimal.parse(a.toString());
        expect(back.mantissa).toBe(a.mantissa);
        expect(back.scale).toBe(a.scale);
      }),
    );
  });

  it('reads doubles through their shortest text (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }), (x) => {
        expect(Number(Decimal.fromDouble(x).toString())).toBe(Object.is(x, -0) ? 0 : x);
      }),
    );
  });

  it('rounds within half a unit of the last place, and half-up agrees with a BigInt reference (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 1, max: 8 }), (m, s) => {
        const d = new Decimal(m, s);
        const places = Math.max(0, s - 2);
        const r = d.round(places, 'half-up');
        const p = 10n ** BigInt(s - places);
        const abs = m < 0n ? -m : m;
        const refAbs = (abs + p / 2n) / p;
        expect(r.mantissa).toBe(m < 0n ? -refAbs : refAbs);
      }),
    );
  });

  it('divRound handles negative divisors', () => {
    expect(divRound(7n, -2n, 'half-up')).toBe(-4n);
    expect(divRound(-7n, -2n, 'down')).toBe(3n);
  });

  it('reads a double exactly as its shortest text, on the Number fast path too', () => {
    const viaText = (n: number): Decimal => Decimal.parse(Object.is(n, -0) ? '0' : String(n));
    const same = (n: number): void => {
      const a = Decimal.fromDouble(n);
      const b = viaText(n);
      expect([a.mantissa, a.scale]).toEqual([b.mantissa, b.scale]);
    };
    for (const n of [0, -0, 0.1, 0.2, 0.1 + 0.2, 5.37, -113, 1e-7, 123456789.123, 2 ** 51, 2 ** 53 + 2, 1e21, 5e-324, Number.MAX_VALUE]) same(n);
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), same), { numRuns: 5000 });
    // Amounts as they arrive: a few digits after the point.
    fc.assert(fc.property(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), fc.integer({ min: 0, max: 15 }), (m, k) => same(m / 10 ** k)), { numRuns: 5000 });
  });

  it('reads short plain text on the Number fast path to the same mantissa and scale as BigInt', () => {
    const reference = (t: string): [bigint, number] => {
      const [, sign, int = '', frac = ''] = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(t) as RegExpExecArray;
      const m = BigInt(int + frac || '0');
      return [sign === '-' ? -m : m, frac.length];
    };
    const text = fc
      .tuple(fc.constantFrom('', '-', '+'), fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), maxLength: 9 }), fc.option(fc.string({ unit: fc.constantFrom('0', '3', '9'), maxLength: 8 })))
      .map(([s, i, f]) => `${s}${i}${f === null ? '' : `.${f}`}`)
      .filter((t) => /\d/.test(t));
    fc.assert(
      fc.property(text, (t) => {
        const d = Decimal.parse(t);
        expect([d.mantissa, d.scale]).toEqual(reference(t));
      }),
      { numRuns: 3000 },
    );
  });
});
