import { afterEach, describe, expect, it } from 'vitest';
import { accountTransform, makePlan, MemoryConnector } from '../../test/runtime/fixtures.ts';
import { STORE_KINDS, testStore, type TestStore } from '../../test/runtime/stores.ts';
import { manualClock } from '../clock.ts';
import type { NewEvent } from '../inbox/store.ts';
import { silentLogger } from '../ops/log.ts';
import { CircuitBreaker } from './breaker.ts';
import { Deliverer, type DelivererOptions } from './deliverer.ts';

const ev = (sourceId: string, sourceVersion: string, data: Record<string, unknown> = {}, spec = 'accounts'): NewEvent => ({
  spec,
  sourceId,
  sourceVersion,
  payload: { Id: sourceId, Name: `客户 ${sourceId}`, ...data },
  receivedAt: 0,
});

describe.each(STORE_KINDS)('Deliverer on %s', (kind) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  async function setup(over: Partial<DelivererOptions> = {}, plan = makePlan({ name: 'accounts' }), threshold = 2) {
    t = await testStore(kind);
    const clock = manualClock(0);
    const target = new MemoryConnector();
    const breaker = new CircuitBreaker({ clock, threshold, coolDownMs: 10_000 });
    const d = new Deliverer({ store: t.store, plan, transform: accountTransform, target, breaker, clock, log: silentLogger(), owner: 'w1', rand: () => 1, ...over });
    const round = async () => {
      while ((await d.step()) > 0);
      await d.flush();
    };
    return { store: t.store, clock, target, breaker, d, round };
  }

  it('delivers the newest version per key, filters, and fills the crosswalk', async () => {
    const { store, target, round } = await setup();
    await store.insertEvents([ev('A1', '2', { Name: '新' }), ev('A1', '1', { Name: '旧' }), ev('A2', '1'), ev('A3', '1', { Active: false })]);
    await round();
    expect(target.calls).toHaveLength(1);
    expect(target.calls[0]?.map((i) => [i.key, i.record.FName])).toEqual([
      ['A1', '新'],
      ['A2', '客户 A2'],
    ]);
    expect(target.calls[0]?.[0]?.idempotencyKey).toMatch(/^[\w-]{43}$/);
    expect(await store.crosswalkGet('accounts', ['A1', 'A2', 'A3'])).toEqual(new Map([['A1', 'T-A1'], ['A2', 'T-A2']]));
    expect(await store.depth()).toEqual({});
    // An out-of-order older version arriving later is superseded, not written.
    await store.insertEvents([ev('A1', '0', { Name: '更旧' })]);
    await round();
    expect(target.calls).toHaveLength(1);
    expect(target.records.get('A1')?.FName).toBe('新');
  });

  it('frees a batch\'s target slot once the target answered, while its settlement still commits', async () => {
    const base = makePlan({ name: 'accounts' });
    const { store, target, d } = await setup({ maxInFlightBatches: 1, idleMs: 5 }, { ...base, delivery: { ...base.delivery, batchSize: 1 } });
    // Settlements wait for a gate: the store is slow to commit.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const settle = store.settle.bind(store);
    store.settle = async (s) => {
      await gate;
      return settle(s);
    };
    await store.insertEvents([ev('S1', '1'), ev('S2', '1'), ev('S3', '1')]);
    d.start();
    // With one slot, later batches go out while the first batch's settlement is still committing.
    await expect.poll(() => target.calls.length).toBeGreaterThanOrEqual(2);
    expect(await store.depth()).toEqual({ accounts: 3 });
    open();
    await expect.poll(() => store.depth()).toEqual({});
    await d.stop();
    expect(target.calls.flatMap((c) => c.map((i) => i.key)).sort()).toEqual(['S1', 'S2', 'S3']);
  });

  it('does not lose a wake that comes while a claim is running (the events would wait out the idle interval)', async () => {
    // The clock stands still until S1 was claimed: an idle wait would not end, so only the remembered
    // wake can bring the second claim.
    const { store, clock, target, d } = await setup({ idleMs: 60_000 });
    const claim = store.claim.bind(store);
    let claims = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    store.claim = async (req) => {
      if (++claims > 1) return claim(req);
      // The first claim read the inbox before S1 was stored: it finds nothing, but only after the wake came.
      await gate;
      return [];
    };
    d.start();
    await expect.poll(() => claims).toBe(1);
    await store.insertEvents([ev('S1', '1')]);
    d.wake();
    open();
    await expect.poll(() => claims).toBe(2);
    // Then the batch's wait for more records runs out.
    await clock.advance(1_000);
    await expect.poll(() => target.calls.flat().map((i) => i.key)).toEqual(['S1']);
    await d.stop();
  });

  it('dead-letters a bad mapping with the field errors and spec positions while the rest flow', async () => {
    const { store, target, round } = await setup();
    await store.insertEvents([ev('B1', '1', { Name: 'BAD' }), ev('B2', '1'), ev('B3', '1', { Id: '' })]);
    await round();
    expect([...target.records.keys()]).toEqual(['B2']);
    const dlq = await store.listDeadLetters({});
    expect(dlq.map((d) => [d.sourceId, d.class, d.code, d.at])).toEqual([
      ['B1', 'bad-mapping', 'SS5020', 'specs/accounts.yaml:11:12'],
      ['B3', 'bad-mapping', 'SS5020', 'specs/accounts.yaml:10:14'],
    ]);
    expect(dlq[0]?.errors).toEqual([{ path: 'FName', message: 'name must not be BAD', at: 'specs/accounts.yaml:11:12', code: 'SS5117' }]);
    expect(dlq[0]?.input).toMatchObject({ Id: 'B1', Name: 'BAD' });
  });

  it('retries throttled records after Retry-After, then dead-letters when attempts run out', async () => {
    const { store, clock, target, round } = await setup({}, undefined, 10);
    target.reply = (item, call) =>
      item.key === 'C1' && call === 0
        ? { key: item.key, status: 'retry', error: { code: 'HTTP429', class: 'throttled', message: 'slow down', retryAfterMs: 5000 } }
        : item.key === 'C2'
          ? { key: item.key, status: 'retry', error: { code: 'HTTP503', class: 'retryable', message: 'unavailable' } }
          : { key: item.key, status: 'ok', targetId: `T-${item.key}` };
    await store.insertEvents([ev('C1', '1'), ev('C2', '1'), ev('C3', '1')]);
    await round();
    expect(target.calls[0]?.map((i) => i.key)).toEqual(['C1', 'C2', 'C3']);
    await clock.advance(999);
    await round();
    expect(target.calls).toHaveLength(1);
    await clock.advance(1); // t=1000: C2's 1 s backoff is over; C1 honours its 5 s Retry-After
    await round();
    expect(target.calls[1]?.map((i) => i.key)).toEqual(['C2']);
    await clock.advance(2000); // t=3000: C2's third attempt (2 s backoff) — the last one allowed
    await round();
    expect(target.calls[2]?.map((i) => i.key)).toEqual(['C2']);
    await clock.advance(2000); // t=5000
    await round();
    expect(target.calls[3]?.map((i) => i.key)).toEqual(['C1']);
    expect(target.records.has('C1')).toBe(true);
    const dlq = await store.listDeadLetters({});
    expect(dlq.map((d) => [d.sourceId, d.code, d.class])).toEqual([['C2', 'SS5022', 'retryable']]);
    expect(dlq[0]?.errors).toEqual([{ code: 'HTTP503', message: 'unavailable' }]);
  });

  it('dead-letters records the target rejects, with the vendor code', async () => {
    const { store, target, round } = await setup();
    target.reply = (item) =>
      item.key === 'D1'
        ? { key: item.key, status: 'reject', error: { code: 'REJECTED', class: 'rejected', message: '编码重复', vendorCode: 'DUPLICATE_VALUE' } }
        : { key: item.key, status: 'ok', targetId: 'x' };
    await store.insertEvents([ev('D1', '1'), ev('D2', '1')]);
    await round();
    const [d] = await store.listDeadLetters({});
    expect(d).toMatchObject({ sourceId: 'D1', code: 'SS5021', class: 'rejected', errors: [{ vendorCode: 'DUPLICATE_VALUE', message: '编码重复' }] });
  });

  it('opens the breaker after failing calls and holds records without using attempts', async () => {
    const { store, clock, target, breaker, round } = await setup();
    target.fail = new Error('ECONNRESET');
    await store.insertEvents([ev('E1', '1')]);
    await round();
    await clock.advance(1000);
    await round();
    expect(breaker.state).toBe('open');
    expect(target.calls).toHaveLength(2);
    await clock.advance(2000);
    await round();
    expect(target.calls).toHaveLength(2); // open: not called
    expect(await store.claim({ spec: 'accounts', owner: 'probe', limit: 1, leaseMs: 1, now: 10_999 })).toEqual([]);
    const held = await store.claim({ spec: 'accounts', owner: 'probe', limit: 1, leaseMs: 1, now: 11_000 });
    expect(held[0]?.events[0]?.attempts).toBe(2);
    expect(held[0]?.events[0]?.lastError).toContain('SS5025');
  });

  it('resolves ref() through the crosswalk of another spec', async () => {
    const { store, target, round } = await setup();
    await store.settle({
      owner: 'x', now: 0, events: [], deadLetters: [], echoMarks: [], consumedEchoMarks: [], release: [],
      crosswalk: [{ spec: 'parents', sourceId: 'P1', targetId: 'K-100', targetKey: 'P1', sourceVersion: '1' }],
    });
    // F3 asks for the same parent as F1 in the same batch: it waits for that look-up as F1 does.
    await store.insertEvents([ev('F1', '1', { ParentId: 'P1' }), ev('F2', '1', { ParentId: 'P404' }), ev('F3', '1', { ParentId: 'P1' })]);
    await round();
    expect(target.records.get('F1')).toEqual({ FNumber: 'F1', FName: '客户 F1', FParentId: 'K-100' });
    expect(target.records.get('F2')).toEqual({ FNumber: 'F2', FName: '客户 F2' });
    expect(target.records.get('F3')).toEqual({ FNumber: 'F3', FName: '客户 F3', FParentId: 'K-100' });
  });

  it('suppresses the echo of its own write in a two-way flow, once', async () => {
    t = await testStore(kind);
    const clock = manualClock(0);
    const log = silentLogger();
    // Forward: CRM Account → ERP customer, remembering writes. Backward: ERP customer → CRM, checking echoes.
    const erp = new MemoryConnector('kingdee-k3cloud');
    const crm = new MemoryConnector('salesforce');
    const forward = new Deliverer({
      store: t.store, plan: makePlan({ name: 'accounts' }), transform: accountTransform, target: erp,
      breaker: new CircuitBreaker({ clock }), clock, log, owner: 'w', markWrites: true,
    });
    const backPlan = makePlan({
      name: 'customers-back',
      source: { connection: 'erp', system: 'kingdee-k3cloud', entity: 'BD_Customer', key: 'FNumber' },
      target: { connection: 'crm', system: 'salesforce', entity: 'Account', key: 'FNumber' },
    });
    const backward = new Deliverer({
      store: t.store, plan: backPlan, transform: { filter: () => true, transform: (s) => ({ ok: true, value: { ...s } }) },
      target: crm, breaker: new CircuitBreaker({ clock }), clock, log, owner: 'w', checkEchoes: true,
    });
    await t.store.insertEvents([ev('G1', '1', { Name: '甲' })]);
    while ((await forward.step()) > 0);
    await forward.flush();
    // The ERP reports the record we wrote (with its own extra fields) → echo; then a real edit → flows back.
    await t.store.insertEvents([
      { spec: 'customers-back', sourceId: 'T-G1', sourceVersion: '1', payload: { FNumber: 'G1', FName: '甲', FModifyDate: 'x' }, receivedAt: 0 },
    ]);
    while ((await backward.step()) > 0);
    await backward.flush();
    expect(crm.calls).toHaveLength(0);
    await t.store.insertEvents([
      { spec: 'customers-back', sourceId: 'T-G1', sourceVersion: '2', payload: { FNumber: 'G1', FName: '甲乙', FModifyDate: 'y' }, receivedAt: 0 },
    ]);
    while ((await backward.step()) > 0);
    await backward.flush();
    expect(crm.calls).toHaveLength(1);
  });
});

