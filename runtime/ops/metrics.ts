/**
 * Prometheus metrics of one worker (prom-client, its own registry). Labels are bounded — spec names,
 * connection names, fixed outcome classes — never keys, URLs or messages; every series a dashboard or
 * alert reads is created at zero when the spec is registered (style.md §2.17).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorClass } from '../support/connector.ts';
import type { BreakerState } from '../delivery/breaker.ts';

export const TRIGGERS = ['webhook', 'poll', 'schedule', 'queue', 'replay'] as const;
export type TriggerKind = (typeof TRIGGERS)[number];
export const ERROR_CLASSES: readonly ErrorClass[] = ['retryable', 'throttled', 'rejected', 'bad-mapping'];
export const SKIP_REASONS = ['duplicate', 'replayed', 'filtered', 'superseded', 'echo', 'deleted'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** What the metrics read from the store when scraped. */
export interface BacklogSource {
  depth(): Promise<Record<string, number>>;
  oldestPending(): Promise<Record<string, number>>;
  deadLetterCounts(): Promise<Record<string, number>>;
}

export class WorkerMetrics {
  readonly registry: Registry;
  readonly received: Counter<'spec' | 'trigger'>;
  readonly delivered: Counter<'spec'>;
  readonly failed: Counter<'spec' | 'class'>;
  readonly deadLettered: Counter<'spec' | 'class'>;
  readonly skipped: Counter<'spec' | 'reason'>;
  readonly latency: Histogram<'spec'>;
  readonly freshness: Gauge<'spec'>;
  readonly inboxDepth: Gauge<'spec'>;
  readonly dlqSize: Gauge<'spec'>;
  readonly breaker: Gauge<'connection'>;
  readonly webhookRejected: Counter<'spec' | 'code'>;
  #specs = new Set<string>();
  #now: () => number;

  constructor(options: { backlog: BacklogSource; now: () => number; processMetrics?: boolean }) {
    const registry = new Registry();
    this.registry = registry;
    this.#now = options.now;
    if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'syncspec_' });
    const registers = [registry];
    this.received = new Counter({ name: 'syncspec_records_received_total', help: 'Records stored in the inbox, by trigger', labelNames: ['spec', 'trigger'], registers });
    this.delivered = new Counter({ name: 'syncspec_records_delivered_total', help: 'Records written to the target', labelNames: ['spec'], registers });
    this.failed = new Counter({ name: 'syncspec_records_failed_total', help: 'Failed delivery attempts (to be retried), by error class', labelNames: ['spec', 'class'], registers });
    this.deadLettered = new Counter({ name: 'syncspec_records_dead_lettered_total', help: 'Records moved to the dead-letter queue, by error class', labelNames: ['spec', 'class'], registers });
    this.skipped = new Counter({ name: 'syncspec_records_skipped_total', help: 'Records not written, by reason', labelNames: ['spec', 'reason'], registers });
    this.latency = new Histogram({
      name: 'syncspec_delivery_latency_seconds',
      help: 'End-to-end latency: stored in the inbox → confirmed by the target',
      labelNames: ['spec'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600],
      registers,
    });
    this.webhookRejected = new Counter({ name: 'syncspec_webhook_rejected_total', help: 'Webhook requests refused, by diagnostic code', labelNames: ['spec', 'code'], registers });
    const backlog = options.backlog;
    const specs = this.#specs;
    const now = this.#now;
    this.inboxDepth = new Gauge({
      name: 'syncspec_inbox_depth',
      help: 'Events waiting in the inbox',
      labelNames: ['spec'],
      registers,
      async collect() {
        const d = await backlog.depth().catch(() => undefined);
        if (d) for (const s of specs) this.set({ spec: s }, d[s] ?? 0);
      },
    });
    this.freshness = new Gauge({
      name: 'syncspec_freshness_seconds',
      help: 'Age of the oldest event not yet delivered (0 when caught up)',
      labelNames: ['spec'],
      registers,
      async collect() {
        const o = await backlog.oldestPending().catch(() => undefined);
        if (o) for (const s of specs) this.set({ spec: s }, o[s] === undefined ? 0 : Math.max(0, (now() - o[s]) / 1000));
      },
    });
    this.dlqSize = new Gauge({
      name: 'syncspec_dlq_size',
      help: 'Dead letters not yet replayed',
      labelNames: ['spec'],
      registers,
      async collect() {
        const c = await backlog.deadLetterCounts().catch(() => undefined);
        if (c) for (const s of specs) this.set({ spec: s }, c[s] ?? 0);
      },
    });
    this.breaker = new Gauge({ name: 'syncspec_breaker_state', help: 'Circuit breaker per connection: 0 closed, 1 half-open, 2 open', labelNames: ['connection'], registers });
  }

  /** Creates every series of a spec at zero. */
  addSpec(spec: string): void {
    this.#specs.add(spec);
    for (const trigger of TRIGGERS) this.received.inc({ spec, trigger }, 0);
    this.delivered.inc({ spec }, 0);
    for (const c of ERROR_CLASSES) {
      this.failed.inc({ spec, class: c }, 0);
      this.deadLettered.inc({ spec, class: c }, 0);
    }
    for (const reason of SKIP_REASONS) this.skipped.inc({ spec, reason }, 0);
    this.latency.zero({ spec });
    this.inboxDepth.set({ spec }, 0);
    this.freshness.set({ spec }, 0);
    this.dlqSize.set({ spec }, 0);
  }

  addConnection(connection: string): void {
    this.breaker.set({ connection }, 0);
  }

  breakerChanged(connection: string, state: BreakerState): void {
    this.breaker.set({ connection }, BREAKER_VALUE[state]);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
