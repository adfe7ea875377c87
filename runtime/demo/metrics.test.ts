import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkerMetrics } from '../ops/metrics.ts';
import { histogramQuantile, latencyQuantiles, settledCount } from './metrics.ts';

const metrics = () => new WorkerMetrics({ backlog: { depth: async () => ({}), oldestPending: async () => ({}), deadLetterCounts: async () => ({}) }, now: () => 0 });

describe('histogramQuantile', () => {
  it('interpolates inside the bucket that holds the rank', () => {
    const b = [
      { le: 0.1, count: 0 },
      { le: 0.5, count: 50 },
      { le: 1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(0.5, b)).toBeCloseTo(0.5);
    expect(histogramQuantile(0.25, b)).toBeCloseTo(0.3);
    expect(histogramQuantile(0.99, b)).toBeCloseTo(0.99);
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 0 }])).toBeUndefined();
  });

  it('stays inside the bounds of its bucket and grows with q (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 8 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), (perBucket, q1, q2) => {
        const bounds = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60];
        let sum = 0;
        const buckets = perBucket.map((n, i) => ({ le: bounds[i] as number, count: (sum += n) }));
        buckets.push({ le: Infinity, count: sum });
        const a = histogramQuantile(Math.min(q1, q2), buckets);
        const b = histogramQuantile(Math.max(q1, q2), buckets);
        if (sum === 0) return a === undefined && b === undefined;
        return a !== undefined && b !== undefined && a <= b + 1e-12 && a >= 0 && b <= (bounds[perBucket.length - 1] as number);
      }),
    );
  });
});

describe('worker metrics readers', () => {
  it('count settled records of one spec and read latency quantiles from the histogram', async () => {
    const m = metrics();
    m.addSpec('a');
    m.addSpec('b');
    m.delivered.inc({ spec: 'a' }, 5);
    m.deadLettered.inc({ spec: 'a', class: 'rejected' }, 2);
    m.skipped.inc({ spec: 'a', reason: 'filtered' }, 1);
    m.delivered.inc({ spec: 'b' }, 100);
    expect(await settledCount(m, 'a')).toBe(8);
    for (const s of [0.2, 0.3, 0.4, 0.45]) m.latency.observe({ spec: 'a' }, s);
    const [p50, p99] = await latencyQuantiles(m, 'a', [0.5, 0.99]);
    expect(p50).toBeGreaterThan(0.25);
    expect(p50).toBeLessThanOrEqual(0.5);
    expect(p99).toBeLessThanOrEqual(0.5);
    expect(await latencyQuantiles(m, 'b', [0.5])).toEqual([undefined]);
  });
});
