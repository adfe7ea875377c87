/** The operations commands, through the real `syncspec` dispatcher, on both store kinds. */
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../cli/io.ts';
import { main } from '../../cli/main.ts';
import { STORE_KINDS, testStore, type TestStore } from '../../test/runtime/stores.ts';

function io(cwd = '/nonexistent-dir'): CliIO & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    cwd,
    env: {},
    isTTY: false,
    stdout: (t: string) => void (o.out += t),
    stderr: (t: string) => void (o.err += t),
  };
  return o;
}

describe.each(STORE_KINDS)('syncspec dlq / cursor on %s', (kind) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  async function seed() {
    t = await testStore(kind);
    await t.store.insertEvents([
      { spec: 'orders', sourceId: 'SO-1', sourceVersion: '1', payload: { OrderNumber: 'SO-1', 备注: '加急' }, receivedAt: 0 },
      { spec: 'orders', sourceId: 'SO-2', sourceVersion: '1', payload: { OrderNumber: 'SO-2' }, receivedAt: 0 },
    ]);
    const lanes = await t.store.claim({ spec: 'orders', owner: 'w', limit: 10, leaseMs: 10, now: 0 });
    await t.store.settle({
      owner: 'w', now: 5, crosswalk: [], echoMarks: [], consumedEchoMarks: [],
      release: lanes.map((l) => ({ spec: l.spec, sourceId: l.sourceId })),
      events: lanes.map((l) => ({ id: l.events[0]!.id, state: 'dead' as const, attempts: 1, nextAttemptAt: 0 })),
      deadLetters: lanes.map((l) => ({
        eventId: l.events[0]!.id, spec: 'orders', sourceId: l.sourceId, sourceVersion: '1',
        reason: `FQty: not a number`, class: 'bad-mapping' as const, code: 'SS5020', input: l.events[0]!.payload,
        errors: [{ path: 'FQty', message: 'not a number', at: 'specs/orders.yaml:30:9', code: 'SS5106' }],
        at: 'specs/orders.yaml:30:9', createdAt: 5,
      })),
    });
    return t;
  }

  it('lists, shows and replays dead letters', async () => {
    const { location, store } = await seed();
    const list = io();
    expect(await main(['dlq', 'list', '--store', location], list)).toBe(0);
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+SPEC\s+SOURCE ID\s+VERSION\s+CLASS\s+CODE\s+REPLAYED\s+REASON$/);
    expect(list.out).toMatch(/1\s+orders\s+SO-1\s+1\s+bad-mapping\s+SS5020\s+no\s+FQty: not a number/);
    const show = io();
    expect(await main(['dlq', 'show', '1', '--store', location], show)).toBe(0);
    expect(show.out).toContain('at:       specs/orders.yaml:30:9');
    expect(show.out).toContain('"备注": "加急"');
    const json = io();
    expect(await main(['dlq', 'list', '--json', '--spec', 'orders', '--store', location], json)).toBe(0);
    expect(JSON.parse(json.out)).toHaveLength(2);
    const replay = io();
    expect(await main(['dlq', 'replay', '1', '--store', location], replay)).toBe(0);
    expect(replay.out).toBe('replayed 1 dead letter(s): 1\n');
    expect(await store.depth()).toEqual({ orders: 1 });
    const again = io();
    expect(await main(['dlq', 'replay', '1', '99', '--store', location], again)).toBe(1);
    expect(again.err).toContain('SS5080: dead letter 1 not found or already replayed');
    const bySpec = io();
    expect(await main(['dlq', 'replay', '--spec', 'orders', '--store', location], bySpec)).toBe(0);
    expect(bySpec.out).toBe('replayed 1 dead letter(s): 2\n');
    const missing = io();
    expect(await main(['dlq', 'show', '42', '--store', location], missing)).toBe(1);
    expect(missing.err).toContain('SS5080');
  });

  it('sets, shows and resets a cursor, recording who and why', async () => {
    const { location, store } = await seed();
    const set = io();
    expect(await main(['cursor', 'set', 'orders', '2026-03-01T08:00:00+08:00,SO-9', '--reason', 'skip the broken import', '--who', 'li.lei', '--store', location], set)).toBe(0);
    expect(set.out).toBe('SS5042 cursor of orders moved: (start) → 2026-03-01T00:00:00.000Z,SO-9 (by cli:li.lei)\n');
    const reset = io();
    expect(await main(['cursor', 'reset', 'orders', '--reason', 'full resync', '--who', 'li.lei', '--store', location], reset)).toBe(0);
    const show = io();
    expect(await main(['cursor', 'show', 'orders', '--store', location], show)).toBe(0);
    expect(show.out).toMatch(/^cursor of orders: \(start\)/);
    expect(show.out).toMatch(/cli:li\.lei\s+2026-03-01T00:00:00.000Z,SO-9\s+\(start\)\s+full resync/);
    expect(show.out).toMatch(/cli:li\.lei\s+\(start\)\s+2026-03-01T00:00:00.000Z,SO-9\s+skip the broken import/);
    expect((await store.cursorHistory('orders', 10)).map((m) => m.who)).toEqual(['cli:li.lei', 'cli:li.lei']);
  });

  it('refuses bad input with a code and the usage, changing nothing', async () => {
    const { location, store } = await seed();
    const bad = io();
    expect(await main(['cursor', 'set', 'orders', 'yesterday', '--reason', 'x', '--store', location], bad)).toBe(2);
    expect(bad.err).toContain('SS5081');
    const noReason = io();
    expect(await main(['cursor', 'reset', 'orders', '--store', location], noReason)).toBe(2);
    expect((await store.cursorHistory('orders', 10))).toEqual([]);
    const usage = io();
    expect(await main(['dlq', 'frobnicate', '--store', location], usage)).toBe(2);
    expect(usage.err).toContain('usage: syncspec dlq');
  });
});

describe('syncspec dlq without a store', () => {
  it('says there is no store instead of creating one', async () => {
    const o = io('/tmp');
    expect(await main(['dlq', 'list', '--store', 'no-such-dir/state.db'], o)).toBe(2);
    expect(o.err).toContain('SS5010: no state store at no-such-dir/state.db');
  });
});
