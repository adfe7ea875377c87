import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as f from './fields.ts';
import { lowerAscii, upperAscii } from './cel-runtime.ts';

const outcome = (g: () => unknown): unknown => {
  try {
    const v = g();
    return { v: typeof v === 'object' && v !== null && 'toString' in v && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype ? String(v) : v };
  } catch (e) {
    return { error: (e as { code?: string }).code, message: (e as Error).message };
  }
};

const kinds = ['Str', 'Int', 'Dbl', 'Bool', 'Dec', 'Rec', 'List'] as const;
const zoned = ['Date', 'Ts'] as const;

describe('field reads', () => {
  it('the call-site form (value read at the call site) gives the values and errors of the own-property form', () => {
    const value = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constantFrom('12', ' 7 ', '1.50', 'true', '2026-03-01', '2026-03-01T08:00:00Z', ''), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }));
    fc.assert(
      fc.property(value, fc.boolean(), (v, present) => {
        const o: Record<string, unknown> = present ? { Amount: v } : {};
        const fs = f as unknown as Record<string, (...a: unknown[]) => unknown>;
        for (const k of kinds)
          for (const n of ['', 'N']) expect(outcome(() => fs[`field${k}${n}`]!(o['Amount'], 'Amount'))).toEqual(outcome(() => fs[`f${k}${n}`]!(o, 'Amount')));
        for (const k of zoned)
          for (const n of ['', 'N']) expect(outcome(() => fs[`field${k}${n}`]!(o['Amount'], 'Amount', 'Asia/Shanghai'))).toEqual(outcome(() => fs[`f${k}${n}`]!(o, 'Amount', 'Asia/Shanghai')));
      }),
    );
  });

  it('keeps absent, null and wrong type apart', () => {
    expect(outcome(() => f.fieldStr(undefined, 'Name'))).toMatchObject({ error: 'SS5104', message: 'no such field: Name' });
    expect(f.fieldStrN(null, 'Name')).toBeNull();
    expect(outcome(() => f.fieldStr({}, 'Name'))).toMatchObject({ error: 'SS5106', message: 'field Name: expected string, got map map' });
  });
});

describe('ASCII case mapping', () => {
  it('changes ASCII letters only, as the letter-wise definition', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', 'q', 'ß', 'é', 'İ', '字', ' ', '1', '😀') }), (s) => {
        expect(upperAscii(s)).toBe(s.replace(/[a-z]/g, (c) => c.toUpperCase()));
        expect(lowerAscii(s)).toBe(s.replace(/[A-Z]/g, (c) => c.toLowerCase()));
      }),
    );
  });
});
