import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { manualClock } from './clock.ts';
import { ItemBackoff, TokenBucket, WorkQueue } from './workqueue.ts';

describe('ItemBackoff', () => {
  test('doubles from 5 ms per failure up to 1000 s, per key, and forget starts over', () => {
    const b = new ItemBackoff(5, 1_000_000);
    expect([1, 2, 3, 4, 5].map(() => b.when('a'))).toEqual([5, 10, 20, 40, 80]);
    expect(b.when('other')).toBe(5);
    for (let i = 0; i < 40; i++) b.when('a');
    expect(b.when('a')).toBe(1_000_000);
    b.forget('a');
    expect(b.when('a')).toBe(5);
  });
});

describe('TokenBucket', () => {
  test('a burst of 100 is free, then one token per 100 ms at 10 qps', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(10, 100, clock);
    for (let i = 0; i < 100; i++) expect(bucket.reserve()).toBe(0);
    expect(bucket.reserve()).toBe(100);
    expect(bucket.reserve()).toBe(200);
    clock.advance(1000);
    // 10 tokens refilled, 2 of them already promised: the next waits for the 9th after those.
    expect(bucket.reserve()).toBe(0);
  });

  test('never hands out more than burst + qps × elapsed tokens without waiting', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 300 }), (gaps) => {
      const clock = manualClock();
      const bucket = new TokenBucket(10, 100, clock);
      let free = 0;
      let elapsed = 0;
      for (const g of gaps) {
        clock.advance(g);
        elapsed += g;
        if (bucket.reserve() === 0) free++;
      }
      return free <= 100 + Math.floor((elapsed * 10) / 1000) + 1;
    }));
  });
});

describe('WorkQueue', () => {
  test('a key queued twice is processed once', async () => {
    const q = new WorkQueue(manualClock());
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
  });

  test('a key added while it is processed waits until done, then comes back once', async () => {
    const q = new WorkQueue(manualClock());
    q.add('k');
    const key = await q.get();
    q.add('k');
    q.add('k');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => { second = k; });
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(key as string);
    await Promise.resolve();
    expect(second).toBe('k');
  });

  test('rate-limited adds wait for the key\'s backoff on the clock', async () => {
    const clock = manualClock();
    const q = new WorkQueue(clock);
    expect(q.addRateLimited('k')).toBe(5);
    expect(q.len()).toBe(0);
    clock.advance(4);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    const k = await q.get();
    q.done(k as string);
    expect(q.addRateLimited('k')).toBe(10);
    q.forget('k');
    expect(q.addRateLimited('k')).toBe(5);
  });

  test('the global bucket slows a storm of failing keys', () => {
    const q = new WorkQueue(manualClock());
    const delays = Array.from({ length: 120 }, (_, i) => q.addRateLimited(`k${i}`));
    expect(delays.slice(0, 100).every((d) => d === 5)).toBe(true);
    expect(delays[100]).toBe(100);
    expect(delays[119]).toBe(2000);
  });

  test('an earlier addAfter replaces a later one; a later one is ignored', () => {
    const clock = manualClock();
    const q = new WorkQueue(clock);
    q.addAfter('k', 1000);
    q.addAfter('k', 100);
    q.addAfter('k', 5000);
    clock.advance(100);
    expect(q.len()).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  test('shutDown releases waiting workers and refuses new keys', async () => {
    const q = new WorkQueue(manualClock());
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('k');
    expect(await q.get()).toBeUndefined();
  });
});