describe('Deliverer ordering while backing off', () => {
  it('a late older version does not bypass the newest version\'s backoff', async () => {
    const t = await testStore('sqlite');
    try {
      const clock = manualClock(0);
      const target = new MemoryConnector();
      let fail = true;
      target.reply = (item) => (fail ? { key: item.key, status: 'retry', error: { code: 'HTTP503', class: 'retryable', message: 'down' } } : { key: item.key, status: 'ok', targetId: 'x' });
      const d = new Deliverer({ store: t.store, plan: makePlan({ name: 'accounts' }), transform: accountTransform, target, breaker: new CircuitBreaker({ clock, threshold: 99 }), clock, log: silentLogger(), owner: 'w', rand: () => 1 });
      const round = async () => {
        while ((await d.step()) > 0);
        await d.flush();
      };
      await t.store.insertEvents([ev('H1', '2', { Name: 'v2' })]);
      await round(); // v2 fails, backs off until t=1000
      fail = false;
      await t.store.insertEvents([ev('H1', '1', { Name: 'v1' })]);
      await clock.advance(500);
      await round();
      expect(target.calls).toHaveLength(1);
      await clock.advance(500);
      await round();
      expect(target.calls.map((c) => c.map((i) => i.record.FName))).toEqual([['v2'], ['v2']]);
      expect(target.records.get('H1')?.FName).toBe('v2');
    } finally {
      await t.dispose();
    }
  });
});

