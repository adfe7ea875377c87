import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mapLimit } from './concurrency.ts';

describe('mapLimit', () => {
  it('keeps input order and never exceeds the limit in flight', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), async (delays, limit) => {
        let inFlight = 0;
        let peak = 0;
        const out = await mapLimit(delays, limit, async (d, i) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          for (let k = 0; k < d; k++) await Promise.resolve();
          inFlight--;
          return i * 2;
        });
        expect(out).toEqual(delays.map((_, i) => i * 2));
        expect(peak).toBeLessThanOrEqual(limit);
        if (delays.length >= limit) expect(peak).toBe(limit);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects with the first failure', async () => {
    await expect(mapLimit([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('two');
      return n;
    })).rejects.toThrow('two');
  });
});
