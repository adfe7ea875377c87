import { afterEach, describe, expect, it } from 'vitest';
import { sqliteTestStore, type TestStore } from '../../test/runtime/stores.ts';
import { logSink } from '../../test/runtime/sink.ts';
import { manualClock } from '../clock.ts';
import type { InboxStore, InsertResult, NewEvent } from '../inbox/store.ts';
import { Intake } from '../intake/intake.ts';
import { createLogger } from '../ops/log.ts';
import { WorkerMetrics } from '../ops/metrics.ts';
import { signGeneric, verifyGenericWebhook } from './hmac.ts';
import { WorkerHttpServer } from './server.ts';

const T0 = 1_700_000_000_000;

describe('worker HTTP server', () => {
  let t: TestStore | undefined;
  let server: WorkerHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    await t?.dispose();
    server = undefined;
    t = undefined;
  });

  async function start(wrap: (s: InboxStore) => InboxStore = (s) => s) {
    t = await sqliteTestStore();
    const store = wrap(t.store);
    const clock = manualClock(T0);
    const sink = logSink();
    const log = createLogger({ destination: sink.stream });
    const metrics = new WorkerMetrics({ backlog: store, now: clock.now });
    metrics.addSpec('accounts');
    const woke: string[] = [];
    const intake = new Intake({ store, clock, log, metrics, onStored: (s) => woke.push(s) });
    server = new WorkerHttpServer({
      routes: new Map([['accounts', (req) => verifyGenericWebhook(req, { secret: 's3cret', clock })]]),
      intake,
      metrics,
      log,
      ready: async () => true,
      maxBodyBytes: 1024,
    });
    const url = await server.listen();
    const post = (body: string, headers: Record<string, string> = {}, spec = 'accounts') => {
      const ts = Math.floor(T0 / 1000);
      return fetch(`${url}/hooks/${spec}`, {
        method: 'POST',
        body,
        headers: { 'x-syncspec-signature': signGeneric('s3cret', ts, body), 'x-syncspec-timestamp': String(ts), ...headers },
      });
    };
    return { url, store: t.store, intake, sink, woke, post, log };
  }

  it('answers 200 only after the events are committed, and replays by delivery id', async () => {
    let release: (() => void) | undefined;
    let inserting = false;
    const { post, store, woke } = await start((s) =>
      Object.assign(Object.create(s) as InboxStore, {
        insertEvents: async (events: readonly NewEvent[]): Promise<InsertResult> => {
          inserting = true;
          await new Promise<void>((r) => (release = r));
          return s.insertEvents(events);
        },
      }),
    );
    let answered = false;
    const res = post('{"id":"001","version":"1","data":{"Name":"甲"}}', { 'x-syncspec-delivery': 'd-1' }).then((r) => {
      answered = true;
      return r;
    });
    await expect.poll(() => inserting).toBe(true);
    expect(answered).toBe(false);
    release?.();
    expect((await res).status).toBe(200);
    expect(await store.depth()).toEqual({ accounts: 1 });
    expect(woke).toEqual(['accounts']);
    inserting = false;
    const again = post('{"id":"001","version":"1","data":{"Name":"甲"}}', { 'x-syncspec-delivery': 'd-1' });
    await expect.poll(() => inserting).toBe(true);
    release?.();
    expect((await again).status).toBe(200);
    expect(await store.depth()).toEqual({ accounts: 1 });
  });

  it('answers 503 (and stores nothing) when the inbox write fails', async () => {
    const { post, sink } = await start((s) =>
      Object.assign(Object.create(s) as InboxStore, {
        insertEvents: async (): Promise<InsertResult> => {
          throw new Error('disk I/O error');
        },
      }),
    );
    const res = await post('{"id":"001","version":"1","data":{}}');
    expect(res.status).toBe(503);
    expect(sink.codes()).toContain('SS5007');
  });

  it('refuses bad signatures, bad bodies, unknown specs and oversize bodies with coded answers and log lines', async () => {
    const { url, post, sink, store } = await start();
    const forged = await post('{"id":"1","version":"1","data":{}}', { 'x-syncspec-signature': 'sha256=00' });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: 'SS5001' });
    expect((await post('{"id":"1"}')).status).toBe(400);
    expect((await post('{"id":"1","version":"1","data":{}}', {}, 'nope')).status).toBe(404);
    expect((await post(`{"id":"1","version":"1","data":{"x":"${'y'.repeat(2000)}"}}`)).status).toBe(413);
    expect(sink.codes()).toEqual(['SS5001', 'SS5002', 'SS5004', 'SS5005']);
    expect(sink.lines.find((l) => l.code === 'SS5001')).toMatchObject({ level: 'warn', spec: 'accounts', status: 401 });
    expect(await store.depth()).toEqual({});
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('syncspec_webhook_rejected_total{spec="accounts",code="SS5001"} 1');
    expect(metrics).toContain('syncspec_records_delivered_total{spec="accounts"} 0');
    expect(metrics).toContain('syncspec_inbox_depth{spec="accounts"} 0');
  });

  it('reports health, and readiness that turns off when draining', async () => {
    const { url, intake, post } = await start();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    intake.close();
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await post('{"id":"1","version":"1","data":{}}')).status).toBe(503);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
