/**
 * PostgreSQL drops every connection of the worker's pool in the middle of a run (as on a fail-over or a
 * server restart): intake calls that fail are retried by their sender, claims back off, settles retry —
 * every record is delivered, none is lost or dead-lettered.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { PostgresInboxStore } from '../../runtime/inbox/postgres.ts';
import { silentLogger } from '../../runtime/ops/log.ts';
import { Worker } from '../../runtime/worker.ts';
import { accountTransform, makePlan, MemoryConnector } from './fixtures.ts';
import { assertPostgresUp, PG_URL } from './stores.ts';

const schema = `rt_test_${randomBytes(6).toString('hex')}`;
const app = `rt-test-${randomBytes(4).toString('hex')}`;
let worker: Worker | undefined;
let store: PostgresInboxStore | undefined;
afterEach(async () => {
  await worker?.stop();
  await store?.close().catch(() => undefined);
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

it('survives PostgreSQL dropping all its connections mid-run', async () => {
  await assertPostgresUp();
  store = new PostgresInboxStore({ connectionString: PG_URL, schema, poolSize: 4, applicationName: app, onPoolError: () => undefined });
  await store.migrate();
  const target = new MemoryConnector();
  worker = new Worker({
    specs: [{ plan: makePlan({ name: 'accounts', delivery: { mode: 'upsert', batchSize: 10, maxWaitMs: 5, retry: { attempts: 5, initialMs: 20, maxMs: 200 }, deadLetter: true } }), transform: accountTransform }],
    connectors: { crm: new MemoryConnector('salesforce'), erp: target },
    store,
    log: silentLogger(),
    http: false,
    delivery: { idleMs: 10 },
  });
  await worker.start();
  const w = worker;
  /** A sender that retries until the worker has stored the record (what a vendor does on a 503). */
  const send = async (i: number) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await w.intake.accept('accounts', 'webhook', [{ record: { id: `P${i}`, version: '1', data: { Id: `P${i}`, Name: `客户 ${i}` } } }]);
        return;
      } catch (err) {
        if (attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    const sending = (async () => {
      for (let i = 0; i < 200; i++) await send(i);
    })();
    await expect.poll(() => target.records.size, { timeout: 10_000 }).toBeGreaterThan(20);
    const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
    expect(killed.rowCount).toBeGreaterThan(0);
    await sending;
    await expect.poll(() => target.records.size, { timeout: 20_000 }).toBe(200);
    await expect.poll(() => store!.depth(), { timeout: 10_000 }).toEqual({});
    expect(await store.listDeadLetters({})).toEqual([]);
    for (const n of target.writes.values()) expect(n).toBeLessThanOrEqual(2);
  } finally {
    await admin.end();
  }
});
