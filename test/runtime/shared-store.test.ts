/**
 * Two workers (separate store handles and connection pools, as two processes would have) share one
 * PostgreSQL schema: every key is written in version order, the newest version always ends up in the
 * target, and no version is written twice.
 */
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../../runtime/clock.ts';
import { silentLogger } from '../../runtime/ops/log.ts';
import type { ItemResult, UpsertItem } from '../../runtime/support/connector.ts';
import { Worker } from '../../runtime/worker.ts';
import { makePlan, MemoryConnector } from './fixtures.ts';
import { postgresTestStore, type TestStore } from './stores.ts';

let t: TestStore | undefined;
const workers: Worker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop();
  await t?.dispose();
  t = undefined;
});

it('two workers on one PostgreSQL store keep per-key order and write each version at most once', async () => {
  t = await postgresTestStore();
  const written = new Map<string, number[]>();
  const target = new MemoryConnector();
  const upsert = target.upsertBatch.bind(target);
  target.upsertBatch = async (entity: string, key: string, items: readonly UpsertItem[]): Promise<ItemResult[]> => {
    for (const i of items) written.set(i.key, [...(written.get(i.key) ?? []), Number(i.record.v)]);
    await systemClock.sleep(1); // let the other worker interleave
    return upsert(entity, key, items);
  };
  const plan = makePlan({ name: 'accounts', delivery: { mode: 'upsert', batchSize: 7, maxWaitMs: 2, retry: { attempts: 3, initialMs: 10, maxMs: 100 }, deadLetter: true } });
  const transform = { filter: () => true, transform: (s: Record<string, unknown>) => ({ ok: true as const, value: { FNumber: s.Id, v: s.v } }) };
  const stores = [t.store, await t.reopen()];
  for (const [i, store] of stores.entries()) {
    const w = new Worker({
      specs: [{ plan, transform }],
      connectors: { crm: new MemoryConnector('salesforce'), erp: target },
      store,
      log: silentLogger(),
      http: false,
      owner: `worker-${i}`,
      delivery: { idleMs: 5, maxInFlightBatches: 3 },
    });
    workers.push(w);
    await w.start();
  }
  const keys = Array.from({ length: 40 }, (_, i) => `K${String(i).padStart(2, '0')}`);
  // Versions 1..5 of each key arrive over time, half through each worker, some out of order.
  for (let v = 1; v <= 5; v++) {
    const batch = keys.map((k, i) => ({ record: { id: k, version: String(v), data: { Id: k, v } }, i }));
    await Promise.all([
      workers[0]!.intake.accept('accounts', 'webhook', batch.filter((b) => b.i % 2 === 0).map((b) => ({ record: b.record }))),
      workers[1]!.intake.accept('accounts', 'webhook', batch.filter((b) => b.i % 2 === 1).map((b) => ({ record: b.record }))),
    ]);
    if (v === 3) {
      // A late duplicate of version 2 for every key: superseded or deduped, never written after 3.
      await workers[1]!.intake.accept('accounts', 'webhook', keys.map((k) => ({ record: { id: k, version: '2', data: { Id: k, v: 2 } } })));
    }
  }
  await expect.poll(() => t!.store.depth(), { timeout: 15_000 }).toEqual({});
  // Both workers took part.
  for (const w of workers) expect((await w.metrics.delivered.get()).values[0]?.value ?? 0).toBeGreaterThan(0);
  for (const k of keys) {
    const seq = written.get(k) ?? [];
    expect(seq.length).toBeGreaterThan(0);
    expect(seq.at(-1)).toBe(5);
    expect([...seq].sort((a, b) => a - b)).toEqual(seq); // in version order
    expect(new Set(seq).size).toBe(seq.length); // no version twice
  }
});
