import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

describe('GroupCommit', () => {
  it('commits calls of one turn together and those arriving during a commit in the next group', async () => {
    const groups: number[][] = [];
    let release: (() => void) | undefined;
    const gc = new GroupCommit<number, string>(async (batch) => {
      groups.push(batch);
      if (groups.length === 1) await new Promise<void>((r) => (release = r));
      return batch.map((n) => `ok ${n}`);
    });
    const first = [gc.submit(1), gc.submit(2)];
    await expect.poll(() => groups.length).toBe(1);
    const later = [gc.submit(3), gc.submit(4), gc.submit(5)];
    release?.();
    expect(await Promise.all([...first, ...later])).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5']);
    expect(groups).toEqual([[1, 2], [3, 4, 5]]);
  });

  it('rejects every call of a failed group and keeps working', async () => {
    let fail = true;
    const gc = new GroupCommit<number, number>(async (batch) => {
      if (fail) throw new Error('connection lost');
      return batch;
    });
    const results = await Promise.allSettled([gc.submit(1), gc.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await gc.submit(3)).toBe(3);
  });
});

describe('GroupCommit with overlapping commits', () => {
  it('runs up to maxInFlight groups at once and queues the rest', async () => {
    const releases: (() => void)[] = [];
    const groups: number[][] = [];
    const gc = new GroupCommit<number, number>(async (batch) => {
      groups.push(batch);
      await new Promise<void>((r) => releases.push(r));
      return batch;
    }, 2);
    const a = gc.submit(1);
    await expect.poll(() => groups.length).toBe(1);
    const b = gc.submit(2);
    await expect.poll(() => groups.length).toBe(2);
    const c = gc.submit(3);
    const d = gc.submit(4);
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([[1], [2]]);
    releases.shift()?.();
    await expect.poll(() => groups.length).toBe(3);
    expect(groups[2]).toEqual([3, 4]);
    for (const r of releases.splice(0)) r();
    expect(await Promise.all([a, b, c, d])).toEqual([1, 2, 3, 4]);
    expect(groups).toHaveLength(3);
  });
});
