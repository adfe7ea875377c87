import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads spec durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('5')).toBeUndefined();
    expect(parseDuration('m5')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });

  it('never throws and round-trips whole seconds', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseDuration(s)));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (n) => {
        expect(parseDuration(`${n}s`)).toBe(n * 1000);
      }),
    );
  });
});
