import { afterEach, describe, expect, it } from 'vitest';
import { accountTransform, makePlan, MemoryConnector } from '../../test/runtime/fixtures.ts';
import { STORE_KINDS, testStore, type TestStore } from '../../test/runtime/stores.ts';
import { manualClock } from '../clock.ts';
import { CircuitBreaker } from '../delivery/breaker.ts';
import { Deliverer } from '../delivery/deliverer.ts';
import { Intake } from '../intake/intake.ts';
import { silentLogger } from '../ops/log.ts';
import type { SourceRecord } from '../support/connector.ts';
import { Poller } from './poller.ts';

/** Lets a little real time pass: the SQLite store commits on its writer thread, PostgreSQL over a socket. */
const tick = () => new Promise<void>((r) => setTimeout(r, 2));

const rec = (id: string, at: string, version = at): SourceRecord => ({ id, version, cursor: at, data: { Id: id, Name: `n${id}` } });

describe.each(STORE_KINDS)('Poller on %s', (kind) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  async function setup(overlapMs = 0, bounds: { maxUnsettled?: number; checkpointEvery?: number } = {}) {
    t = await testStore(kind);
    const clock = manualClock(0);
    const log = silentLogger();
    const source = new MemoryConnector('salesforce');
    const target = new MemoryConnector();
    const intake = new Intake({ store: t.store, clock, log });
    const poller = new Poller({ spec: 'accounts', entity: 'Account', source, store: t.store, intake, clock, log, everyMs: 60_000, overlapMs, pageSize: 2, settleCheckMs: 100, ...bounds });
    const d = new Deliverer({ store: t.store, plan: makePlan({ name: 'accounts' }), transform: accountTransform, target, breaker: new CircuitBreaker({ clock }), clock, log, owner: 'w', rand: () => 1 });
    const deliver = async () => {
      while ((await d.step()) > 0);
      await d.flush();
    };
    /** One poll, with delivery running while it waits for its records to settle. */
    const poll = async () => {
      const p = poller.pollOnce();
      for (let i = 0; i < 2000; i++) {
        await deliver();
        await clock.advance(100);
        const done = await Promise.race([p.then(() => true), tick().then(() => false)]);
        if (done) break;
      }
      return p;
    };
    return { store: t.store, clock, source, target, poller, poll, deliver };
  }

  it('pages to the end, ties across a page boundary are neither lost nor repeated, cursor moves after delivery', async () => {
    const { store, source, target, poll } = await setup();
    const T = '2026-03-01T00:00:00.000Z';
    source.source = [rec('a', T), rec('b', T), rec('c', T), rec('d', '2026-03-01T00:00:01.000Z')];
    const first = await poll();
    expect(first).toMatchObject({ read: 4, stored: 4, advanced: true, to: { at: '2026-03-01T00:00:01.000Z', id: 'd' } });
    expect([...target.writes.entries()]).toEqual([['a', 1], ['b', 1], ['c', 1], ['d', 1]]);
    // A late record sharing the cursor's timestamp with a higher id, and one with a lower id: the inclusive
    // read returns both; the delivered ones are dropped by the dedupe and the new ones flow once.
    source.source.push(rec('e', '2026-03-01T00:00:01.000Z'), rec('c', '2026-03-01T00:00:01.000Z', 'v2'));
    const second = await poll();
    expect(second).toMatchObject({ read: 3, stored: 2, advanced: true, to: { at: '2026-03-01T00:00:01.000Z', id: 'e' } });
    expect([...target.writes.entries()].sort()).toEqual([['a', 1], ['b', 1], ['c', 2], ['d', 1], ['e', 1]]);
    const history = await store.cursorHistory('accounts', 10);
    expect(history.map((h) => [h.who, h.to?.id])).toEqual([['poll', 'e'], ['poll', 'd']]);
  });

  it('does not move the cursor while a covered record is still being retried', async () => {
    const { store, source, target, poller, deliver, clock } = await setup();
    target.reply = (item) => ({ key: item.key, status: 'retry', error: { code: 'HTTP503', class: 'retryable', message: 'down' } });
    source.source = [rec('a', '2026-03-01T00:00:00.000Z')];
    let finished = false;
    const p = poller.pollOnce().then((r) => {
      finished = true;
      return r;
    });
    for (let i = 0; i < 5; i++) {
      await tick();
      await deliver();
      await clock.advance(100);
    }
    expect(finished).toBe(false);
    expect((await store.getCursor('accounts')).position).toBeUndefined();
    target.reply = (item) => ({ key: item.key, status: 'ok', targetId: 'x' });
    for (let i = 0; i < 2000 && !finished; i++) {
      await clock.advance(1000);
      await deliver();
      await tick();
    }
    expect((await p).advanced).toBe(true);
    expect((await store.getCursor('accounts')).position).toEqual({ at: '2026-03-01T00:00:00.000Z', id: 'a' });
  });

  it('re-reads the overlap window and catches a record that appeared late with an older timestamp', async () => {
    const { source, target, poll } = await setup(120_000);
    source.source = [rec('a', '2026-03-01T00:10:00.000Z')];
    await poll();
    source.source.push(rec('late', '2026-03-01T00:09:00.000Z'));
    const r = await poll();
    expect(r).toMatchObject({ read: 2, stored: 1, advanced: false });
    expect(target.writes.get('late')).toBe(1);
    expect(target.writes.get('a')).toBe(1);
  });

  it('uses the connector checkpoint when it gives one', async () => {
    const { store, source, poll } = await setup();
    source.source = [rec('a', '2026-03-01T00:00:00.000Z'), rec('b', '2026-03-01T00:00:05.000Z')];
    const read = source.readChanges.bind(source);
    source.readChanges = async (...args) => {
      const page = await read(...args);
      return page.next === undefined ? { ...page, checkpoint: { at: '2026-03-01T00:00:03.000Z', id: 'zz' } } : page;
    };
    await poll();
    expect((await store.getCursor('accounts')).position).toEqual({ at: '2026-03-01T00:00:03.000Z', id: 'zz' });
  });

  it('stops reading while too many records wait for delivery, and moves the cursor part-way at settled checkpoints', async () => {
    const { store, source, target, poller, deliver, clock } = await setup(0, { maxUnsettled: 2, checkpointEvery: 2 });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    source.source = ids.map((id, i) => rec(id, `2026-03-01T00:00:0${i}.000Z`));
    let reads = 0;
    const read = source.readChanges.bind(source);
    source.readChanges = async (...args) => {
      reads++;
      const page = await read(...args);
      const last = page.records.at(-1);
      return last ? { ...page, checkpoint: { at: last.cursor as string, id: last.id } } : page;
    };
    let finished = false;
    const p = poller.pollOnce().then((r) => {
      finished = true;
      return r;
    });
    // Two pages stored (4 records > 2 unsettled) and the third fetched ahead; nothing read beyond it.
    await expect.poll(() => reads).toBe(3);
    for (let i = 0; i < 20; i++) await tick();
    expect(reads).toBe(3);
    expect(finished).toBe(false);
    expect((await store.getCursor('accounts')).position).toBeUndefined();
    for (let i = 0; i < 2000 && !finished; i++) {
      await deliver();
      await clock.advance(100);
      await tick();
    }
    expect(await p).toMatchObject({ read: 10, stored: 10, advanced: true, to: { at: '2026-03-01T00:00:09.000Z', id: 'j' } });
    expect([...target.writes.keys()].sort()).toEqual(ids);
    const moves = (await store.cursorHistory('accounts', 10)).map((h) => h.to?.id).reverse();
    // Part-way moves only to checkpoints whose pages were settled, in order, ending at the last record.
    expect(moves.length).toBeGreaterThan(1);
    expect(moves.at(-1)).toBe('j');
    expect([...moves].sort()).toEqual(moves);
  });
});
