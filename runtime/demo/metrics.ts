/** What the demo reads back from the worker's Prometheus metrics (the same numbers /metrics serves). */
import type { WorkerMetrics } from '../ops/metrics.ts';

type Sample = { value: number; labels: Record<string, string | number | undefined>; metricName?: string };

async function sum(metric: { get(): Promise<{ values: Sample[] }> | { values: Sample[] } }, spec: string): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => v.labels.spec === spec).reduce((n, v) => n + v.value, 0);
}

/** Records of a spec that reached an end: delivered, dead-lettered, or skipped (filtered, stale, superseded…). */
export async function settledCount(metrics: WorkerMetrics, spec: string): Promise<number> {
  return (await sum(metrics.delivered, spec)) + (await sum(metrics.deadLettered, spec)) + (await sum(metrics.skipped, spec));
}

/**
 * Quantiles of the end-to-end latency histogram of a spec, in seconds, interpolated linearly inside the
 * bucket that holds them (as PromQL's histogram_quantile does); undefined when nothing was observed.
 */
export async function latencyQuantiles(metrics: WorkerMetrics, spec: string, qs: readonly number[]): Promise<(number | undefined)[]> {
  const { values } = await metrics.latency.get();
  const buckets = (values as Sample[])
    .filter((v) => v.labels.spec === spec && v.metricName?.endsWith('_bucket'))
    .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value }))
    .sort((a, b) => a.le - b.le);
  return qs.map((q) => histogramQuantile(q, buckets));
}

/** `buckets` are cumulative counts by upper bound, ascending, ending with +Inf. */
export function histogramQuantile(q: number, buckets: readonly { le: number; count: number }[]): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower;
      const inBucket = b.count - below;
      return inBucket === 0 ? b.le : lower + (b.le - lower) * ((rank - below) / inBucket);
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}
