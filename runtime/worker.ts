/**
 * The sync worker: wires compiled specs, connectors and one store into triggers (webhook routes, polls,
 * cron schedules, queue consumers) → inbox → delivery loops, with metrics, health and a bounded drain.
 */
import { hostname } from 'node:os';
import type { Plan } from '../compiler/plan/types.ts';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import { systemClock, type Clock } from './clock.ts';
import { CircuitBreaker } from './delivery/breaker.ts';
import { Deliverer } from './delivery/deliverer.ts';
import type { LookupTableData } from './support/transform.ts';
import { TokenBucket } from './delivery/rate-limit.ts';
import { parseDuration } from './duration.ts';
import type { InboxStore } from './inbox/store.ts';
import { Intake } from './intake/intake.ts';
import { createLogger, type Logger } from './ops/log.ts';
import { WorkerMetrics } from './ops/metrics.ts';
import { Poller } from './poll/poller.ts';
import { NatsTrigger } from './queue/nats.ts';
import { RabbitMqTrigger } from './queue/rabbitmq.ts';
import { compileSchedule, Schedule } from './schedule/cron.ts';
import type { Connector } from './support/connector.ts';
import type { CompiledTransform } from './support/transform.ts';
import { verifyGenericWebhook } from './webhook/hmac.ts';
import { WorkerHttpServer, type WebhookResolver, type WebhookVerifier } from './webhook/server.ts';

export interface WorkerSpec {
  plan: Plan;
  transform: CompiledTransform;
}

export interface WorkerOptions {
  specs: readonly WorkerSpec[];
  /** Connection name → connector. */
  connectors: Readonly<Record<string, Connector>>;
  store: InboxStore;
  lookups?: Readonly<Record<string, LookupTableData>>;
  /** Source connection name → shared secret of the generic HMAC webhook (for connectors without their own verifier). */
  webhookSecrets?: Readonly<Record<string, string>>;
  /** Connection name → rate limit (the Connection's `rateLimit`). */
  rateLimits?: Readonly<Record<string, { requestsPerSecond: number; burst?: number }>>;
  /** Queue trigger connection name → broker address. */
  brokers?: Readonly<Record<string, { url: string }>>;
  /** HTTP server for hooks, metrics and health; `false` for none. */
  http?: { host?: string; port?: number } | false;
  clock?: Clock;
  log?: Logger;
  /** Lease owner id; unique per process by default. */
  owner?: string;
  drainTimeoutMs?: number;
  delivery?: { leaseMs?: number; maxInFlightBatches?: number; idleMs?: number };
  breaker?: { threshold?: number; coolDownMs?: number };
  poll?: { pageSize?: number; settleCheckMs?: number };
  processMetrics?: boolean;
  /**
   * Runs a `mode: reconcile` schedule: compare both systems and re-queue what differs
   * (`runtime/reconcile/scheduled.ts`). Without it the schedule re-offers every source record.
   */
  reconcile?: (spec: string, worker: Worker) => Promise<void>;
  /** How long settled events, delivery ids and expired echo marks are kept (replay protection window); default 7 days. */
  retentionMs?: number;
  /** How often the store is pruned; default hourly. */
  pruneEveryMs?: number;
}

interface Stoppable {
  stop(): Promise<void>;
}

export type DrainOutcome = 'drained' | 'timeout';

let instances = 0;

export class Worker {
  readonly metrics: WorkerMetrics;
  readonly intake: Intake;
  readonly log: Logger;
  readonly owner: string;
  readonly diagnostics: Diagnostic[] = [];
  #o: WorkerOptions;
  #clock: Clock;
  #deliverers = new Map<string, Deliverer>();
  #pollers = new Map<string, Poller>();
  /** Specs with a poll trigger (every spec has a poller: sync-mode schedules use it too). */
  #polled = new Set<string>();
  #triggers: Stoppable[] = [];
  #queues: Stoppable[] = [];
  #http: WorkerHttpServer | undefined;
  #started = false;
  #stopping: Promise<DrainOutcome> | undefined;
  #pruneStop = new AbortController();
  #pruneLoop: Promise<void> | undefined;

