import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePositions, decodeToken, encodeToken, instantMs, isAfter, isPosition, localToUtcIso, toUtcIso, utcToLocal } from './cursor.ts';

describe('time conversions', () => {
  it('reads offset-less China Standard Time as UTC+8', () => {
    expect(localToUtcIso('2026-03-01T10:00:00', 480)).toBe('2026-03-01T02:00:00.000Z');
    expect(localToUtcIso('2026-03-01 00:30:00.5', 480)).toBe('2026-02-28T16:30:00.500Z');
    expect(localToUtcIso('2026-03-01T10:00:00.1234567', 480)).toBe('2026-03-01T02:00:00.123Z');
  });

  it('refuses text that is not a local timestamp', () => {
    for (const bad of ['', '2026-03-01', '2026-13-01T00:00:00', '2026-03-01T10:00:00Z', 'yesterday', '2026-03-01T24:00:00']) {
      expect(localToUtcIso(bad, 480)).toBeUndefined();
    }
  });

  it('round-trips UTC → local → UTC for any instant at millisecond precision', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -720, max: 840 }), (ms, offset) => {
        const iso = new Date(ms).toISOString();
        const local = utcToLocal(iso, offset);
        expect(local).toBeDefined();
        expect(localToUtcIso(local as string, offset)).toBe(iso);
      }),
    );
  });

  it('gives the instant and the canonical text Date.parse and toISOString would, for any text of the canonical shapes', () => {
    const slow = (iso: string): string | undefined => {
      const ms = Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
    };
    const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
    const shaped = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), digits(3), fc.constantFrom('Z', '+0000', '+00:00', '+0800'))
      .map(([y, mo, d, h, mi, s, ms, zone]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${zone}`);
    const instants = fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }).map((ms) => new Date(ms).toISOString());
    const slowMs = (iso: string): number => Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    fc.assert(
      fc.property(fc.oneof(shaped, instants, instants.map((s) => s.replace('Z', '+0000')), fc.string()), (iso) => {
        expect(toUtcIso(iso)).toBe(slow(iso));
        expect(instantMs(iso)).toBe(slowMs(iso));
      }),
      { numRuns: 5000 },
    );
    for (const edge of ['2024-02-29T00:00:00.000+0000', '2023-02-29T00:00:00.000+0000', '1900-02-29T00:00:00.000Z', '2000-02-29T23:59:59.999Z', '2026-04-31T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '2026-01-01T24:00:00.000+0000', '2026-01-01T00:00:60.000Z']) {
      expect(toUtcIso(edge)).toBe(slow(edge));
      expect(instantMs(edge)).toBe(slowMs(edge));
    }
  });

  it('normalises Salesforce +0000 datetimes to canonical UTC', () => {
    expect(toUtcIso('2024-05-01T08:00:00.000+0000')).toBe('2024-05-01T08:00:00.000Z');
    expect(toUtcIso('2024-05-01T10:00:00+02:00')).toBe('2024-05-01T08:00:00.000Z');
    expect(toUtcIso('garbage')).toBeUndefined();
  });
});

describe('tie-safe positions', () => {
  it('orders by instant, then id, whatever the ISO spelling', () => {
    const at = '2026-03-01T02:00:00.000Z';
    expect(comparePositions({ at, id: 'a' }, { at: '2026-03-01T02:00:00.000+0000', id: 'b' })).toBe(-1);
    expect(comparePositions({ at, id: 'b' }, { at, id: 'b' })).toBe(0);
    expect(isAfter({ id: 'b', version: '1', cursor: at, data: {} }, { at, id: 'a' })).toBe(true);
    expect(isAfter({ id: 'a', version: '1', cursor: at, data: {} }, { at, id: 'a' })).toBe(false);
    expect(isAfter({ id: 'a', version: '1', data: {} }, { at, id: '' })).toBe(false);
  });

  it('orders numeric ids numerically and other ids as text', () => {
    const at = '2026-03-01T02:00:00.000Z';
    expect(comparePositions({ at, id: '99999' }, { at, id: '100000' })).toBe(-1);
    expect(comparePositions({ at, id: '001B' }, { at, id: '001A' })).toBe(1);
    expect(comparePositions({ at, id: '' }, { at, id: '1' })).toBe(-1);
  });

  it('is a total order consistent with sorting (property)', () => {
    // Ids of one entity share a family: all numeric (Kingdee) or all text (Salesforce, Jiandaoyun).
    for (const id of [fc.nat(100_000).map(String), fc.stringMatching(/^[0-9A-Za-z]{0,4}$/).map((s) => `a${s}`)]) {
      const pos = fc.record({ at: fc.integer({ min: 0, max: 10 }).map((s) => new Date(s * 1000).toISOString()), id });
      fc.assert(
        fc.property(pos, pos, pos, (a, b, c) => {
          expect(Math.sign(comparePositions(a, b)) + Math.sign(comparePositions(b, a))).toBe(0);
          if (comparePositions(a, b) <= 0 && comparePositions(b, c) <= 0) expect(comparePositions(a, c)).toBeLessThanOrEqual(0);
        }),
      );
    }
  });

  it('page tokens round-trip and reject tampering', () => {
    const token = encodeToken({ at: '2026-01-01T00:00:00.000Z', id: 'x' });
    expect(decodeToken(token, isPosition)).toEqual({ at: '2026-01-01T00:00:00.000Z', id: 'x' });
    expect(decodeToken('not-a-token', isPosition)).toBeUndefined();
    expect(decodeToken(encodeToken({ at: 1 }), isPosition)).toBeUndefined();
  });
});