describe('Deliverer when the store hiccups', () => {
  it('retries settling a delivered batch instead of writing it again', async () => {
    const t = await testStore('sqlite');
    try {
      const clock = manualClock(0);
      const target = new MemoryConnector();
      let failures = 0;
      const real = t.store;
      const store = new Proxy(real, {
        get(target, prop) {
          if (prop === 'settle') {
            return async (s: Parameters<typeof real.settle>[0]) => {
              if (failures === 0) {
                failures++;
                throw new Error('Connection terminated unexpectedly');
              }
              return real.settle(s);
            };
          }
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const d = new Deliverer({ store, plan: makePlan({ name: 'accounts' }), transform: accountTransform, target, breaker: new CircuitBreaker({ clock }), clock, log: silentLogger(), owner: 'w' });
      await t.store.insertEvents([ev('S1', '1')]);
      while ((await d.step()) > 0);
      const flushed = d.flush();
      await expect.poll(() => failures).toBe(1);
      await clock.advance(100);
      await flushed;
      expect(target.calls).toHaveLength(1);
      expect(await t.store.depth()).toEqual({});
      expect(await t.store.crosswalkGet('accounts', ['S1'])).toEqual(new Map([['S1', 'T-S1']]));
    } finally {
      await t.dispose();
    }
  });
});
