/** Prometheus gauges of the last reconciliation per spec (bounded labels: spec and kind). */
import { Gauge, Registry } from 'prom-client';
import type { ReconcileResult } from './engine.ts';

const KINDS = ['equal', 'missing', 'extra', 'different', 'unmappable', 'filtered'] as const;

export class ReconcileGauges {
  readonly records: Gauge<'spec' | 'kind'>;
  readonly lastRun: Gauge<'spec'>;
  readonly duration: Gauge<'spec'>;

  constructor(registry: Registry) {
    this.records = new Gauge({
      name: 'syncspec_reconcile_records',
      help: 'Records per outcome in the last reconciliation of a spec',
      labelNames: ['spec', 'kind'] as const,
      registers: [registry],
    });
    this.lastRun = new Gauge({
      name: 'syncspec_reconcile_last_run_timestamp_seconds',
      help: 'When the last reconciliation of a spec finished (Unix seconds)',
      labelNames: ['spec'] as const,
      registers: [registry],
    });
    this.duration = new Gauge({
      name: 'syncspec_reconcile_duration_seconds',
      help: 'How long the last reconciliation of a spec took',
      labelNames: ['spec'] as const,
      registers: [registry],
    });
  }

  record(result: ReconcileResult, finishedAtMs: number): void {
    const spec = result.summary.spec;
    for (const kind of KINDS) this.records.set({ spec, kind }, result.summary.counts[kind]);
    this.lastRun.set({ spec }, Math.floor(finishedAtMs / 1000));
    this.duration.set({ spec }, result.run.durationMs / 1000);
  }
}
