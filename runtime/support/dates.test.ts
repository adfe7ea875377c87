import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Duration, PlainDate, Timestamp, localText, offsetMinutes, parseDate, parseInstant } from './dates.ts';
import { CelError } from './errors.ts';

describe('dates', () => {
  it('reads offset-less local time in the connection zone (Kingdee, U8: China Standard Time)', () => {
    expect(parseInstant('2026-03-01 08:00:00', 'Asia/Shanghai').toString()).toBe('2026-03-01T00:00:00Z');
    expect(parseInstant('2026-03-01T08:00:00', 'Asia/Shanghai').toString()).toBe('2026-03-01T00:00:00Z');
    expect(parseInstant('2026-03-01T08:00:00.125', 'Asia/Shanghai').toString()).toBe('2026-03-01T00:00:00.125Z');
  });

  it('honours an explicit offset over the zone', () => {
    expect(parseInstant('2026-03-01T08:00:00+02:00', 'Asia/Shanghai').toString()).toBe('2026-03-01T06:00:00Z');
    expect(parseInstant('2026-03-01T08:00:00Z', 'Asia/Shanghai').toString()).toBe('2026-03-01T08:00:00Z');
  });

  it('handles DST in Europe/Berlin: summer, winter, the spring gap and the autumn overlap', () => {
    expect(parseInstant('2026-07-01T12:00:00', 'Europe/Berlin').toString()).toBe('2026-07-01T10:00:00Z');
    expect(parseInstant('2026-01-15T12:00:00', 'Europe/Berlin').toString()).toBe('2026-01-15T11:00:00Z');
    // 2026-03-29 02:30 does not exist in Berlin; moved forward past the gap.
    expect(parseInstant('2026-03-29T02:30:00', 'Europe/Berlin').toString()).toBe('2026-03-29T01:30:00Z');
    // 2026-10-25 02:30 happens twice; the earlier instant is taken.
    expect(parseInstant('2026-10-25T02:30:00', 'Europe/Berlin').toString()).toBe('2026-10-25T00:30:00Z');
    expect(offsetMinutes(Date.UTC(2026, 6, 1), 'Europe/Berlin')).toBe(120);
    expect(offsetMinutes(Date.UTC(2026, 0, 1), 'Asia/Shanghai')).toBe(480);
  });

  it('accepts SAP OData v2 /Date(ms)/ with and without an offset', () => {
    expect(parseInstant('/Date(1672531200000)/', 'Asia/Shanghai').toString()).toBe('2023-01-01T00:00:00Z');
    expect(parseInstant('/Date(1672531200000+0000)/', 'UTC').toString()).toBe('2023-01-01T00:00:00Z');
    expect(parseInstant('/Date(-1000)/', 'UTC').toString()).toBe('1969-12-31T23:59:59Z');
    expect(parseDate('/Date(1672531200000)/', 'America/New_York').toString()).toBe('2022-12-31');
  });

  it('takes the local date of an instant in the zone, and keeps offset-less dates as written', () => {
    expect(parseDate('2026-03-01T23:30:00Z', 'Asia/Shanghai').toString()).toBe('2026-03-02');
    expect(parseDate('2026-03-01T23:30:00', 'Asia/Shanghai').toString()).toBe('2026-03-01');
    expect(parseDate('2026-03-01', 'Asia/Shanghai').toString()).toBe('2026-03-01');
  });

  it('rejects impossible dates and unknown zones with coded errors', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof CelError ? e.code : 'not a CelError';
      }
      return undefined;
    };
    expect(code(() => parseDate('2026-02-30', 'UTC'))).toBe('SS5116');
    expect(code(() => parseInstant('yesterday', 'UTC'))).toBe('SS5116');
    expect(code(() => parseInstant('2026-01-01T00:00:00', 'Mars/Olympus'))).toBe('SS5115');
    expect(code(() => new Timestamp(253402300800n * 1_000_000_000n))).toBe('SS5107');
  });

  it('writes local text in a zone and prints durations and timestamps as CEL does', () => {
    const t = parseInstant('2026-03-01T00:00:00Z', 'UTC');
    expect(localText(t, 'Asia/Shanghai')).toBe('2026-03-01T08:00:00');
    expect(new Duration(3_723_500_000_000n).toString()).toBe('3723.500s');
    expect(new PlainDate(2024, 2, 29).toString()).toBe('2024-02-29');
    expect(new PlainDate(1970, 1, 2).epochDay).toBe(1);
    expect(new PlainDate(1, 1, 1).epochDay).toBe(-719162);
  });

  it('round-trips instants through local text in any of several zones (property)', () => {
    const zones = ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata'];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), fc.constantFrom(...zones), (sec, zone) => {
        const t = Timestamp.fromMillis(sec * 1000);
        const local = localText(t, zone);
        const back = parseInstant(local, zone);
        // Ambiguous autumn hours map to the earlier instant; otherwise the instant is exact.
        expect(t.ns - back.ns === 0n || t.ns - back.ns === 3_600_000_000_000n).toBe(true);
        expect(localText(back, zone)).toBe(local);
      }),
    );
  });
});
