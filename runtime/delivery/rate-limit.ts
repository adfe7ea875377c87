/**
 * A token bucket per connection: `ratePerSec` calls on average, bursts up to `burst`. A vendor's
 * throttling signal (429 + Retry-After, Kingdee's frequency error) pauses the bucket until then, so
 * every lane of that connection backs off, not only the one that was told.
 */
import type { Clock } from '../clock.ts';

export class TokenBucket {
  readonly ratePerSec: number;
  readonly burst: number;
  #clock: Clock;
  #tokens: number;
  #last: number;
  #pausedUntil = 0;

  constructor(options: { ratePerSec: number; burst?: number; clock: Clock }) {
    if (!(options.ratePerSec > 0)) throw new Error(`rate must be positive, got ${options.ratePerSec}`);
    this.ratePerSec = options.ratePerSec;
    this.burst = Math.max(1, options.burst ?? Math.ceil(options.ratePerSec));
    this.#clock = options.clock;
    this.#tokens = this.burst;
    this.#last = options.clock.now();
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.ratePerSec) / 1000);
    this.#last = now;
  }

  /** Waits (on the clock) until a token is available, then takes it. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      if (now < this.#pausedUntil) {
        await this.#clock.sleep(this.#pausedUntil - now, signal);
        continue;
      }
      this.#refill(now);
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#clock.sleep(Math.ceil(((1 - this.#tokens) * 1000) / this.ratePerSec), signal);
    }
  }

  /** Stops handing out tokens until `until` (a vendor asked us to slow down). */
  pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }
}