  constructor(options: WorkerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.log = options.log ?? createLogger();
    // Stable across restarts of the same pod (hostname) and container (pid 1), so a restarted worker
    // takes its own leases back at once instead of waiting for them to expire.
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${++instances}`;
    const store = options.store;
    this.metrics = new WorkerMetrics({ backlog: store, now: () => this.#clock.now(), processMetrics: options.processMetrics ?? false });
    this.intake = new Intake({ store, clock: this.#clock, log: this.log, metrics: this.metrics, onStored: (spec) => this.#deliverers.get(spec)?.wake() });
    this.#build();
  }

  get url(): string | undefined {
    return this.#http?.url;
  }

  /** Specs that run (those without start-up errors). */
  get specs(): string[] {
    return [...this.#deliverers.keys()].sort();
  }

  deliverer(spec: string): Deliverer | undefined {
    return this.#deliverers.get(spec);
  }

  poller(spec: string): Poller | undefined {
    return this.#pollers.get(spec);
  }

  #problem(code: string, summary: string, plan: Plan): void {
    this.diagnostics.push({ code, severity: 'error', summary, detail: `spec ${plan.name} (${plan.file}) is not started` });
    this.log.error({ code, spec: plan.name, file: plan.file }, summary);
  }

  #build(): void {
    const o = this.#o;
    const clock = this.#clock;
    const breakers = new Map<string, CircuitBreaker>();
    const limiters = new Map<string, TokenBucket>();
    const breakerFor = (connection: string): CircuitBreaker => {
      let b = breakers.get(connection);
      if (!b) {
        this.metrics.addConnection(connection);
        b = new CircuitBreaker({
          clock,
          ...(o.breaker?.threshold !== undefined ? { threshold: o.breaker.threshold } : {}),
          ...(o.breaker?.coolDownMs !== undefined ? { coolDownMs: o.breaker.coolDownMs } : {}),
          onChange: (from, to) => {
            this.metrics.breakerChanged(connection, to);
            const code = to === 'open' ? 'SS5025' : to === 'closed' ? 'SS5026' : 'SS5025';
            this.log[to === 'open' ? 'warn' : 'info']({ code, connection, from, to }, `circuit breaker ${to}`);
          },
        });
        breakers.set(connection, b);
      }
      return b;
    };
    const limiterFor = (connection: string): TokenBucket | undefined => {
      const rl = o.rateLimits?.[connection];
      if (!rl) return undefined;
      let l = limiters.get(connection);
      if (!l) {
        l = new TokenBucket({ ratePerSec: rl.requestsPerSecond, ...(rl.burst !== undefined ? { burst: rl.burst } : {}), clock });
        limiters.set(connection, l);
      }
      return l;
    };
    const plans = o.specs.map((s) => s.plan);
    const routes = new Map<string, WebhookVerifier>();
    const resolvers = new Map<string, WebhookResolver>();

    for (const { plan, transform } of [...o.specs].sort((a, b) => (a.plan.name < b.plan.name ? -1 : 1))) {
      const source = o.connectors[plan.source.connection];
      const target = o.connectors[plan.target.connection];
      if (!source || !target) {
        this.#problem('SS5074', `no connector for connection "${!source ? plan.source.connection : plan.target.connection}"`, plan);
        continue;
      }
      // Delivery modes beyond upsert ask the target which keys exist, or delete (SS5033).
      const mode = plan.delivery.mode;
      if (mode === 'update-only' && !target.findKeys) {
        this.#problem('SS5033', `delivery mode update-only needs a target that can look keys up; the ${target.system} connector cannot`, plan);
        continue;
      }
      if (mode === 'create-only' && !target.findKeys) {
        this.log.warn({ code: 'SS5033', spec: plan.name, system: target.system }, 'create-only: the target connector cannot look keys up; only records syncspec created (the crosswalk) are recognised as existing');
      }
      if (mode === 'mirror' && !target.deleteBatch) {
        this.log.warn({ code: 'SS5033', spec: plan.name, system: target.system }, 'mirror: the target connector cannot delete; source deletions are skipped');
      }
      const schedules: Schedule[] = [];
      let bad = false;
      for (const trig of plan.triggers) {
        if ('schedule' in trig) {
          const c = compileSchedule(trig.schedule.cron, trig.schedule.timezone);
          if (!c.ok) {
            this.#problem('SS5050', c.message, plan);
            bad = true;
          }
        }
        if ('poll' in trig && parseDuration(trig.poll.every) === undefined) {
          this.#problem('SS5050', `poll interval "${trig.poll.every}" is not a duration`, plan);
          bad = true;
        }
      }
      if (bad) continue;
      this.metrics.addSpec(plan.name);
      const deliverer = new Deliverer({
        store: o.store,
        plan,
        transform,
        target,
        breaker: breakerFor(plan.target.connection),
        limiter: limiterFor(plan.target.connection),
        ...(o.lookups ? { lookups: o.lookups } : {}),
        markWrites: plans.some((p) => p !== plan && sameEndpoint(p.source, plan.target)),
        checkEchoes: plans.some((p) => p !== plan && sameEndpoint(p.target, plan.source)),
        clock,
        log: this.log,
        metrics: this.metrics,
        owner: this.owner,
        ...(o.delivery?.leaseMs !== undefined ? { leaseMs: o.delivery.leaseMs } : {}),
        ...(o.delivery?.maxInFlightBatches !== undefined ? { maxInFlightBatches: o.delivery.maxInFlightBatches } : {}),
        ...(o.delivery?.idleMs !== undefined ? { idleMs: o.delivery.idleMs } : {}),
      });
      this.#deliverers.set(plan.name, deliverer);

      const pollTrig = plan.triggers.find((t) => 'poll' in t);
      const poller = new Poller({
        spec: plan.name,
        entity: plan.source.entity,
        source,
        store: o.store,
        intake: this.intake,
        clock,
        log: this.log,
        everyMs: pollTrig && 'poll' in pollTrig ? (parseDuration(pollTrig.poll.every) ?? 300_000) : 300_000,
        overlapMs: pollTrig && 'poll' in pollTrig && pollTrig.poll.overlap ? (parseDuration(pollTrig.poll.overlap) ?? 0) : 0,
        ...(o.poll?.pageSize !== undefined ? { pageSize: o.poll.pageSize } : {}),
        ...(o.poll?.settleCheckMs !== undefined ? { settleCheckMs: o.poll.settleCheckMs } : {}),
      });
      this.#pollers.set(plan.name, poller);

      for (const trig of plan.triggers) {
        if ('webhook' in trig) {
          routes.set(plan.name, this.#verifierFor(plan, source));
          if (source.resolveWebhookEvents) resolvers.set(plan.name, (events) => source.resolveWebhookEvents!(plan.source.entity, events));
        }
        if ('poll' in trig) this.#polled.add(plan.name);
        if ('schedule' in trig) {
          const mode = trig.schedule.mode ?? 'sync';
          const s = new Schedule({
            spec: plan.name,
            expression: trig.schedule.cron,
            timezone: trig.schedule.timezone,
            clock,
            log: this.log,
            run:
              mode === 'sync'
                ? async () => void (await poller.pollOnce())
                : async () => void (await (o.reconcile ? o.reconcile(plan.name, this) : this.resync(plan.name))),
          });
          schedules.push(s);
          this.#triggers.push(s);
        }
        if ('queue' in trig) {
          const broker = o.brokers?.[trig.queue.connection];
          const base = { spec: plan.name, intake: this.intake, store: o.store, clock, log: this.log };
          if (!broker) {
            this.#problem('SS5061', `no broker address for queue connection "${trig.queue.connection}"`, plan);
          } else if (trig.queue.broker === 'rabbitmq') {
            this.#queues.push(new RabbitMqTrigger({ ...base, url: broker.url, queue: trig.queue.topic }));
          } else if (trig.queue.broker === 'nats') {
            this.#queues.push(new NatsTrigger({ ...base, servers: broker.url, subject: trig.queue.topic }));
          } else {
            this.#problem('SS5061', `queue broker "${trig.queue.broker}" is not supported by this worker (rabbitmq, nats)`, plan);
          }
        }
      }
    }
    if (o.http !== false) {
      this.#http = new WorkerHttpServer({
        ...(o.http?.host !== undefined ? { host: o.http.host } : {}),
        ...(o.http?.port !== undefined ? { port: o.http.port } : {}),
        routes,
        resolvers,
        intake: this.intake,
        metrics: this.metrics,
        log: this.log,
        ready: async () => this.#started && (await o.store.ping().then(() => true)),
      });
    }
  }

  #verifierFor(plan: Plan, source: Connector): WebhookVerifier {
    if (source.verifyWebhook) return (req) => source.verifyWebhook!(req);
    const secret = this.#o.webhookSecrets?.[plan.source.connection];
    if (secret !== undefined) return (req) => verifyGenericWebhook(req, { secret, clock: this.#clock });
    this.log.error({ code: 'SS5043', spec: plan.name }, 'webhook trigger without a verifier; every push is refused');
    return () => ({ ok: false, status: 401, code: 'SS5043', message: 'no webhook verifier configured for this spec' });
  }

  /** Reconcile-mode schedule: offer every source record again; the dedupe keeps only changed versions. */
  async resync(spec: string): Promise<number> {
    const plan = this.#o.specs.find((s) => s.plan.name === spec)?.plan;
    const source = plan && this.#o.connectors[plan.source.connection];
    if (!plan || !source) return 0;
    let stored = 0;
    for await (const page of source.scan(plan.source.entity, { pageSize: this.#o.poll?.pageSize ?? 500 })) {
      stored += (await this.intake.accept(spec, 'schedule', page.map((record) => ({ record })))).inserted;
    }
    return stored;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    const released = await this.#o.store.releaseOwner(this.owner);
    if (released > 0) this.log.info({ code: 'SS5070', owner: this.owner, released }, 'took back the leases of a previous run of this worker');
    await this.#http?.listen();
    for (const q of this.#queues) await (q as RabbitMqTrigger | NatsTrigger).start();
    for (const d of this.#deliverers.values()) d.start();
    for (const [spec, p] of this.#pollers) if (this.#polled.has(spec)) p.start();
    for (const t of this.#triggers) if (t instanceof Schedule) t.start();
    this.#pruneLoop = this.#prune();
    this.#started = true;
    this.log.info({ code: 'SS5070', specs: this.specs, url: this.url, owner: this.owner }, 'worker started');
  }

  /** Deletes what is past the retention window, periodically (on the worker's clock). */
  async #prune(): Promise<void> {
    const every = this.#o.pruneEveryMs ?? 3_600_000;
    const keep = this.#o.retentionMs ?? 7 * 86_400_000;
    for (;;) {
      try {
        await this.#clock.sleep(every, this.#pruneStop.signal);
      } catch {
        return;
      }
      try {
        const n = await this.#o.store.prune(this.#clock.now() - keep);
        this.log.debug({ code: 'SS5070', pruned: n }, 'store pruned');
      } catch (err) {
        this.log.warn({ code: 'SS5007', err: err instanceof Error ? err.message : String(err) }, 'store prune failed; will try again');
      }
    }
  }

  /** Graceful drain: stop intake, finish batches in flight, within `drainTimeoutMs`. Idempotent. */
  stop(): Promise<DrainOutcome> {
    this.#stopping ??= this.#drain();
    return this.#stopping;
  }

  async #drain(): Promise<DrainOutcome> {
    const bound = this.#o.drainTimeoutMs ?? 25_000;
    this.log.info({ code: 'SS5071', boundMs: bound }, 'draining');
    const work = (async () => {
      // Queue consumers first: messages in flight still reach the inbox and are acked.
      await Promise.all(this.#queues.map((q) => q.stop()));
      this.intake.close();
      await Promise.all(this.#triggers.map((t) => t.stop()));
      await Promise.all([...this.#pollers.values()].map((p) => p.stop()));
      await Promise.all([...this.#deliverers.values()].map((d) => d.stop()));
      this.#pruneStop.abort();
      await this.#pruneLoop;
      return 'drained' as const;
    })();
    const timeout = new AbortController();
    const outcome = await Promise.race([
      work,
      this.#clock.sleep(bound, timeout.signal).then(
        () => 'timeout' as const,
        () => 'drained' as const,
      ),
    ]);
    timeout.abort();
    await this.#http?.close();
    if (outcome === 'timeout') this.log.warn({ code: 'SS5073', boundMs: bound }, 'drain bound reached; unfinished events stay pending and are redelivered');
    else this.log.info({ code: 'SS5072' }, 'drained');
    this.log.flush();
    return outcome;
  }

  /** SIGTERM / SIGINT → drain → `exit(0)` (or 1 when the bound was reached). */
  installSignalHandlers(exit: (code: number) => void = (c) => process.exit(c)): () => void {
    const onSignal = (): void => {
      void this.stop().then((o) => exit(o === 'drained' ? 0 : 1));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }
}

const sameEndpoint = (a: Plan['source'], b: Plan['source']): boolean => a.connection === b.connection && a.entity === b.entity;
