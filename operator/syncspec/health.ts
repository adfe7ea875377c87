/**
 * Whether data actually flows, from the worker's own `/healthz` and `/metrics` (runtime/ops/metrics.ts):
 * `Synced` (the oldest undelivered event is younger than the SLA freshness), `DeadLettersPresent`
 * (with the count) and `SLOBurning` (errors or p95 latency over the SLA between the oldest reading of a
 * window and this one — the operator's short-window view; the PrometheusRule carries the multi-window
 * alerts). Messages carry no ever-changing figures, so a steady state writes no status.
 */
import type { Plan } from '../../compiler/plan/types.ts';
import type { ConditionInput } from '../status/conditions.ts';
import { parsePromText, sum, type Sample } from './promtext.ts';

export interface WorkerReading {
  reachable: boolean;
  /** Why it could not be read (connection refused, HTTP status). */
  problem?: string;
  healthy: boolean;
  samples: Sample[];
}

/** Cumulative counters of one reading, kept between reconciles to compute rates over the interval. */
export interface Totals {
  attempts: number;
  errors: number;
  /** Latency histogram: upper bound → cumulative count. */
  buckets: [number, number][];
}

export interface HealthResult {
  conditions: ConditionInput[];
  deadLetters: number | undefined;
  totals: Totals | undefined;
}

export const DEFAULT_FRESHNESS_MS = 10 * 60_000;
/** Below this many attempts in the interval, no SLO verdict (one failure in three records is not a burn). */
export const MIN_ATTEMPTS = 10;

export async function readWorker(baseUrl: string, timeoutMs = 2000): Promise<WorkerReading> {
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const health = await fetch(`${baseUrl}/healthz`, { signal });
    await health.arrayBuffer();
    const metrics = await fetch(`${baseUrl}/metrics`, { signal });
    if (!metrics.ok) return { reachable: false, problem: `GET /metrics answered ${metrics.status}`, healthy: health.ok, samples: [] };
    return { reachable: true, healthy: health.ok, samples: parsePromText(await metrics.text()) };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { reachable: false, problem: cause ?? (err instanceof Error ? err.name : 'error'), healthy: false, samples: [] };
  }
}

