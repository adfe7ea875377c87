/**
 * A controller: informers feed keys into a rate-limited work queue; workers take keys one at a time
 * (never the same key twice at once) and run a level-based reconcile, which reads current state itself
 * and ignores what the event said (controller-runtime `reconcileHandler`). The outcome decides what
 * happens to the key: done → forget its backoff, look again after a jittered resync; retry → per-key
 * exponential backoff; terminal → logged and counted, not retried until a new event.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { Informer, InformerEvent } from './informer.ts';
import type { OperatorMetrics } from './metrics.ts';
import { parseKey, type ObjectKey, type Outcome } from './outcome.ts';
import { WorkQueue, type RateLimits } from './workqueue.ts';
import type { KubeObject } from '../k8s/resources.ts';

export interface Reconciler {
  reconcile(key: ObjectKey): Promise<Outcome>;
}

/** Maps an event on a watched object to the keys of the objects to reconcile. */
export type KeyMapper = (event: InformerEvent, obj: KubeObject) => string[];

export const ownKey: KeyMapper = (_event, obj) => [`${obj.metadata.namespace ?? ''}/${obj.metadata.name}`];

/** Events on an owned object wake its controller owner of `ownerKind` (drift: an edited or deleted child). */
export function ownerKey(ownerKind: string, ownerGroup: string): KeyMapper {
  return (_event, obj) => {
    const owner = obj.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === ownerKind && r.apiVersion.startsWith(`${ownerGroup}/`));
    return owner ? [`${obj.metadata.namespace ?? ''}/${owner.name}`] : [];
  };
}

export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  /** Keys reconciled at once (different keys only). */
  workers?: number;
  limits?: RateLimits;
  /** Resync jitter: requeueAfter × (1 + jitter × random). */
  jitter?: number;
  random?: () => number;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly informers: Informer[] = [];
  readonly #o: ControllerOptions;
  #running: Promise<void>[] = [];

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.name = options.name;
    this.queue = new WorkQueue(options.clock, options.limits);
    options.metrics.addController(options.name);
  }

  /** Feeds events of `informer` into this controller's queue through `map`. */
  watch(informer: Informer, map: KeyMapper): void {
    if (!this.informers.includes(informer)) this.informers.push(informer);
    informer.on((event, obj) => {
      for (const key of map(event, obj)) this.enqueue(key);
    });
  }

  enqueue(key: string): void {
    this.queue.add(key);
    this.#o.metrics.depth.set({ controller: this.name }, this.queue.len());
  }

  /** Starts the workers (in the background; `stop()` waits for them). */
  start(): void {
    const n = this.#o.workers ?? 2;
    for (let i = 0; i < n; i++) this.#running.push(this.#work());
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.#running);
    this.#running = [];
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      this.#o.metrics.depth.set({ controller: this.name }, this.queue.len());
      try {
        await this.#process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async #process(key: string): Promise<void> {
    const { log, metrics, clock } = this.#o;
    const started = clock.now();
    let outcome: Outcome;
    try {
      outcome = await this.#o.reconciler.reconcile(parseKey(key));
    } catch (err) {
      // A reconciler should return retry/terminal; an exception is a bug or an unexpected failure: retry it.
      outcome = { kind: 'retry', error: err instanceof Error ? err : new Error(String(err)) };
    }
    metrics.duration.observe({ controller: this.name }, (clock.now() - started) / 1000);
    switch (outcome.kind) {
      case 'done': {
        this.queue.forget(key);
        if (outcome.requeueAfterMs > 0) {
          const jitter = (this.#o.jitter ?? 0.1) * (this.#o.random ?? Math.random)();
          this.queue.addAfter(key, Math.round(outcome.requeueAfterMs * (1 + jitter)));
          metrics.reconciles.inc({ controller: this.name, result: 'requeue_after' });
        } else {
          metrics.reconciles.inc({ controller: this.name, result: 'success' });
        }
        break;
      }
      case 'retry': {
        const delayMs = this.queue.addRateLimited(key);
        metrics.reconciles.inc({ controller: this.name, result: 'error' });
        log.warn({ code: 'SS6011', controller: this.name, key, err: outcome.error.message, delayMs, failures: this.queue.failures(key) }, 'reconcile failed; retrying');
        break;
      }
      case 'terminal': {
        this.queue.forget(key);
        metrics.reconciles.inc({ controller: this.name, result: 'terminal' });
        log.error({ code: outcome.error.code, controller: this.name, key, err: outcome.error.message }, 'reconcile failed; waiting for a change');
        break;
      }
    }
  }
}
