import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffMs, MAX_RETRY_AFTER_MS, retryDelayMs } from './backoff.ts';

const policy = { attempts: 10, initialMs: 1000, maxMs: 300_000 };

describe('backoff', () => {
  it('doubles per attempt between half and the full exponential step', () => {
    expect(backoffMs(1, policy, () => 0)).toBe(500);
    expect(backoffMs(1, policy, () => 1)).toBe(1000);
    expect(backoffMs(4, policy, () => 1)).toBe(8000);
    expect(backoffMs(30, policy, () => 1)).toBe(300_000);
  });

  it('stays within [exp/2, exp] and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));
        const d = backoffMs(attempt, policy, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(exp / 2));
        expect(d).toBeLessThanOrEqual(policy.maxMs);
      }),
    );
  });

  it('honours a longer Retry-After, bounded', () => {
    expect(retryDelayMs(1, policy, 7000, () => 0)).toBe(7000);
    expect(retryDelayMs(1, policy, 10, () => 0)).toBe(500);
    expect(retryDelayMs(1, policy, 10 * MAX_RETRY_AFTER_MS, () => 0)).toBe(MAX_RETRY_AFTER_MS);
  });
});
