/** The operator's own Prometheus series; bounded labels, every series created at zero (style.md §2.17). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const RESULTS = ['success', 'requeue_after', 'error', 'terminal'] as const;
export type ReconcileResult = (typeof RESULTS)[number];

export class OperatorMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<'controller' | 'result'>;
  readonly duration: Histogram<'controller'>;
  readonly depth: Gauge<'controller'>;
  readonly leader: Gauge;
  readonly writes: Counter<'verb' | 'kind'>;
  readonly informerRestarts: Counter<'informer'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registry = new Registry();
    this.registry = registry;
    if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'syncspec_operator_' });
    const registers = [registry];
    this.reconciles = new Counter({ name: 'syncspec_operator_reconcile_total', help: 'Reconciles by controller and result', labelNames: ['controller', 'result'], registers });
    this.duration = new Histogram({ name: 'syncspec_operator_reconcile_duration_seconds', help: 'Time per reconcile', labelNames: ['controller'], registers, buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    this.depth = new Gauge({ name: 'syncspec_operator_workqueue_depth', help: 'Keys waiting in the work queue', labelNames: ['controller'], registers });
    this.leader = new Gauge({ name: 'syncspec_operator_leader', help: '1 while this process holds the leader lease', registers });
    this.writes = new Counter({ name: 'syncspec_operator_api_writes_total', help: 'Writes to the API server (apply, patch, status, delete, event), leases excluded', labelNames: ['verb', 'kind'], registers });
    this.informerRestarts = new Counter({ name: 'syncspec_operator_informer_restarts_total', help: 'Informer restarts after errors', labelNames: ['informer'], registers });
    this.leader.set(0);
  }

  addController(name: string): void {
    for (const result of RESULTS) this.reconciles.inc({ controller: name, result }, 0);
    this.depth.set({ controller: name }, 0);
  }
}
