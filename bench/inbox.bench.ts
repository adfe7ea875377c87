/**
 * `npm run bench:inbox [-- --n 20000] [-- --concurrency 32]`
 *
 * The worker's durable path, without vendor emulators:
 * 1. Inbox only: N webhook-sized events stored one per call with `concurrency` calls outstanding
 *    (SQLite WAL synchronous=FULL with group commit, SQLite NORMAL, PostgreSQL).
 * 2. Worker: N signed webhooks POSTed to the worker's HTTP server (concurrency outstanding) →
 *    inbox → transform → batcher → an in-memory target; records/s until every record is delivered,
 *    and the worker's own end-to-end latency histogram (stored → confirmed) p50 / p99.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Agent, request } from 'undici';
import { PostgresInboxStore } from '../runtime/inbox/postgres.ts';
import { SqliteInboxStore } from '../runtime/inbox/sqlite.ts';
import type { InboxStore } from '../runtime/inbox/store.ts';
import { silentLogger } from '../runtime/ops/log.ts';
import { signGeneric } from '../runtime/webhook/hmac.ts';
import { Worker } from '../runtime/worker.ts';
import { accountTransform, makePlan, MemoryConnector } from '../test/runtime/fixtures.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '32' } } });
const N = Number(values.n);
const C = Number(values.concurrency);
const PG_URL = process.env.SYNCSPEC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function pool<T>(n: number, c: number, fn: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) await fn(next++);
  }));
}

type Made = { store: InboxStore; dispose: () => Promise<void>; label: string };

async function makeStore(kind: 'sqlite-full' | 'sqlite-normal' | 'postgres'): Promise<Made> {
  if (kind === 'postgres') {
    const schema = `rt_bench_${randomBytes(5).toString('hex')}`;
    const store = new PostgresInboxStore({ connectionString: PG_URL, schema, poolSize: 16 });
    await store.migrate();
    return {
      store,
      label: 'PostgreSQL',
      dispose: async () => {
        await store.close();
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'rt-bench-'));
  const store = new SqliteInboxStore(join(dir, 'state.db'), { synchronous: kind === 'sqlite-full' ? 'FULL' : 'NORMAL' });
  await store.migrate();
  return { store, label: kind === 'sqlite-full' ? 'SQLite WAL FULL' : 'SQLite WAL NORMAL', dispose: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

const payload = (i: number) => ({ Id: `001${String(i).padStart(12, '0')}`, Name: `上海客户 ${i}`, AccountNumber: `C-${i}`, Phone: '+86 21 5080 1234', BillingCity: '浦东新区' });

console.log(`inbox bench: N=${N}, concurrency=${C}, node ${process.version}`);
for (const kind of ['sqlite-full', 'sqlite-normal', 'postgres'] as const) {
  const m = await makeStore(kind);
  const t0 = performance.now();
  await pool(N, C, (i) => m.store.insertEvents([{ spec: 'accounts', sourceId: `k${i}`, sourceVersion: '1', payload: payload(i), receivedAt: Date.now() }]));
  const s = (performance.now() - t0) / 1000;
  console.log(`  inbox insert   ${m.label.padEnd(18)} ${Math.round(N / s).toLocaleString('en-US').padStart(8)} events/s`);
  await m.dispose();
}

for (const kind of ['sqlite-full', 'postgres'] as const) {
  const m = await makeStore(kind);
  const target = new MemoryConnector('kingdee-k3cloud', 200);
  const worker = new Worker({
    specs: [{ plan: makePlan({ name: 'accounts', delivery: { mode: 'upsert', batchSize: 200, maxWaitMs: 20, retry: { attempts: 3, initialMs: 100, maxMs: 1000 }, deadLetter: true } }), transform: accountTransform }],
    connectors: { crm: new MemoryConnector('salesforce'), erp: target },
    store: m.store,
    webhookSecrets: { crm: 'whsec' },
    log: silentLogger(),
    delivery: { idleMs: 10, maxInFlightBatches: 4 },
  });
  await worker.start();
  const url = `${worker.url}/hooks/accounts`;
  const agent = new Agent({ connections: C });
  const t0 = performance.now();
  await pool(N, C, async (i) => {
    const body = JSON.stringify({ id: `k${i}`, version: '1', data: payload(i) });
    const ts = Math.floor(Date.now() / 1000);
    const res = await request(url, { method: 'POST', body, dispatcher: agent, headers: { 'x-syncspec-signature': signGeneric('whsec', ts, body), 'x-syncspec-timestamp': String(ts), 'content-type': 'application/json' } });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}`);
  });
  const accepted = (performance.now() - t0) / 1000;
  while (target.records.size < N) await new Promise((r) => setTimeout(r, 5));
  const delivered = (performance.now() - t0) / 1000;
  const h = (await worker.metrics.latency.get()).values.filter((v) => v.metricName?.endsWith('_bucket'));
  const q = (p: number) => (h.find((v) => v.value >= p * N)?.labels as { le?: number } | undefined)?.le;
  console.log(`  worker e2e     ${m.label.padEnd(18)} accepted ${Math.round(N / accepted).toLocaleString('en-US')} webhooks/s, delivered all at ${Math.round(N / delivered).toLocaleString('en-US')} rec/s, latency p50 ≤ ${q(0.5)} s, p99 ≤ ${q(0.99)} s, peak RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
  await worker.stop();
  await agent.close();
  await m.dispose();
}
