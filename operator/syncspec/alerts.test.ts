import { describe, expect, test } from 'vitest';
import { alertGroups, MIN_TRAFFIC_PER_S, promString } from './alerts.ts';

const sla = { latencyP95Ms: 60_000, freshnessMs: 600_000, errorRate: 0.005 };
const alerts = (groups: ReturnType<typeof alertGroups>) => groups.flatMap((g) => g.rules).filter((r): r is Extract<typeof r, { alert: string }> => 'alert' in r);

describe('alertGroups', () => {
  test('no sla, no rules', () => {
    expect(alertGroups('a', undefined)).toEqual([]);
  });

  test('error budget: 14.4× over 1h and 5m pages, 6× over 6h and 30m warns, both with a traffic guard', () => {
    const a = alerts(alertGroups('crm-order', sla));
    const fast = a.find((r) => r.alert === 'SyncSpecErrorBudgetBurnFast');
    const slow = a.find((r) => r.alert === 'SyncSpecErrorBudgetBurnSlow');
    expect(fast?.labels).toEqual({ spec: 'crm-order', severity: 'critical' });
    expect(fast?.expr).toContain('syncspec:error_ratio:rate1h{spec="crm-order"} > (14.4 * 0.005)');
    expect(fast?.expr).toContain('syncspec:error_ratio:rate5m{spec="crm-order"} > (14.4 * 0.005)');
    expect(fast?.expr).toMatch(new RegExp(`\\[5m\\]\\)\\)\\) > ${MIN_TRAFFIC_PER_S}$`));
    expect(slow?.labels.severity).toBe('warning');
    expect(slow?.expr).toContain('rate6h');
    expect(slow?.expr).toContain('rate30m');
    const records = alertGroups('crm-order', sla).flatMap((g) => g.rules).filter((r) => 'record' in r).map((r) => ('record' in r ? r.record : ''));
    expect(records).toEqual(['syncspec:error_ratio:rate5m', 'syncspec:error_ratio:rate30m', 'syncspec:error_ratio:rate1h', 'syncspec:error_ratio:rate6h']);
  });

  test('latency p95 against the SLA over two windows; freshness against its target; each guarded', () => {
    const a = alerts(alertGroups('s', sla));
    const latency = a.find((r) => r.alert === 'SyncSpecLatencyP95AboveSLA');
    expect(latency?.expr).toContain('histogram_quantile(0.95, sum by (le) (rate(syncspec_delivery_latency_seconds_bucket{spec="s"}[1h]))) > 60');
    expect(latency?.expr).toContain('[5m]))) > 60');
    expect(latency?.expr).toContain(`> ${MIN_TRAFFIC_PER_S}`);
    const stale = a.find((r) => r.alert === 'SyncSpecStale');
    expect(stale?.expr).toContain('max(syncspec_freshness_seconds{spec="s"}) > 600');
    expect(stale?.expr).toContain('sum(syncspec_inbox_depth{spec="s"}) > 0');
    expect(stale?.annotations.summary).toContain('10m');
    expect(a.map((r) => r.alert).sort()).toEqual(['SyncSpecErrorBudgetBurnFast', 'SyncSpecErrorBudgetBurnSlow', 'SyncSpecLatencyP95AboveSLA', 'SyncSpecStale']);
  });

  test('only the targets the sla sets produce alerts; p99 when given', () => {
    expect(alerts(alertGroups('s', { freshnessMs: 60_000 })).map((r) => r.alert)).toEqual(['SyncSpecStale']);
    expect(alerts(alertGroups('s', { latencyP99Ms: 1500 })).map((r) => r.expr)[0]).toContain('histogram_quantile(0.99');
  });

  test('label values are PromQL-escaped', () => {
    expect(promString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
  });
});
