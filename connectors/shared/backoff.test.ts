import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.ts';

describe('retryDelayMs', () => {
  it('grows exponentially within the cap and honours the vendor wait as a floor', () => {
    const mid = () => 0.5;
    expect(retryDelayMs({ class: 'retryable' }, 0, mid)).toBe(375);
    expect(retryDelayMs({ class: 'retryable' }, 3, mid)).toBe(3000);
    expect(retryDelayMs({ class: 'retryable' }, 30, mid)).toBe(225_000);
    expect(retryDelayMs({ class: 'throttled', retryAfterMs: 7000 }, 0, mid)).toBe(7000);
    expect(retryDelayMs({ class: 'throttled', retryAfterMs: 86_400_000 }, 0, mid)).toBe(86_400_000);
  });

  it('gives no delay for errors that must not be retried', () => {
    expect(retryDelayMs({ class: 'rejected' }, 0)).toBeUndefined();
    expect(retryDelayMs({ class: 'bad-mapping' }, 0)).toBeUndefined();
  });

  it('stays between half the step and the cap for any attempt and random draw (property)', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = retryDelayMs({ class: 'retryable' }, attempt, () => r) as number;
        expect(d).toBeGreaterThanOrEqual(250);
        expect(d).toBeLessThanOrEqual(300_000);
      }),
    );
  });
});
