/**
 * A circuit breaker per connection: after `threshold` consecutive failed calls it opens for
 * `coolDownMs`, then lets one trial call through (half-open); success closes it, failure re-opens.
 * Records are not lost while it is open — they wait in the inbox until `retryAt`.
 */
import type { Clock } from '../clock.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  threshold?: number;
  coolDownMs?: number;
  clock: Clock;
  onChange?: (from: BreakerState, to: BreakerState) => void;
}

export class CircuitBreaker {
  readonly threshold: number;
  readonly coolDownMs: number;
  #clock: Clock;
  #onChange: ((from: BreakerState, to: BreakerState) => void) | undefined;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;

  constructor(options: BreakerOptions) {
    this.threshold = options.threshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 30_000;
    this.#clock = options.clock;
    this.#onChange = options.onChange;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#clock.now() >= this.#openedAt + this.coolDownMs) this.#set('half-open');
    return this.#state;
  }

  /** When an open breaker lets the next trial through. */
  get retryAt(): number {
    return this.#openedAt + this.coolDownMs;
  }

  /** True when a call may go out now; in half-open only one trial at a time. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    if (this.#state !== 'closed') this.#set('closed');
  }

  failure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === 'half-open' || (this.#state === 'closed' && this.#failures >= this.threshold)) {
      this.#openedAt = this.#clock.now();
      this.#set('open');
    }
  }

  #set(to: BreakerState): void {
    const from = this.#state;
    this.#state = to;
    if (from !== to) this.#onChange?.(from, to);
  }
}
