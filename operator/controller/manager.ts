/**
 * Runs controllers under leader election, with a health endpoint. Every replica serves `/healthz`,
 * `/readyz` and `/metrics`; only the lease holder starts informers and controllers, so only it
 * writes. Losing the lease stops everything and reports it (the process then exits, as
 * controller-runtime does, so a fresh start campaigns with empty caches).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { Controller } from './controller.ts';
import type { Informer } from './informer.ts';
import { LeaderElector, type LeaderElectionOptions } from './leader.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { KubeConfig } from '@kubernetes/client-node';

export interface ManagerOptions {
  kc: KubeConfig;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  /** Undefined: no election, this process leads at once (tests, single replica). */
  leaderElection: LeaderElectionOptions | undefined;
  /** Readiness fails when a running informer has not heard from the server for this long (0: never). */
  informerStaleMs?: number;
}

export type ManagerState = 'standby' | 'leading' | 'lost' | 'stopped';

export class Manager {
  readonly #o: ManagerOptions;
  readonly #controllers: Controller[] = [];
  readonly #abort = new AbortController();
  readonly #elector: LeaderElector | undefined;
  #state: ManagerState = 'standby';
  #server: Server | undefined;
  #lost: (() => void) | undefined;
  readonly lost: Promise<void>;

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#elector = options.leaderElection ? new LeaderElector(options.kc, options.leaderElection, options.clock, options.log) : undefined;
    this.lost = new Promise((resolve) => { this.#lost = resolve; });
  }

  add(controller: Controller): void {
    this.#controllers.push(controller);
  }

  get state(): ManagerState {
    return this.#state;
  }

  informers(): Informer[] {
    return [...new Set(this.#controllers.flatMap((c) => c.informers))];
  }

  /** Campaigns (or leads at once) in the background. */
  start(): void {
    if (!this.#elector) {
      void this.#lead();
      return;
    }
    void this.#elector.run({ onStartedLeading: () => this.#lead(), onStoppedLeading: () => this.#loseLease() }, this.#abort.signal);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#stopControllers();
    if (this.#elector?.leading) await this.#elector.release();
    this.#state = 'stopped';
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server?.closeAllConnections();
  }

  /** Readiness: a standby is ready to take over; a leader is ready once every informer has listed and none is stuck. */
  readiness(): { ready: boolean; state: ManagerState; informers: ReturnType<Informer['health']>[] } {
    const informers = this.informers().map((i) => i.health());
    const now = this.#o.clock.now();
    const stale = this.#o.informerStaleMs ?? 0;
    const ok = informers.every((h) => h.synced && !h.restarting && (stale === 0 || (h.lastEventAt !== undefined && now - h.lastEventAt <= stale)));
    const ready = this.#state === 'standby' || (this.#state === 'leading' && ok);
    return { ready, state: this.#state, informers };
  }

  /** Serves /healthz, /readyz and /metrics; resolves with the bound port. */
  async serve(port: number, host = '0.0.0.0'): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET') { res.writeHead(405).end(); return; }
      if (path === '/healthz') {
        const alive = this.#state !== 'lost';
        res.writeHead(alive ? 200 : 500, { 'content-type': 'application/json' }).end(JSON.stringify({ status: alive ? 'ok' : this.#state }));
        return;
      }
      if (path === '/readyz') {
        const r = this.readiness();
        const informers = r.informers.map((h) => ({ ...h, lastEventAt: h.lastEventAt === undefined ? null : new Date(h.lastEventAt).toISOString() }));
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: r.ready, state: r.state, informers }));
        return;
      }
      if (path === '/metrics') {
        this.#o.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.#o.metrics.registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
        return;
      }
      res.writeHead(404).end();
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => resolve()); });
    return (server.address() as AddressInfo).port;
  }

  async #lead(): Promise<void> {
    if (this.#abort.signal.aborted) return;
    this.#state = 'leading';
    this.#o.metrics.leader.set(1);
    const informers = this.informers();
    for (const i of informers) i.start();
    // Reconcile only against complete caches: a spec compiled before its LookupTables are listed would
    // be reported broken for no reason (controller-runtime's WaitForCacheSync).
    await Promise.race([Promise.all(informers.map((i) => i.synced)), new Promise((resolve) => this.#abort.signal.addEventListener('abort', resolve, { once: true }))]);
    if (this.#abort.signal.aborted || this.#state !== 'leading') return;
    for (const c of this.#controllers) c.start();
  }

  async #loseLease(): Promise<void> {
    this.#state = 'lost';
    this.#o.metrics.leader.set(0);
    await this.#stopControllers();
    this.#lost?.();
  }

  async #stopControllers(): Promise<void> {
    await Promise.all(this.informers().map((i) => i.stop()));
    await Promise.all(this.#controllers.map((c) => c.stop()));
  }
}
