import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { CircuitBreaker, type BreakerState } from './breaker.ts';

describe('CircuitBreaker', () => {
  it('opens after the threshold, half-opens after the cool-down, closes on a good trial', async () => {
    const clock = manualClock(0);
    const changes: string[] = [];
    const b = new CircuitBreaker({ threshold: 3, coolDownMs: 1000, clock, onChange: (f: BreakerState, t: BreakerState) => changes.push(`${f}>${t}`) });
    b.failure();
    b.failure();
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.retryAt).toBe(1000);
    await clock.advance(1000);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // one trial at a time
    b.success();
    expect(b.state).toBe('closed');
    expect(changes).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
  });

  it('re-opens when the trial fails, and a success resets the failure count', async () => {
    const clock = manualClock(0);
    const b = new CircuitBreaker({ threshold: 2, coolDownMs: 100, clock });
    b.failure();
    b.success();
    b.failure();
    expect(b.state).toBe('closed');
    b.failure();
    expect(b.state).toBe('open');
    await clock.advance(100);
    expect(b.tryAcquire()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.retryAt).toBe(200);
  });
});
