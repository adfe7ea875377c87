import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';

function capture(tty: boolean) {
  const chunks: string[] = [];
  let t = 0;
  const p = createProgress((s) => void chunks.push(s), { tty, color: false, now: () => t });
  return { p, chunks, tick: (ms: number) => void (t += ms) };
}

describe('progress', () => {
  it('prints one line per finished phase when not on a terminal', () => {
    const { p, chunks } = capture(false);
    p.phase('customers', '10 accounts');
    p.update(3, 10);
    p.update(10, 10);
    p.done('10 accounts settled');
    expect(chunks.join('')).toBe('✓ customers   10 accounts settled\n');
  });

  it('redraws one line in place on a terminal, at most every 80 ms until done', () => {
    const { p, chunks, tick } = capture(true);
    p.phase('orders', '4 orders');
    p.update(1, 4);
    p.update(2, 4);
    tick(100);
    p.update(1, 4);
    tick(100);
    p.update(3, 4);
    p.update(4, 4);
    p.done('4 orders settled');
    const out = chunks.join('');
    expect(out.split('\r\x1b[2K').filter(Boolean)).toHaveLength(5);
    expect(out).toContain('1/4');
    expect(out).not.toContain('2/4');
    expect(out).toContain('3/4');
    expect(out).toContain('4/4');
    expect(out.endsWith('✓ orders      4 orders settled\n')).toBe(true);
  });
});