export function assessHealth(spec: string, sla: Plan['sla'], reading: WorkerReading, previous: Totals | undefined): HealthResult {
  if (!reading.reachable) {
    const message = `worker metrics unreachable: ${reading.problem ?? 'unknown'}`;
    return {
      conditions: [
        { type: 'Synced', status: 'Unknown', reason: 'WorkerUnreachable', message },
        { type: 'DeadLettersPresent', status: 'Unknown', reason: 'WorkerUnreachable', message },
        { type: 'SLOBurning', status: 'Unknown', reason: 'WorkerUnreachable', message },
      ],
      deadLetters: undefined,
      totals: undefined,
    };
  }
  const s = reading.samples;
  const m = { spec };
  const conditions: ConditionInput[] = [];
  const freshnessMs = sla?.freshnessMs ?? DEFAULT_FRESHNESS_MS;
  const freshness = sum(s, 'syncspec_freshness_seconds', m);
  if (!reading.healthy) {
    conditions.push({ type: 'Synced', status: 'False', reason: 'WorkerUnhealthy', message: 'the worker reports itself unhealthy (/healthz)' });
  } else if (freshness === undefined) {
    conditions.push({ type: 'Synced', status: 'Unknown', reason: 'NoMetrics', message: `the worker exports no syncspec_freshness_seconds for spec ${spec}` });
  } else if (freshness * 1000 <= freshnessMs) {
    conditions.push({ type: 'Synced', status: 'True', reason: 'WithinFreshness', message: `oldest undelivered change is within the ${fmtMs(freshnessMs)} freshness target` });
  } else {
    conditions.push({ type: 'Synced', status: 'False', reason: 'FreshnessExceeded', message: `the oldest undelivered change is older than the ${fmtMs(freshnessMs)} freshness target` });
  }
  const dlq = sum(s, 'syncspec_dlq_size', m);
  if (dlq === undefined) conditions.push({ type: 'DeadLettersPresent', status: 'Unknown', reason: 'NoMetrics', message: `the worker exports no syncspec_dlq_size for spec ${spec}` });
  else if (dlq > 0) conditions.push({ type: 'DeadLettersPresent', status: 'True', reason: 'DeadLetters', message: `${dlq} record(s) in the dead-letter queue: syncspec dlq list --spec ${spec}` });
  else conditions.push({ type: 'DeadLettersPresent', status: 'False', reason: 'NoDeadLetters', message: 'the dead-letter queue is empty' });

  const delivered = sum(s, 'syncspec_records_delivered_total', m) ?? 0;
  const errors = (sum(s, 'syncspec_records_failed_total', m) ?? 0) + (sum(s, 'syncspec_records_dead_lettered_total', m) ?? 0);
  const buckets = new Map<number, number>();
  for (const x of s) {
    if (x.name !== 'syncspec_delivery_latency_seconds_bucket' || x.labels.spec !== spec || x.labels.le === undefined) continue;
    const le = x.labels.le === '+Inf' ? Infinity : Number(x.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + x.value);
  }
  const totals: Totals = { attempts: delivered + errors, errors, buckets: [...buckets].sort((a, b) => a[0] - b[0]) };
  // A worker restart resets its counters: then the reading itself is the interval.
  const base = previous && previous.attempts <= totals.attempts && previous.errors <= totals.errors ? previous : undefined;
  const attempts = totals.attempts - (base?.attempts ?? 0);
  const failed = totals.errors - (base?.errors ?? 0);
  const burning: string[] = [];
  if (attempts >= MIN_ATTEMPTS) {
    if (sla?.errorRate !== undefined && failed / attempts > sla.errorRate) {
      burning.push(`error rate ${pct(failed / attempts)} over the ${pct(sla.errorRate)} SLA (${failed} of ${attempts})`);
    }
    if (sla?.latencyP95Ms !== undefined) {
      const p95 = quantile(0.95, diffBuckets(totals.buckets, base?.buckets));
      if (p95 !== undefined && p95 * 1000 > sla.latencyP95Ms) burning.push(`p95 latency above ${fmtMs(p95 * 1000)}, over the ${fmtMs(sla.latencyP95Ms)} SLA`);
    }
  }
  if (burning.length > 0) conditions.push({ type: 'SLOBurning', status: 'True', reason: 'SLOBurning', message: burning.join('; ') });
  else if (attempts < MIN_ATTEMPTS) conditions.push({ type: 'SLOBurning', status: 'False', reason: 'LowTraffic', message: `fewer than ${MIN_ATTEMPTS} delivery attempts in the window: no verdict` });
  else conditions.push({ type: 'SLOBurning', status: 'False', reason: 'WithinSLO', message: 'error rate and p95 latency within the SLA over the window' });
  return { conditions, deadLetters: dlq, totals };
}

function diffBuckets(now: [number, number][], before: [number, number][] | undefined): [number, number][] {
  const prev = new Map(before ?? []);
  return now.map(([le, c]) => [le, c - (prev.get(le) ?? 0)]);
}

/** The lower bound of the bucket holding quantile q (conservative: the SLA counts as breached only when the whole bucket is above it). */
function quantile(q: number, buckets: [number, number][]): number | undefined {
  const total = buckets.at(-1)?.[1];
  if (!total) return undefined;
  const rank = q * total;
  let lower = 0;
  for (const [le, c] of buckets) {
    if (c >= rank) return lower;
    lower = le;
  }
  return undefined;
}

const pct = (f: number): string => `${Number((f * 100).toPrecision(4))}%`;
function fmtMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(4))}s`;
  return `${Math.round(ms)}ms`;
}
