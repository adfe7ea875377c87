import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { Batcher } from './batcher.ts';

function setup(size: number, maxWaitMs: number) {
  const clock = manualClock(0);
  const sent: { at: number; items: string[] }[] = [];
  const batcher = new Batcher<string>({
    size,
    maxWaitMs,
    clock,
    keyOf: (s) => s.split(':')[0] ?? s,
    flush: async (items) => void sent.push({ at: clock.now(), items }),
  });
  return { clock, sent, batcher };
}

describe('Batcher', () => {
  it('sends full batches at once and a partial one after maxWait from its first item', async () => {
    const { clock, sent, batcher } = setup(3, 2000);
    for (const k of ['a', 'b', 'c', 'd']) batcher.add(k);
    expect(sent).toEqual([{ at: 0, items: ['a', 'b', 'c'] }]);
    await clock.advance(500);
    batcher.add('e');
    await clock.advance(1499);
    expect(sent).toHaveLength(1);
    await clock.advance(1);
    expect(sent[1]).toEqual({ at: 2000, items: ['d', 'e'] });
    await batcher.drain();
    expect(sent).toHaveLength(2);
  });

  it('never puts two items with one key in a batch', async () => {
    const { sent, batcher } = setup(10, 1000);
    batcher.add('a:1');
    batcher.add('b:1');
    batcher.add('a:2');
    await batcher.drain();
    expect(sent.map((s) => s.items)).toEqual([['a:1', 'b:1'], ['a:2']]);
  });

  it('a stale timer does not cut the next batch short', async () => {
    const { clock, sent, batcher } = setup(2, 1000);
    batcher.add('a');
    batcher.add('b'); // full: sent, its timer cancelled
    await clock.advance(900);
    batcher.add('c');
    await clock.advance(100);
    expect(sent.map((s) => s.items)).toEqual([['a', 'b']]);
    await clock.advance(900);
    expect(sent.map((s) => [s.at, s.items])).toEqual([
      [0, ['a', 'b']],
      [1900, ['c']],
    ]);
  });
});
