import { describe, expect, test } from 'vitest';
import { assessHealth, type WorkerReading } from './health.ts';
import { parsePromText } from './promtext.ts';

const sla = { freshnessMs: 600_000, errorRate: 0.01, latencyP95Ms: 5000 };

function reading(lines: string[], healthy = true): WorkerReading {
  return { reachable: true, healthy, samples: parsePromText(lines.join('\n')) };
}
const cond = (r: ReturnType<typeof assessHealth>, type: string) => r.conditions.find((c) => c.type === type);

const metrics = (o: { delivered: number; failed: number; dlq: number; fresh: number; slow?: number }): string[] => [
  `syncspec_records_delivered_total{spec="s"} ${o.delivered}`,
  `syncspec_records_failed_total{spec="s",class="retryable"} ${o.failed}`,
  `syncspec_records_dead_lettered_total{spec="s",class="rejected"} 0`,
  `syncspec_dlq_size{spec="s"} ${o.dlq}`,
  `syncspec_freshness_seconds{spec="s"} ${o.fresh}`,
  `syncspec_delivery_latency_seconds_bucket{spec="s",le="1"} ${o.delivered - (o.slow ?? 0)}`,
  `syncspec_delivery_latency_seconds_bucket{spec="s",le="10"} ${o.delivered}`,
  `syncspec_delivery_latency_seconds_bucket{spec="s",le="+Inf"} ${o.delivered}`,
  `syncspec_records_delivered_total{spec="other"} 999`,
];

describe('assessHealth', () => {
  test('an unreachable worker makes every data-flow condition Unknown', () => {
    const r = assessHealth('s', sla, { reachable: false, problem: 'ECONNREFUSED', healthy: false, samples: [] }, undefined);
    expect(r.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Synced', 'Unknown', 'WorkerUnreachable'], ['DeadLettersPresent', 'Unknown', 'WorkerUnreachable'], ['SLOBurning', 'Unknown', 'WorkerUnreachable'],
    ]);
    expect(r.conditions[0]?.message).toContain('ECONNREFUSED');
  });

  test('caught up, no dead letters, errors within budget', () => {
    const r = assessHealth('s', sla, reading(metrics({ delivered: 1000, failed: 5, dlq: 0, fresh: 30 })), undefined);
    expect(cond(r, 'Synced')).toMatchObject({ status: 'True', reason: 'WithinFreshness' });
    expect(cond(r, 'DeadLettersPresent')).toMatchObject({ status: 'False', reason: 'NoDeadLetters' });
    expect(cond(r, 'SLOBurning')).toMatchObject({ status: 'False', reason: 'WithinSLO' });
    expect(r.deadLetters).toBe(0);
  });

  test('behind, dead letters counted, error rate over the SLA since the window\'s first reading', () => {
    const first = assessHealth('s', sla, reading(metrics({ delivered: 1000, failed: 0, dlq: 0, fresh: 0 })), undefined);
    const r = assessHealth('s', sla, reading(metrics({ delivered: 1090, failed: 10, dlq: 4, fresh: 900 })), first.totals);
    expect(cond(r, 'Synced')).toMatchObject({ status: 'False', reason: 'FreshnessExceeded' });
    expect(cond(r, 'DeadLettersPresent')).toMatchObject({ status: 'True', message: expect.stringContaining('4 record(s)') });
    expect(r.deadLetters).toBe(4);
    expect(cond(r, 'SLOBurning')).toMatchObject({ status: 'True', message: expect.stringContaining('10 of 100') });
  });

  test('p95 latency over the SLA burns; a handful of records gives no verdict', () => {
    const slow = assessHealth('s', sla, reading(metrics({ delivered: 100, failed: 0, dlq: 0, fresh: 0, slow: 50 })), undefined);
    expect(cond(slow, 'SLOBurning')).toMatchObject({ status: 'False', reason: 'WithinSLO' });
    const slower = assessHealth('s', { ...sla, latencyP95Ms: 500 }, reading(metrics({ delivered: 100, failed: 0, dlq: 0, fresh: 0, slow: 50 })), undefined);
    expect(cond(slower, 'SLOBurning')).toMatchObject({ status: 'True', message: expect.stringContaining('p95 latency') });
    const quiet = assessHealth('s', sla, reading(metrics({ delivered: 3, failed: 2, dlq: 0, fresh: 0 })), undefined);
    expect(cond(quiet, 'SLOBurning')).toMatchObject({ status: 'False', reason: 'LowTraffic' });
  });

  test('counters that went down (worker restarted) are read from zero', () => {
    const before = assessHealth('s', sla, reading(metrics({ delivered: 5000, failed: 0, dlq: 0, fresh: 0 })), undefined);
    const r = assessHealth('s', sla, reading(metrics({ delivered: 50, failed: 50, dlq: 0, fresh: 0 })), before.totals);
    expect(cond(r, 'SLOBurning')).toMatchObject({ status: 'True', message: expect.stringContaining('50 of 100') });
  });

  test('an unhealthy worker is not Synced; a worker without the spec\'s series says so', () => {
    expect(cond(assessHealth('s', sla, reading(metrics({ delivered: 1, failed: 0, dlq: 0, fresh: 0 }), false), undefined), 'Synced')).toMatchObject({ status: 'False', reason: 'WorkerUnhealthy' });
    expect(cond(assessHealth('x', sla, reading(metrics({ delivered: 1, failed: 0, dlq: 0, fresh: 0 })), undefined), 'Synced')).toMatchObject({ status: 'Unknown', reason: 'NoMetrics' });
  });
});
