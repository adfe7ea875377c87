/**
 * Collects items into batches of at most `size`, sending a partial batch once its first item has waited
 * `maxWaitMs` (on the injected clock). Items sharing a key never go in the same batch: a second write
 * to one target key within a call would make per-record results ambiguous.
 */
import type { Clock } from '../clock.ts';

export interface BatcherOptions<T> {
  size: number;
  maxWaitMs: number;
  clock: Clock;
  keyOf: (item: T) => string;
  flush: (items: T[]) => Promise<void>;
  onError?: (err: unknown) => void;
}

/** Why a batch's max-wait timer is cancelled: the batch went out. */
const SENT = new Error('batch sent');

export class Batcher<T> {
  readonly size: number;
  readonly maxWaitMs: number;
  #o: BatcherOptions<T>;
  #items: T[] = [];
  #keys = new Set<string>();
  #timer: AbortController | undefined;
  #inFlight = new Set<Promise<void>>();

  constructor(options: BatcherOptions<T>) {
    if (options.size < 1) throw new Error(`batch size must be at least 1, got ${options.size}`);
    this.#o = options;
    this.size = options.size;
    this.maxWaitMs = options.maxWaitMs;
  }

  /** Items waiting for their batch to be sent. */
  get pending(): number {
    return this.#items.length;
  }

  /** Batches being sent now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  add(item: T): void {
    const key = this.#o.keyOf(item);
    if (this.#keys.has(key)) this.flushNow();
    this.#items.push(item);
    this.#keys.add(key);
    if (this.#items.length >= this.size) {
      this.flushNow();
    } else if (this.#items.length === 1) {
      const timer = new AbortController();
      this.#timer = timer;
      this.#o.clock.sleep(this.maxWaitMs, timer.signal).then(
        () => {
          if (this.#timer === timer) this.flushNow();
        },
        () => undefined,
      );
    }
  }

  /** Sends what is pending now, without waiting for size or time. */
  flushNow(): void {
    // A shared reason: abort() without one builds a DOMException (with a stack trace) every batch.
    this.#timer?.abort(SENT);
    this.#timer = undefined;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.#keys = new Set();
    const p = this.#o.flush(items).catch((err: unknown) => this.#o.onError?.(err));
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  /** Resolves when at least one in-flight batch finished (or at once when none is). */
  async settledOne(): Promise<void> {
    if (this.#inFlight.size > 0) await Promise.race(this.#inFlight);
  }

  /** Sends what is pending and waits for every batch in flight. */
  async drain(): Promise<void> {
    this.flushNow();
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
