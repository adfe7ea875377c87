import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions } from './version.ts';

describe('compareVersions', () => {
  it('orders counters numerically and timestamps as text', () => {
    expect(compareVersions('10', '9')).toBe(1);
    expect(compareVersions('2026-03-01T00:00:00.000Z', '2026-02-28T23:59:59.999Z')).toBe(1);
    expect(compareVersions('7', '7')).toBe(0);
  });

  it('is a total order consistent with BigInt for digit strings', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 30n }), (x, y) => {
        expect(Math.sign(compareVersions(String(x), String(y)))).toBe(x < y ? -1 : x > y ? 1 : 0);
        expect(compareVersions(String(x), String(y)) + compareVersions(String(y), String(x))).toBe(0);
      }),
    );
  });
});
