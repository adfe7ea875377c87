import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePositions, minusOverlap, parsePosition } from './position.ts';

describe('poll positions', () => {
  it('orders by time, then by id on ties, across time formats', () => {
    expect(comparePositions({ at: '2026-01-01T00:00:00Z', id: 'b' }, { at: '2026-01-01T00:00:00.000Z', id: 'a' })).toBe(1);
    expect(comparePositions({ at: '2026-01-01T00:00:00Z', id: 'z' }, { at: '2026-01-01T00:00:01Z', id: 'a' })).toBe(-1);
  });

  it('steps back by the overlap and resets the id', () => {
    expect(minusOverlap({ at: '2026-01-01T00:02:00.000Z', id: 'x' }, 120_000)).toEqual({ at: '2026-01-01T00:00:00.000Z', id: '' });
    expect(minusOverlap({ at: '42', id: 'x' }, 1000)).toEqual({ at: '42', id: 'x' });
  });

  it('parses CLI positions and rejects anything else without throwing', () => {
    expect(parsePosition('2026-03-01T08:00:00+08:00,001A')).toEqual({ at: '2026-03-01T00:00:00.000Z', id: '001A' });
    expect(parsePosition('2026-03-01')).toEqual({ at: '2026-03-01T00:00:00.000Z', id: '' });
    expect(parsePosition('yesterday')).toBeUndefined();
    fc.assert(fc.property(fc.string(), (s) => void parsePosition(s)));
  });
});
