/**
 * A `monitoring.coreos.com/v1` PrometheusRule from a spec's `sla`, over the worker's metrics
 * (runtime/ops/metrics.ts). Error rate: multi-window, multi-burn-rate alerts after the Google SRE
 * workbook — page when both the 1 h and 5 m windows burn the error budget 14.4× as fast as allowed,
 * ticket when both 6 h and 30 m burn it 6× as fast. Latency: p95 (and p99) over 1 h and 5 m both above
 * the target. Freshness: the oldest undelivered event older than the target. Every alert carries a
 * minimum-traffic guard so one failure at low volume does not page.
 */
import type { Plan } from '../../compiler/plan/types.ts';

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export type Rule =
  | { record: string; expr: string; labels?: Record<string, string> }
  | { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> };

/** Events per second below which alerts stay quiet (0.1/s = 6 per minute). */
export const MIN_TRAFFIC_PER_S = 0.1;

/** A PromQL string literal (label values are DNS-1123 names, but nothing is trusted). */
export function promString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Seconds as a Prometheus duration / number with no float noise. */
const seconds = (ms: number): string => String(Math.round(ms) / 1000);

export function durationText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}

export function alertGroups(specName: string, sla: Plan['sla']): RuleGroup[] {
  if (!sla) return [];
  const sel = `{spec=${promString(specName)}}`;
  const labels = { spec: specName };
  const traffic = (w: string): string => `sum(rate(syncspec_records_received_total${sel}[${w}]))`;
  const attempts = (w: string): string =>
    `sum(rate(syncspec_records_delivered_total${sel}[${w}])) + sum(rate(syncspec_records_failed_total${sel}[${w}])) + sum(rate(syncspec_records_dead_lettered_total${sel}[${w}]))`;
  const errors = (w: string): string => `sum(rate(syncspec_records_failed_total${sel}[${w}])) + sum(rate(syncspec_records_dead_lettered_total${sel}[${w}]))`;
  const groups: RuleGroup[] = [];

  if (sla.errorRate !== undefined && sla.errorRate > 0) {
    const budget = sla.errorRate;
    const windows = ['5m', '30m', '1h', '6h'];
    const ratio = (w: string): string => `syncspec:error_ratio:rate${w}${sel}`;
    const guard = (w: string): string => `(${attempts(w)}) > ${MIN_TRAFFIC_PER_S}`;
    const rules: Rule[] = windows.map((w) => ({ record: `syncspec:error_ratio:rate${w}`, expr: `(${errors(w)}) / (${attempts(w)})`, labels }));
    const burn = (factor: number, long: string, short: string): string =>
      `${ratio(long)} > (${factor} * ${budget}) and ${ratio(short)} > (${factor} * ${budget}) and ${guard(short)}`;
    rules.push({
      alert: 'SyncSpecErrorBudgetBurnFast',
      expr: burn(14.4, '1h', '5m'),
      for: '2m',
      labels: { ...labels, severity: 'critical' },
      annotations: {
        summary: `SyncSpec ${specName} is burning its error budget 14.4× too fast`,
        description: `More than ${percent(14.4 * budget)} of deliveries failed over both the last hour and the last 5 minutes (SLA error rate ${percent(budget)}); at this rate a 30-day budget is gone in about two days.`,
      },
    });
    rules.push({
      alert: 'SyncSpecErrorBudgetBurnSlow',
      expr: burn(6, '6h', '30m'),
      for: '15m',
      labels: { ...labels, severity: 'warning' },
      annotations: {
        summary: `SyncSpec ${specName} is burning its error budget 6× too fast`,
        description: `More than ${percent(6 * budget)} of deliveries failed over both the last 6 hours and the last 30 minutes (SLA error rate ${percent(budget)}).`,
      },
    });
    groups.push({ name: `syncspec.${specName}.errors`, rules });
  }

  const latencyRules: Rule[] = [];
  for (const [q, target] of [['95', sla.latencyP95Ms], ['99', sla.latencyP99Ms]] as const) {
    if (target === undefined) continue;
    const quantile = (w: string): string =>
      `histogram_quantile(0.${q}, sum by (le) (rate(syncspec_delivery_latency_seconds_bucket${sel}[${w}])))`;
    latencyRules.push({
      alert: `SyncSpecLatencyP${q}AboveSLA`,
      expr: `${quantile('1h')} > ${seconds(target)} and ${quantile('5m')} > ${seconds(target)} and sum(rate(syncspec_delivery_latency_seconds_count${sel}[5m])) > ${MIN_TRAFFIC_PER_S}`,
      for: '5m',
      labels: { ...labels, severity: q === '95' ? 'warning' : 'critical' },
      annotations: {
        summary: `SyncSpec ${specName} p${q} latency is above its SLA of ${durationText(target)}`,
        description: `The ${q}th percentile of source-change-to-target-write latency has been above ${durationText(target)} over both the last hour and the last 5 minutes.`,
      },
    });
  }
  if (latencyRules.length > 0) groups.push({ name: `syncspec.${specName}.latency`, rules: latencyRules });

  if (sla.freshnessMs !== undefined) {
    groups.push({
      name: `syncspec.${specName}.freshness`,
      rules: [{
        alert: 'SyncSpecStale',
        expr: `max(syncspec_freshness_seconds${sel}) > ${seconds(sla.freshnessMs)} and ${traffic('30m')} > 0 and sum(syncspec_inbox_depth${sel}) > 0`,
        for: '5m',
        labels: { ...labels, severity: 'warning' },
        annotations: {
          summary: `SyncSpec ${specName} is behind its freshness SLA of ${durationText(sla.freshnessMs)}`,
          description: `The oldest event waiting in the inbox is older than ${durationText(sla.freshnessMs)}: changes are not reaching the target in time.`,
        },
      }],
    });
  }
  return groups;
}
