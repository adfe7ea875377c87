/** One suite, run against both store implementations (SQLite file and a fresh PostgreSQL schema). */
import { afterEach, describe, expect, it } from 'vitest';
import { STORE_KINDS, testStore, type TestStore } from '../../test/runtime/stores.ts';
import { PostgresInboxStore } from './postgres.ts';
import type { NewEvent, Settlement } from './store.ts';

const ev = (sourceId: string, sourceVersion: string, extra: Partial<NewEvent> = {}): NewEvent => ({
  spec: 'accounts',
  sourceId,
  sourceVersion,
  payload: { Id: sourceId, Name: `名字 ${sourceId}`, v: sourceVersion },
  receivedAt: 1000,
  ...extra,
});

const emptySettlement = (owner: string, now: number): Settlement => ({
  owner,
  now,
  events: [],
  crosswalk: [],
  deadLetters: [],
  echoMarks: [],
  consumedEchoMarks: [],
  release: [],
});

describe.each(STORE_KINDS)('%s inbox store', (kind) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('migrates a fresh database once and is idempotent', async () => {
    t = await testStore(kind, { migrate: false });
    expect(await t.store.migrate()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await t.store.migrate()).toEqual([]);
    await t.store.ping();
    const again = await t.reopen();
    expect(await again.migrate()).toEqual([]);
  });

  it('upgrades a version-6 database without losing its events', async () => {
    // Version 6 is the last one whose inserts need no queue table (PostgreSQL, migration 7).
    t = await testStore(kind, { upTo: 6 });
    const old = [ev('001', '1'), ev('001', '2'), ev('002', '1'), ev('003', '1')];
    if (t.store instanceof PostgresInboxStore) {
      // Today's insert writes the queue too; rows as a version-6 worker stored them.
      for (const e of old) {
        await t.store.pool.query(
          'INSERT INTO inbox_events (spec, source_id, source_version, payload, received_at, next_attempt_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5, $5)',
          [e.spec, e.sourceId, e.sourceVersion, JSON.stringify(e.payload), e.receivedAt],
        );
      }
    } else {
      expect((await t.store.insertEvents(old)).inserted).toBe(4);
    }
    const upgraded = await t.reopen();
    expect(await upgraded.migrate()).toEqual([7]);
    // Every pending event is queued: depth, oldest, and claims see them all, each key's versions in order.
    expect(await upgraded.depth()).toEqual({ accounts: 4 });
    const lanes = await upgraded.claim({ spec: 'accounts', owner: 'w1', limit: 10, leaseMs: 1000, now: 2000 });
    expect(lanes.map((l) => [l.sourceId, l.events.map((e) => e.sourceVersion)])).toEqual([['001', ['1', '2']], ['002', ['1']], ['003', ['1']]]);
    expect((await upgraded.insertEvents([ev('004', '1', { deliveryId: 'd-1' })])).inserted).toBe(1);
    expect(await upgraded.depth()).toEqual({ accounts: 5 });
  });

  it('dedupes on (spec, source id, source version) and replays by delivery id', async () => {
    t = await testStore(kind);
    const s = t.store;
    expect(await s.insertEvents([ev('a', '1'), ev('a', '1'), ev('a', '2')])).toEqual({ inserted: 2, duplicates: 0, replayed: 0 });
    expect(await s.insertEvents([ev('a', '1')])).toEqual({ inserted: 0, duplicates: 1, replayed: 0 });
    expect(await s.insertEvents([ev('a', '1', { spec: 'other' })])).toEqual({ inserted: 1, duplicates: 0, replayed: 0 });
    expect(await s.insertEvents([ev('b', '1', { deliveryId: 'x' })])).toEqual({ inserted: 1, duplicates: 0, replayed: 0 });
    expect(await s.insertEvents([ev('b', '9', { deliveryId: 'x' })])).toEqual({ inserted: 0, duplicates: 0, replayed: 1 });
    expect(await s.depth()).toEqual({ accounts: 3, other: 1 });
    await s.insertEvents([ev('c', '1', { receivedAt: 500 })]);
    expect(await s.oldestPending()).toEqual({ accounts: 500, other: 1000 });
  });

  it('keeps payloads byte-exact, including Chinese text, nulls and nesting', async () => {
    t = await testStore(kind);
    const payload = { Name: '上海某某贸易有限公司', Note: null, Lines: [{ q: 1.5, u: 'Pcs"\'\\' }], Empty: '' };
    await t.store.insertEvents([ev('p', '1', { payload, cursor: '2026-01-01T00:00:00.000Z', deleted: true })]);
    const [lane] = await t.store.claim({ spec: 'accounts', owner: 'w', limit: 1, leaseMs: 100, now: 1000 });
    expect(lane?.events[0]).toMatchObject({ payload, cursor: '2026-01-01T00:00:00.000Z', deleted: true, state: 'pending', attempts: 0 });
  });

  it('keeps payloads with escapes JSON text must keep (NUL, lone surrogates, line separators) in a group', async () => {
    t = await testStore(kind);
    const odd = { a: 'x\ud800y', b: '\u0000', c: [1, '\udc00', { d: '\u2028"\\' }] };
    const plain = { Name: '上海' };
    await Promise.all([t.store.insertEvents([ev('o1', '1', { payload: odd })]), t.store.insertEvents([ev('o2', '1', { payload: plain })])]);
    const lanes = await t.store.claim({ spec: 'accounts', owner: 'w', limit: 10, leaseMs: 100, now: 1000 });
    expect(lanes.map((l) => [l.sourceId, l.events[0]?.payload])).toEqual([
      ['o1', odd],
      ['o2', plain],
    ]);
  });

  it('leases a key to one claimer, in version order, until settled or expired', async () => {
    t = await testStore(kind);
    const s = t.store;
    await s.insertEvents([ev('k1', '10'), ev('k1', '9'), ev('k2', '1'), ev('k3', '1')]);
    const first = await s.claim({ spec: 'accounts', owner: 'w1', limit: 2, leaseMs: 1000, now: 1000 });
    expect(first.map((l) => [l.sourceId, l.events.map((e) => e.sourceVersion)])).toEqual([
      ['k1', ['9', '10']],
      ['k2', ['1']],
    ]);
    const second = await s.claim({ spec: 'accounts', owner: 'w2', limit: 10, leaseMs: 1000, now: 1500 });
    expect(second.map((l) => l.sourceId)).toEqual(['k3']);
    // A new event for a leased key waits for the lease.
    await s.insertEvents([ev('k2', '2')]);
    expect(await s.claim({ spec: 'accounts', owner: 'w2', limit: 10, leaseMs: 1000, now: 1600 })).toEqual([]);
    // w1 restarts under the same id: it drops its old leases and can claim them at once.
    expect(await s.releaseOwner('w2')).toBe(1);
    expect((await s.claim({ spec: 'accounts', owner: 'w2', limit: 10, leaseMs: 1000, now: 1600 })).map((l) => l.sourceId)).toEqual(['k3']);
    // w1 "died": its lease expires and w2 takes the keys over.
    const takeover = await s.claim({ spec: 'accounts', owner: 'w2', limit: 10, leaseMs: 1000, now: 2000 });
    expect(takeover.map((l) => l.sourceId)).toEqual(['k1', 'k2']);
    expect(takeover[1]?.events.map((e) => e.sourceVersion)).toEqual(['1', '2']);
  });

  it('claims up to the limit in keys, not events, with every pending version of each', async () => {
    t = await testStore(kind);
    const versions = (id: string, n: number) => Array.from({ length: n }, (_, i) => ev(id, String(i + 1)));
    await t.store.insertEvents([...versions('m1', 6), ...versions('m2', 5), ev('m3', '1'), ...versions('m4', 3)]);
    const first = await t.store.claim({ spec: 'accounts', owner: 'w1', limit: 2, leaseMs: 1000, now: 1000 });
    expect(first.map((l) => [l.sourceId, l.events.length])).toEqual([
      ['m1', 6],
      ['m2', 5],
    ]);
    const rest = await t.store.claim({ spec: 'accounts', owner: 'w2', limit: 5, leaseMs: 1000, now: 1000 });
    expect(rest.map((l) => [l.sourceId, l.events.length])).toEqual([
      ['m3', 1],
      ['m4', 3],
    ]);
  });

  it('claims disjoint keys from two store handles racing (two worker processes)', async () => {
    t = await testStore(kind);
    const events = Array.from({ length: 60 }, (_, i) => ev(`key-${String(i).padStart(2, '0')}`, '1'));
    await t.store.insertEvents(events);
    const other = await t.reopen();
    const seen: string[] = [];
    for (let round = 0; round < 20; round++) {
      const [a, b] = await Promise.all([
        t.store.claim({ spec: 'accounts', owner: 'A', limit: 10, leaseMs: 60_000, now: 1000 }),
        other.claim({ spec: 'accounts', owner: 'B', limit: 10, leaseMs: 60_000, now: 1000 }),
      ]);
      seen.push(...a.map((l) => l.sourceId), ...b.map((l) => l.sourceId));
      if (a.length + b.length === 0) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(60);
  });

  it('skips events until their next attempt is due', async () => {
    t = await testStore(kind);
    await t.store.insertEvents([ev('r', '1')]);
    const [lane] = await t.store.claim({ spec: 'accounts', owner: 'w', limit: 1, leaseMs: 100, now: 1000 });
    const id = lane!.events[0]!.id;
    await t.store.settle({
      ...emptySettlement('w', 1001),
      events: [{ id, state: 'pending', attempts: 1, nextAttemptAt: 5000, lastError: 'SS5023: 503' }],
      release: [{ spec: 'accounts', sourceId: 'r' }],
    });
    expect(await t.store.claim({ spec: 'accounts', owner: 'w', limit: 1, leaseMs: 100, now: 4999 })).toEqual([]);
    const [again] = await t.store.claim({ spec: 'accounts', owner: 'w', limit: 1, leaseMs: 100, now: 5000 });
    expect(again?.events[0]).toMatchObject({ attempts: 1, lastError: 'SS5023: 503' });
  });

  it('settles done with the crosswalk, dead-letters with the input, and replays', async () => {
    t = await testStore(kind);
    const s = t.store;
    await s.insertEvents([ev('ok', '3'), ev('bad', '1')]);
    const lanes = await s.claim({ spec: 'accounts', owner: 'w', limit: 10, leaseMs: 100, now: 1000 });
    const okId = lanes.find((l) => l.sourceId === 'ok')!.events[0]!.id;
    const badId = lanes.find((l) => l.sourceId === 'bad')!.events[0]!.id;
    await s.settle({
      ...emptySettlement('w', 1100),
      events: [
        { id: okId, state: 'done', attempts: 1, nextAttemptAt: 1000 },
        { id: badId, state: 'dead', attempts: 1, nextAttemptAt: 1000, lastError: 'bad mapping' },
      ],
      crosswalk: [{ spec: 'accounts', sourceId: 'ok', targetId: 'T-9', targetKey: 'C-ok', sourceVersion: '3' }],
      deadLetters: [
        {
          eventId: badId,
          spec: 'accounts',
          sourceId: 'bad',
          sourceVersion: '1',
          reason: 'FQty: not a number',
          class: 'bad-mapping',
          code: 'SS5020',
          input: { Id: 'bad' },
          errors: [{ path: 'FQty', message: 'not a number', at: 'specs/a.yaml:12:5', code: 'SS5106' }],
          at: 'specs/a.yaml:12:5',
          createdAt: 1100,
        },
      ],
      release: lanes.map((l) => ({ spec: l.spec, sourceId: l.sourceId })),
    });
    expect(await s.crosswalkGet('accounts', ['ok', 'missing'])).toEqual(new Map([['ok', 'T-9']]));
    expect(await s.crosswalkByTargetId('accounts', 'T-9')).toMatchObject({ sourceId: 'ok', sourceVersion: '3' });
    expect(await s.depth()).toEqual({});
    const dlq = await s.listDeadLetters({});
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({ sourceId: 'bad', class: 'bad-mapping', at: 'specs/a.yaml:12:5', input: { Id: 'bad' } });
    expect(await s.deadLetterCounts()).toEqual({ accounts: 1 });
    expect(await s.replayDeadLetters([dlq[0]!.id, dlq[0]!.id], 2000)).toEqual([dlq[0]!.id]);
    expect(await s.replayDeadLetters([dlq[0]!.id], 2001)).toEqual([]);
    expect(await s.deadLetterCounts()).toEqual({});
    const [replayed] = await s.claim({ spec: 'accounts', owner: 'w', limit: 10, leaseMs: 100, now: 2000 });
    expect(replayed).toMatchObject({ sourceId: 'bad', events: [{ state: 'pending', attempts: 0 }] });
    // The delivered version comes back with the lane, so stale events can be superseded.
    await s.insertEvents([ev('ok', '2')]);
    const stale = await s.claim({ spec: 'accounts', owner: 'w', limit: 10, leaseMs: 100, now: 2000 });
    expect(stale.find((l) => l.sourceId === 'ok')?.deliveredVersion).toBe('3');
    expect(await s.listDeadLetters({ includeReplayed: true })).toHaveLength(1);
    expect(await s.unsettled('accounts', [{ sourceId: 'ok', sourceVersion: '3' }, { sourceId: 'ok', sourceVersion: '2' }])).toBe(1);
    // Unknown refs, other specs and an empty list count nothing; pending 'bad' and 'ok' v2 count once each.
    const refs = [{ sourceId: 'bad', sourceVersion: '1' }, { sourceId: 'nope', sourceVersion: '1' }, { sourceId: 'ok', sourceVersion: '2' }, { sourceId: 'ok', sourceVersion: '3' }];
    expect(await s.unsettled('accounts', refs)).toBe(2);
    expect(await s.unsettled('other', refs)).toBe(0);
    expect(await s.unsettled('accounts', [])).toBe(0);
  });

  it('moves, resets and records cursor history', async () => {
    t = await testStore(kind);
    const s = t.store;
    expect(await s.getCursor('accounts')).toEqual({ spec: 'accounts', position: undefined, updatedAt: undefined });
    await s.moveCursor('accounts', { at: '2026-01-01T00:00:00.000Z', id: 'a' }, 'poll', 'covered 3 records', 10);
    await s.moveCursor('accounts', { at: '2026-01-02T00:00:00.000Z', id: 'b' }, 'cli:ops', 'skip broken day', 20);
    await s.moveCursor('accounts', undefined, 'cli:ops', 'full resync', 30);
    expect(await s.getCursor('accounts')).toEqual({ spec: 'accounts', position: undefined, updatedAt: 30 });
    const history = await s.cursorHistory('accounts', 10);
    expect(history.map((m) => [m.from?.id, m.to?.id, m.who, m.why, m.at])).toEqual([
      ['b', undefined, 'cli:ops', 'full resync', 30],
      ['a', 'b', 'cli:ops', 'skip broken day', 20],
      [undefined, 'a', 'poll', 'covered 3 records', 10],
    ]);
    expect((await s.listCursors()).map((c) => c.spec)).toEqual(['accounts']);
  });

  it('finds live echo marks, consumes them and prunes settled rows', async () => {
    t = await testStore(kind);
    const s = t.store;
    await s.settle({
      ...emptySettlement('w', 100),
      echoMarks: [
        { system: 'salesforce', entity: 'Account', recordId: '001', written: { Name: 'A' }, expiresAt: 500 },
        { system: 'salesforce', entity: 'Account', recordId: '002', written: { Name: 'B' }, expiresAt: 150 },
      ],
    });
    const marks = await s.findEchoMarks('salesforce', 'Account', ['001', '002', '003'], 200);
    expect(marks.map((m) => [m.recordId, m.written])).toEqual([['001', { Name: 'A' }]]);
    await s.settle({ ...emptySettlement('w', 210), consumedEchoMarks: [marks[0]!.id] });
    expect(await s.findEchoMarks('salesforce', 'Account', ['001'], 220)).toEqual([]);
    await s.insertEvents([ev('x', '1', { deliveryId: 'd' })]);
    const [lane] = await s.claim({ spec: 'accounts', owner: 'w', limit: 1, leaseMs: 10, now: 1000 });
    await s.settle({
      ...emptySettlement('w', 1000),
      events: [{ id: lane!.events[0]!.id, state: 'done', attempts: 1, nextAttemptAt: 1000 }],
      release: [{ spec: 'accounts', sourceId: 'x' }],
    });
    expect(await s.prune(5000)).toBe(3);
    expect(await s.getEvent(lane!.events[0]!.id)).toBeUndefined();
  });
});

