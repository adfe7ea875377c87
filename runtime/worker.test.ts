import { afterEach, describe, expect, it } from 'vitest';
import { accountTransform, makePlan, MemoryConnector } from '../test/runtime/fixtures.ts';
import { logSink } from '../test/runtime/sink.ts';
import { sqliteTestStore, type TestStore } from '../test/runtime/stores.ts';
import { systemClock } from './clock.ts';
import { manualClock } from './clock.ts';
import { createLogger } from './ops/log.ts';
import type { ItemResult, UpsertItem } from './support/connector.ts';
import { signGeneric } from './webhook/hmac.ts';
import { Worker } from './worker.ts';

describe('Worker', () => {
  let t: TestStore | undefined;
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.stop();
    await t?.dispose();
    worker = undefined;
    t = undefined;
  });

  async function start(target = new MemoryConnector(), drainTimeoutMs = 5000) {
    t = await sqliteTestStore();
    const sink = logSink();
    const crm = new MemoryConnector('salesforce');
    worker = new Worker({
      specs: [
        { plan: makePlan({ name: 'accounts', delivery: { mode: 'upsert', batchSize: 10, maxWaitMs: 5, retry: { attempts: 3, initialMs: 10, maxMs: 100 }, deadLetter: true } }), transform: accountTransform },
        { plan: makePlan({ name: 'orphans', target: { connection: 'missing', system: 'kingdee-k3cloud', entity: 'X', key: 'K' } }), transform: accountTransform },
      ],
      connectors: { crm, erp: target },
      store: t.store,
      webhookSecrets: { crm: 'whsec' },
      log: createLogger({ destination: sink.stream, level: 'debug' }),
      delivery: { idleMs: 20 },
      drainTimeoutMs,
    });
    await worker.start();
    const post = (body: string) => {
      const ts = Math.floor(Date.now() / 1000);
      return fetch(`${worker!.url}/hooks/accounts`, {
        method: 'POST',
        body,
        headers: { 'x-syncspec-signature': signGeneric('whsec', ts, body), 'x-syncspec-timestamp': String(ts) },
      });
    };
    return { worker, target, sink, post, store: t.store };
  }

  it('takes a signed webhook through transform and batcher to the target, and counts it', async () => {
    const { worker, target, post, sink } = await start();
    expect(worker.specs).toEqual(['accounts']);
    expect(worker.diagnostics.map((d) => d.code)).toEqual(['SS5074']);
    expect((await post('{"id":"001","version":"1","data":{"Id":"001","Name":"杭州"}}')).status).toBe(200);
    await expect.poll(() => target.records.get('001')).toEqual({ FNumber: '001', FName: '杭州' });
    await expect.poll(async () => (await fetch(`${worker.url}/metrics`)).text()).toContain('syncspec_records_delivered_total{spec="accounts"} 1');
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toContain('syncspec_records_received_total{spec="accounts",trigger="webhook"} 1');
    expect(metrics).toContain('syncspec_delivery_latency_seconds_count{spec="accounts"} 1');
    expect(metrics).toContain('syncspec_breaker_state{connection="erp"} 0');
    expect(metrics).toContain('syncspec_records_dead_lettered_total{spec="accounts",class="rejected"} 0');
    expect(sink.codes()).toContain('SS5070');
    expect(await worker.stop()).toBe('drained');
    expect(sink.codes().slice(-2)).toEqual(['SS5071', 'SS5072']);
  });

  it('finishes an in-flight batch during the drain and refuses new pushes meanwhile', async () => {
    const gate: { release?: () => void } = {};
    const target = new MemoryConnector();
    const upsert = target.upsertBatch.bind(target);
    let calls = 0;
    target.upsertBatch = async (entity: string, key: string, items: readonly UpsertItem[]): Promise<ItemResult[]> => {
      calls++;
      await new Promise<void>((r) => (gate.release = r));
      return upsert(entity, key, items);
    };
    const { worker, post, store } = await start(target);
    expect((await post('{"id":"002","version":"1","data":{"Id":"002","Name":"n"}}')).status).toBe(200);
    await expect.poll(() => calls).toBe(1);
    const stopping = worker.stop();
    await expect.poll(async () => (await post('{"id":"003","version":"1","data":{"Id":"003","Name":"n"}}')).status).toBe(503);
    gate.release?.();
    expect(await stopping).toBe('drained');
    expect(target.records.has('002')).toBe(true);
    expect(await store.depth()).toEqual({});
  });

  it('gives up at the drain bound and leaves the unfinished event pending for the next worker', async () => {
    const target = new MemoryConnector();
    let calls = 0;
    target.upsertBatch = () => {
      calls++;
      return new Promise<ItemResult[]>(() => undefined); // a target that never answers
    };
    const { worker, post, store, sink } = await start(target, 50);
    await post('{"id":"004","version":"1","data":{"Id":"004","Name":"n"}}');
    await expect.poll(() => calls).toBe(1);
    expect(await worker.stop()).toBe('timeout');
    expect(sink.codes()).toContain('SS5073');
    expect(await store.depth()).toEqual({ accounts: 1 });
  });
});

describe('Worker housekeeping', () => {
  it('prunes settled events past the retention window on its clock', async () => {
    const t = await sqliteTestStore();
    const clock = manualClock(1_000_000);
    const worker = new Worker({
      specs: [{ plan: makePlan({ name: 'accounts' }), transform: accountTransform }],
      connectors: { crm: new MemoryConnector('salesforce'), erp: new MemoryConnector() },
      store: t.store,
      clock,
      http: false,
      log: createLogger({ destination: logSink().stream }),
      retentionMs: 10_000,
      pruneEveryMs: 60_000,
    });
    try {
      await t.store.insertEvents([{ spec: 'accounts', sourceId: 'P1', sourceVersion: '1', payload: { Id: 'P1', Name: 'x' }, receivedAt: clock.now(), deliveryId: 'd1' }]);
      await worker.start();
      const d = worker.deliverer('accounts')!;
      while ((await d.step()) > 0);
      await d.flush();
      expect(await t.store.getEvent(1)).toMatchObject({ state: 'done' });
      await clock.advance(60_000);
      await expect.poll(() => t.store.getEvent(1)).toBeUndefined();
      // The delivery id is gone too: the replay-protection window is the retention.
      expect(await t.store.insertEvents([{ spec: 'accounts', sourceId: 'P1', sourceVersion: '2', payload: {}, receivedAt: clock.now(), deliveryId: 'd1' }])).toMatchObject({ inserted: 1 });
    } finally {
      const stopping = worker.stop();
      await clock.advance(30_000);
      await stopping;
      await t.dispose();
    }
  });
});
