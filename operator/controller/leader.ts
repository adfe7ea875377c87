/**
 * Leader election on a `coordination.k8s.io/v1` Lease, after client-go's leaderelection: a candidate
 * takes the lease when it does not exist or when its record has not changed for a whole lease
 * duration *as observed on this candidate's clock* (so clock skew between nodes does not matter);
 * the leader renews every retry period and gives up leadership when it could not renew within the
 * renew deadline. Every write carries the resourceVersion it read, so two candidates cannot both win.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import { describeError, isAlreadyExists, isConflict, isNotFound } from '../k8s/errors.ts';
import { kubeHttp, type KubeHttp } from '../k8s/http.ts';
import { collectionPath, objectPath, type ResourceKind } from '../k8s/resources.ts';

const LEASE: ResourceKind = { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases' };

/** A coordination.k8s.io/v1 Lease as JSON; times are metav1.MicroTime text. */
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number; [k: string]: unknown };
}

/** metav1.MicroTime: RFC 3339 with microseconds (the millisecond clock padded), as client-go writes it. */
const microTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, -1)}000Z`;

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void | Promise<void>;
  /** Leadership lost (renewal failed past the deadline); the process should stop writing at once. */
  onStoppedLeading(): void | Promise<void>;
}

export class LeaderElector {
  readonly #http: KubeHttp;
  readonly #o: LeaderElectionOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  #observed: { holder: string; renewTime: string; at: number } | undefined;
  #leading = false;

  constructor(kc: KubeConfig, options: LeaderElectionOptions, clock: Clock, log: Logger) {
    if (!(options.renewDeadlineMs < options.leaseDurationMs && options.retryPeriodMs < options.renewDeadlineMs)) {
      throw new Error('leader election needs retryPeriod < renewDeadline < leaseDuration');
    }
    this.#http = kubeHttp(kc);
    this.#o = options;
    this.#clock = clock;
    this.#log = log.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Campaigns until leading, leads until the lease is lost or `signal` aborts (then releases the lease). */
  async run(callbacks: LeaderCallbacks, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) break;
      await this.#sleep(this.#o.retryPeriodMs, signal);
    }
    if (signal.aborted) return;
    this.#leading = true;
    this.#log.info({ code: 'SS6012' }, 'became leader');
    await callbacks.onStartedLeading();
    let renewedAt = this.#clock.now();
    while (!signal.aborted) {
      await this.#sleep(this.#o.retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        renewedAt = this.#clock.now();
      } else if (this.#clock.now() - renewedAt >= this.#o.renewDeadlineMs) {
        this.#leading = false;
        this.#log.error({ code: 'SS6013' }, 'lost the leader lease: could not renew within the deadline');
        await callbacks.onStoppedLeading();
        return;
      }
    }
    if (this.#leading) await this.release();
  }

  /** One attempt; true when this candidate holds the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#clock.now();
    const { namespace, name, identity } = this.#o;
    let lease: Lease | undefined;
    try {
      lease = (await this.#http.call('GET', objectPath(LEASE, namespace, name))) as Lease;
    } catch (err) {
      if (!isNotFound(err)) {
        this.#log.warn({ code: 'SS6014', err: describeError(err) }, 'cannot read the leader lease');
        return false;
      }
    }
    if (!lease) {
      try {
        await this.#http.call('POST', collectionPath(LEASE, namespace), { body: this.#record(undefined, now) });
        this.#observe(identity, new Date(now).toISOString(), now);
        return true;
      } catch (err) {
        if (!isAlreadyExists(err)) this.#log.warn({ code: 'SS6014', err: describeError(err) }, 'cannot create the leader lease');
        return false;
      }
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const renewTime = lease.spec?.renewTime ? new Date(lease.spec.renewTime).toISOString() : '';
    if (!this.#observed || this.#observed.holder !== holder || this.#observed.renewTime !== renewTime) this.#observe(holder, renewTime, now);
    const durationMs = (lease.spec?.leaseDurationSeconds ?? Math.ceil(this.#o.leaseDurationMs / 1000)) * 1000;
    const expired = holder === '' || (this.#observed?.at ?? now) + durationMs <= now;
    if (holder !== identity && !expired) return false;
    try {
      const body = this.#record(lease, now);
      const updated = (await this.#http.call('PUT', objectPath(LEASE, namespace, name), { body })) as Lease;
      this.#observe(identity, updated.spec?.renewTime ? new Date(updated.spec.renewTime).toISOString() : '', now);
      if (holder !== identity) this.#log.info({ code: 'SS6012', previous: holder || undefined }, 'took over the leader lease');
      return true;
    } catch (err) {
      if (!isConflict(err)) this.#log.warn({ code: 'SS6014', err: describeError(err) }, 'cannot renew the leader lease');
      return false;
    }
  }

  /** Gives the lease up (holder cleared) so a standby need not wait a whole lease duration. */
  async release(): Promise<void> {
    this.#leading = false;
    try {
      const path = objectPath(LEASE, this.#o.namespace, this.#o.name);
      const lease = (await this.#http.call('GET', path)) as Lease;
      if (!lease.spec || lease.spec.holderIdentity !== this.#o.identity) return;
      lease.spec.holderIdentity = '';
      lease.spec.leaseDurationSeconds = 1;
      await this.#http.call('PUT', path, { body: lease });
    } catch (err) {
      this.#log.warn({ code: 'SS6014', err: describeError(err) }, 'cannot release the leader lease');
    }
  }

  #observe(holder: string, renewTime: string, at: number): void {
    this.#observed = { holder, renewTime, at };
  }

  #record(prev: Lease | undefined, now: number): Lease {
    const { namespace, name, identity } = this.#o;
    const mine = prev?.spec?.holderIdentity === identity;
    const time = microTime(now);
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: prev?.metadata ?? { name, namespace },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: Math.max(1, Math.ceil(this.#o.leaseDurationMs / 1000)),
        acquireTime: mine ? prev?.spec?.acquireTime ?? time : time,
        renewTime: time,
        leaseTransitions: (prev?.spec?.leaseTransitions ?? 0) + (prev && !mine ? 1 : 0),
      },
    };
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) { resolve(); return; }
      const onAbort = (): void => { cancel(); resolve(); };
      const cancel = this.#clock.after(ms, () => { signal.removeEventListener('abort', onAbort); resolve(); });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
