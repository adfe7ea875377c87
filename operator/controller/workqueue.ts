/**
 * A rate-limited work queue after client-go's (`util/workqueue`): a key is queued at most once
 * (dedupe), never handed to two workers at once (a key added while it is processed is queued again
 * when `done`), and retries wait the longer of a per-key exponential backoff (5 ms doubling to
 * 1000 s) and a global token bucket (10 per second, burst 100), as controller-runtime's default limiter.
 */
import type { Clock } from './clock.ts';

export interface RateLimits {
  baseDelayMs: number;
  maxDelayMs: number;
  qps: number;
  burst: number;
}

export const DEFAULT_LIMITS: RateLimits = { baseDelayMs: 5, maxDelayMs: 1_000_000, qps: 10, burst: 100 };

/** Per-key exponential backoff: base × 2^failures, capped. */
export class ItemBackoff {
  readonly #failures = new Map<string, number>();
  readonly #base: number;
  readonly #max: number;
  constructor(baseMs: number, maxMs: number) {
    this.#base = baseMs;
    this.#max = maxMs;
  }
  when(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    return Math.min(this.#max, this.#base * 2 ** Math.min(n, 62));
  }
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
  forget(key: string): void {
    this.#failures.delete(key);
  }
}

/** A token bucket that hands out reservations: each call takes one token, possibly from the future. */
export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  constructor(qps: number, burst: number, clock: Clock) {
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#last = clock.now();
  }
  /** Milliseconds until the reserved token is available (0 when one is free now). */
  reserve(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#qps) / 1000);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#qps);
  }
}

export class WorkQueue {
  readonly #clock: Clock;
  readonly #backoff: ItemBackoff;
  readonly #bucket: TokenBucket;
  readonly #queue: string[] = [];
  /** Keys waiting to be processed (queued, or to be requeued once their processing ends). */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  /** Delayed adds: key → deadline and cancel; an earlier deadline replaces a later one. */
  readonly #delayed = new Map<string, { at: number; cancel: () => void }>();
  #waiters: ((key: string | undefined) => void)[] = [];
  #shutdown = false;

  constructor(clock: Clock, limits: RateLimits = DEFAULT_LIMITS) {
    this.#clock = clock;
    this.#backoff = new ItemBackoff(limits.baseDelayMs, limits.maxDelayMs);
    this.#bucket = new TokenBucket(limits.qps, limits.burst, clock);
  }

  add(key: string): void {
    if (this.#shutdown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
    } else {
      this.#queue.push(key);
    }
  }

  addAfter(key: string, ms: number): void {
    if (this.#shutdown) return;
    if (ms <= 0) { this.add(key); return; }
    const at = this.#clock.now() + ms;
    const existing = this.#delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.#clock.after(ms, () => {
      this.#delayed.delete(key);
      this.add(key);
    });
    this.#delayed.set(key, { at, cancel });
  }

  /** Requeues after the longer of the key's backoff and the global bucket's wait; returns that delay. */
  addRateLimited(key: string): number {
    const delay = Math.max(this.#backoff.when(key), this.#bucket.reserve());
    this.addAfter(key, delay);
    return delay;
  }

  /** The key succeeded (or failed for good): its backoff starts again from the base delay. */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  failures(key: string): number {
    return this.#backoff.failures(key);
  }

  /** The next key to process; undefined once shut down. */
  get(): Promise<string | undefined> {
    if (this.#shutdown) return Promise.resolve(undefined);
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Processing of `key` ended; when it was added meanwhile it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) {
      this.#dirty.delete(key);
      this.add(key);
    }
  }

  len(): number {
    return this.#queue.length;
  }

  shutDown(): void {
    this.#shutdown = true;
    for (const d of this.#delayed.values()) d.cancel();
    this.#delayed.clear();
    for (const w of this.#waiters) w(undefined);
    this.#waiters = [];
  }
}
