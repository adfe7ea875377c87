/** SQLite-only behaviour: the writer thread and the claim's fast path (the shared contract is store.test.ts). */
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteTestStore, type TestStore } from '../../test/runtime/stores.ts';
import type { NewEvent, Settlement } from './store.ts';
import type { SqliteInboxStore } from './sqlite.ts';

const ev = (sourceId: string, sourceVersion: string): NewEvent => ({ spec: 'accounts', sourceId, sourceVersion, payload: { Id: sourceId, v: sourceVersion }, receivedAt: 1000 });
const done = (owner: string, now: number, id: number, sourceId: string): Settlement => ({
  owner,
  now,
  events: [{ id, state: 'done', attempts: 1, nextAttemptAt: now }],
  crosswalk: [],
  deadLetters: [],
  echoMarks: [],
  consumedEchoMarks: [],
  release: [{ spec: 'accounts', sourceId }],
});

describe('SQLite inbox store', () => {
  let t: TestStore<SqliteInboxStore> | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('claims a version stored while its key was leased, even when later claims read past it', async () => {
    t = await sqliteTestStore();
    const s = t.store;
    const claim = (limit: number, now: number) => s.claim({ spec: 'accounts', owner: 'w', limit, leaseMs: 60_000, now });
    await s.insertEvents([ev('a', '1'), ev('b', '1')]);
    const [a] = await claim(1, 2000);
    expect(a?.sourceId).toBe('a');
    // A newer version of the leased key arrives, then other keys after it.
    await s.insertEvents([ev('a', '2'), ev('c', '1'), ev('d', '1'), ev('e', '1')]);
    expect((await claim(1, 2000)).map((l) => l.sourceId)).toEqual(['b']);
    expect((await claim(1, 2000)).map((l) => l.sourceId)).toEqual(['c']);
    await s.settle(done('w', 2000, a?.events[0]?.id as number, 'a'));
    // Claims that fill up without it may pass over `a` version 2 for a while, but not for long.
    const later = [...(await claim(1, 2000)), ...(await claim(1, 3001))];
    const lane = later.find((l) => l.sourceId === 'a');
    expect(lane?.events.map((e) => e.sourceVersion)).toEqual(['2']);
    const rest = await claim(10, 3001);
    expect([...later, ...rest].map((l) => l.sourceId).sort()).toEqual(['a', 'd', 'e']);
  });

  it('answers writes from its writer thread and refuses them after close', async () => {
    t = await sqliteTestStore();
    const s = t.store;
    const results = await Promise.all([s.insertEvents([ev('a', '1')]), s.insertEvents([ev('a', '1'), ev('b', '1')])]);
    expect(results.map((r) => r.inserted).reduce((x, y) => x + y)).toBe(2);
    expect(results.map((r) => r.duplicates).reduce((x, y) => x + y)).toBe(1);
    expect(await s.depth()).toEqual({ accounts: 2 });
    await s.close();
    await expect(s.insertEvents([ev('c', '1')])).rejects.toThrow(/closed/);
  });
});
