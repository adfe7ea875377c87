import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.ts';

describe('manualClock', () => {
  it('wakes sleepers in deadline order only when time reaches them', async () => {
    const clock = manualClock(1000);
    const woke: string[] = [];
    void clock.sleep(50).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(10).then(() => woke.push(`a@${clock.now()}`));
    await clock.advance(9);
    expect(woke).toEqual([]);
    await clock.advance(41);
    expect(woke).toEqual(['a@1010', 'b@1050']);
    expect(clock.now()).toBe(1050);
  });

  it('wakes sleepers that went back to sleep within the same advance', async () => {
    const clock = manualClock();
    let ticks = 0;
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        ticks++;
      }
    })();
    await clock.advance(30);
    expect(ticks).toBe(3);
  });

  it('rejects a sleep when its signal aborts', async () => {
    const clock = manualClock();
    const ac = new AbortController();
    const p = clock.sleep(100, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
  });
});