describe.each(STORE_KINDS)('%s inbox store under concurrent inserts', (kind) => {
  it('settles concurrent batches each on its own: a failing one is rolled back alone and keeps its lease', async () => {
    const t = await testStore(kind);
    try {
      const s = t.store;
      await s.insertEvents([ev('g1', '1'), ev('g2', '1')]);
      const lanes = await s.claim({ spec: 'accounts', owner: 'w1', limit: 10, leaseMs: 1000, now: 1000 });
      const [l1, l2] = lanes;
      if (!l1 || !l2) throw new Error('expected two lanes');
      const done = (lane: typeof l1) => ({ id: lane.events[0]!.id, state: 'done' as const, attempts: 1, nextAttemptAt: 1100 });
      const ok: Settlement = { ...emptySettlement('w1', 1100), events: [done(l1)], crosswalk: [{ spec: 'accounts', sourceId: 'g1', targetId: 't1', targetKey: 'G1', sourceVersion: '1' }], release: [{ spec: 'accounts', sourceId: 'g1' }] };
      // A dead letter without a reason violates NOT NULL: this settlement fails after its event update ran.
      const bad: Settlement = {
        ...emptySettlement('w1', 1100),
        events: [done(l2)],
        deadLetters: [{ eventId: l2.events[0]!.id, spec: 'accounts', sourceId: 'g2', sourceVersion: '1', reason: null as unknown as string, class: 'rejected', code: 'X', input: {}, errors: [], at: 'here', createdAt: 1100 }],
        release: [{ spec: 'accounts', sourceId: 'g2' }],
      };
      const [first, second] = await Promise.allSettled([s.settle(ok), s.settle(bad)]);
      expect(first.status).toBe('fulfilled');
      expect(second.status).toBe('rejected');
      expect(await s.crosswalkGet('accounts', ['g1', 'g2'])).toEqual(new Map([['g1', 't1']]));
      expect(await s.depth()).toEqual({ accounts: 1 });
      // g1 was released at once (a new version is claimable); g2 keeps its lease until it expires, then is claimable with its event pending.
      await s.insertEvents([ev('g1', '2')]);
      expect((await s.claim({ spec: 'accounts', owner: 'w2', limit: 10, leaseMs: 1000, now: 1200 })).map((l) => l.sourceId)).toEqual(['g1']);
      const after = await s.claim({ spec: 'accounts', owner: 'w2', limit: 10, leaseMs: 1000, now: 2100 });
      expect(after.map((l) => [l.sourceId, l.events.map((e) => e.state)])).toEqual([['g2', ['pending']]]);
    } finally {
      await t.dispose();
    }
  });

  it('settles concurrent common batches together, and a failing one alone', async () => {
    const t = await testStore(kind);
    try {
      const s = t.store;
      await s.insertEvents([ev('h1', '1'), ev('h2', '1'), ev('h3', '1')]);
      const lanes = await s.claim({ spec: 'accounts', owner: 'w1', limit: 10, leaseMs: 1000, now: 1000 });
      expect(lanes.map((l) => l.sourceId)).toEqual(['h1', 'h2', 'h3']);
      const settlement = (lane: (typeof lanes)[number], targetId: string): Settlement => ({
        ...emptySettlement('w1', 1100),
        events: [{ id: lane.events[0]!.id, state: 'done', attempts: 1, nextAttemptAt: 1100 }],
        crosswalk: [{ spec: 'accounts', sourceId: lane.sourceId, targetId, targetKey: lane.sourceId.toUpperCase(), sourceVersion: '1' }],
        release: [{ spec: 'accounts', sourceId: lane.sourceId }],
      });
      // A crosswalk entry without a target id violates NOT NULL: that settlement cannot commit.
      const results = await Promise.allSettled([
        s.settle(settlement(lanes[0]!, 't1')),
        s.settle(settlement(lanes[1]!, null as unknown as string)),
        s.settle(settlement(lanes[2]!, 't3')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await s.crosswalkGet('accounts', ['h1', 'h2', 'h3'])).toEqual(new Map([['h1', 't1'], ['h3', 't3']]));
      expect(await s.depth()).toEqual({ accounts: 1 });
      // h1 and h3 were released; h2 keeps its lease until it expires.
      await s.insertEvents([ev('h1', '2'), ev('h2', '2'), ev('h3', '2')]);
      expect((await s.claim({ spec: 'accounts', owner: 'w2', limit: 10, leaseMs: 1000, now: 1200 })).map((l) => l.sourceId)).toEqual(['h1', 'h3']);
    } finally {
      await t.dispose();
    }
  });

  it('group-commits concurrent calls and gives each its own counts', async () => {
    const t = await testStore(kind);
    try {
      const calls = await Promise.all([
        t.store.insertEvents([ev('a', '1'), ev('b', '1')]),
        t.store.insertEvents([ev('a', '1'), ev('c', '1', { deliveryId: 'd' })]),
        t.store.insertEvents([ev('c', '2', { deliveryId: 'd' })]),
        t.store.insertEvents([]),
      ]);
      expect(calls).toEqual([
        { inserted: 2, duplicates: 0, replayed: 0 },
        { inserted: 1, duplicates: 1, replayed: 0 },
        { inserted: 0, duplicates: 0, replayed: 1 },
        { inserted: 0, duplicates: 0, replayed: 0 },
      ]);
      expect(await t.store.depth()).toEqual({ accounts: 3 });
    } finally {
      await t.dispose();
    }
  });
});
