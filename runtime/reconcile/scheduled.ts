/**
 * The `mode: reconcile` schedule inside a running worker: compare both systems through the spec,
 * publish the last run's gauges, write the reports, and re-queue what is missing or different into
 * the worker's own inbox, so its deliverer repairs the target with the usual retries and DLQ.
 */
import type { CatalogSet } from '../../compiler/catalog/load.ts';
import type { Clock } from '../clock.ts';
import type { LookupTableData } from '../support/transform.ts';
import type { InboxStore } from '../inbox/store.ts';
import type { Logger } from '../ops/log.ts';
import type { Connector } from '../support/connector.ts';
import type { Worker, WorkerSpec } from '../worker.ts';
import { ReconcileGauges } from './metrics.ts';
import type { Registry } from 'prom-client';
import { collectRepair, enqueueRepair, reconcileSpec, repairIds, writeReports } from './run.ts';

export interface ScheduledReconcileOptions {
  specs: readonly WorkerSpec[];
  connectors: Readonly<Record<string, Connector>>;
  store: InboxStore;
  lookups: Readonly<Record<string, LookupTableData>>;
  catalogs: CatalogSet;
  /** Where each run's JSON and HTML reports go (overwritten per spec). */
  reportsDir: string;
  clock: Clock;
  log: Logger;
  /** Re-queue missing and different records (default true). */
  repair?: boolean;
}

/** The `WorkerOptions.reconcile` hook: gauges go into the worker's registry, re-queued events wake its deliverer. */
export function scheduledReconcile(o: ScheduledReconcileOptions): (spec: string, worker: Worker) => Promise<void> {
  const gauges = new WeakMap<Registry, ReconcileGauges>();
  return async (spec, running) => {
    const registry = running.metrics.registry;
    let g = gauges.get(registry);
    if (!g) gauges.set(registry, (g = new ReconcileGauges(registry)));
    const worker = o.specs.find((s) => s.plan.name === spec);
    if (!worker) return;
    const { plan } = worker;
    const catalog = o.catalogs.catalogFor(plan.target.system);
    const targetEntity = catalog?.entities[plan.target.entity];
    const source = o.connectors[plan.source.connection];
    const target = o.connectors[plan.target.connection];
    if (!catalog || !targetEntity || !source || !target) {
      o.log.error({ code: 'SS5201', spec }, 'reconcile schedule: no catalog entity or connection for the target; skipped');
      return;
    }
    try {
      const input = {
        plan, transform: worker.transform, source, target, store: o.store, lookups: o.lookups, targetEntity,
        resolveEntity: (name: string) => catalog.entities[name], targetZone: catalog.timezone ?? 'UTC',
      };
      const result = await reconcileSpec(input);
      g.record(result, o.clock.now());
      const files = writeReports(result, o.reportsDir);
      const c = result.summary.counts;
      const differing = c.missing + c.extra + c.different + c.unmappable;
      let queued = 0;
      if (o.repair !== false) {
        const ids = repairIds(result);
        if (ids.size > 0) {
          const { records } = await collectRepair(input, ids);
          queued = (await enqueueRepair(o.store, spec, records, `${o.clock.now().toString(36)}`, o.clock)).length;
          if (queued > 0) running.deliverer(spec)?.wake();
        }
      }
      const line = { code: differing === 0 ? 'SS5070' : 'SS5203', spec, ...c, requeued: queued, report: files.html };
      if (differing === 0) o.log.info(line, 'reconcile: systems agree');
      else o.log.warn(line, 'reconcile: systems differ');
    } catch (err) {
      o.log.error({ code: 'SS5202', spec, err: err instanceof Error ? err.message : String(err) }, 'reconcile failed');
    }
  };
}
