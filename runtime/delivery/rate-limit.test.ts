import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { TokenBucket } from './rate-limit.ts';

describe('TokenBucket', () => {
  it('allows a burst, then paces at the rate', async () => {
    const clock = manualClock(0);
    const bucket = new TokenBucket({ ratePerSec: 10, burst: 3, clock });
    const took: number[] = [];
    void (async () => {
      for (let i = 0; i < 6; i++) {
        await bucket.take();
        took.push(clock.now());
      }
    })();
    await clock.advance(0);
    expect(took).toEqual([0, 0, 0]);
    await clock.advance(300);
    expect(took).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('pauses every taker until a throttling deadline', async () => {
    const clock = manualClock(0);
    const bucket = new TokenBucket({ ratePerSec: 100, clock });
    bucket.pauseUntil(5000);
    let at = -1;
    void bucket.take().then(() => (at = clock.now()));
    await clock.advance(4999);
    expect(at).toBe(-1);
    await clock.advance(1);
    expect(at).toBe(5000);
  });
});
