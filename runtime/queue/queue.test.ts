/** Against the real brokers on 127.0.0.1 (RabbitMQ 5672, NATS JetStream 4222); a broker being down fails the test by name. */
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { connect, StringCodec, headers as natsHeaders } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteTestStore, type TestStore } from '../../test/runtime/stores.ts';
import { systemClock } from '../clock.ts';
import type { InboxStore, InsertResult, NewEvent } from '../inbox/store.ts';
import { Intake } from '../intake/intake.ts';
import { silentLogger } from '../ops/log.ts';
import { NatsTrigger } from './nats.ts';
import { RabbitMqTrigger } from './rabbitmq.ts';

const RABBIT_URL = process.env.SYNCSPEC_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const NATS_URL = process.env.SYNCSPEC_TEST_NATS_URL ?? '127.0.0.1:4222';
const suffix = () => randomBytes(5).toString('hex');

/** A store whose first insert fails (the broker must redeliver: nothing acked before it is stored). */
function flaky(s: InboxStore): { store: InboxStore; stats: { failures: number } } {
  const stats = { failures: 0 };
  const store = Object.assign(Object.create(s) as InboxStore, {
    insertEvents: async (events: readonly NewEvent[]): Promise<InsertResult> => {
      if (stats.failures === 0) {
        stats.failures++;
        throw new Error('database is locked');
      }
      return s.insertEvents(events);
    },
  });
  return { store, stats };
}

const messages = [
  '{"id":"001","version":"1","data":{"Name":"北京"}}',
  'not json at all',
  '{"id":"002","version":"1","data":{"Name":"上海"}}',
  '{"id":"001","version":"1","data":{"Name":"北京"}}',
];

describe('queue triggers', () => {
  let t: TestStore | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await t?.dispose();
    t = undefined;
  });

  it('RabbitMQ: acks only after the inbox insert, dead-letters undecodable messages, dedupes', async () => {
    const conn = await amqp.connect(RABBIT_URL).catch((err: unknown) => {
      throw new Error(`RabbitMQ is not reachable at 127.0.0.1:5672 (${err instanceof Error ? err.message : String(err)})`);
    });
    cleanups.push(() => conn.close());
    const queue = `rt_test_${suffix()}`;
    const ch = await conn.createChannel();
    await ch.assertQueue(queue, { durable: true });
    cleanups.push(async () => void (await ch.deleteQueue(queue)));
    for (const m of messages) ch.sendToQueue(queue, Buffer.from(m), { persistent: true });

    t = await sqliteTestStore();
    const { store, stats } = flaky(t.store);
    const log = silentLogger();
    const trigger = new RabbitMqTrigger({
      spec: 'accounts', url: RABBIT_URL, queue, prefetch: 10, requeueDelayMs: 0,
      store: t.store, intake: new Intake({ store, clock: systemClock, log }), clock: systemClock, log,
    });
    await trigger.start();
    cleanups.push(() => trigger.stop());
    await expect.poll(() => trigger.handled, { timeout: 10_000 }).toBe(4);
    expect(stats.failures).toBe(1);
    expect(await t.store.depth()).toEqual({ accounts: 2 });
    const dlq = await t.store.listDeadLetters({});
    expect(dlq.map((d) => [d.code, d.input])).toEqual([['SS5060', { raw: 'not json at all' }]]);
    await trigger.stop();
    const q = await ch.checkQueue(queue);
    expect(q.messageCount).toBe(0); // everything acknowledged, nothing left behind
  });

  it('NATS JetStream: durable consumer acks after insert and skips redelivered sequence numbers', async () => {
    const nc = await connect({ servers: NATS_URL, timeout: 3000 }).catch((err: unknown) => {
      throw new Error(`NATS JetStream is not reachable at ${NATS_URL} (${err instanceof Error ? err.message : String(err)})`);
    });
    cleanups.push(() => nc.drain());
    const name = `RT_TEST_${suffix().toUpperCase()}`;
    const subject = `rt.test.${name.toLowerCase()}`;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name, subjects: [subject] });
    cleanups.push(async () => void (await jsm.streams.delete(name)));
    const js = nc.jetstream();
    const sc = StringCodec();
    for (const m of messages) await js.publish(subject, sc.encode(m));
    const h = natsHeaders();
    h.set('Nats-Msg-Id', 'dup-1');
    await js.publish(subject, sc.encode('{"id":"003","version":"1","data":{}}'), { headers: h });

    t = await sqliteTestStore();
    const { store, stats } = flaky(t.store);
    const log = silentLogger();
    const trigger = new NatsTrigger({
      spec: 'accounts', servers: NATS_URL, subject, prefetch: 10, requeueDelayMs: 0,
      store: t.store, intake: new Intake({ store, clock: systemClock, log }), clock: systemClock, log,
    });
    await trigger.start();
    cleanups.push(() => trigger.stop());
    await expect.poll(() => trigger.handled, { timeout: 10_000 }).toBe(5);
    expect(stats.failures).toBe(1);
    expect(await t.store.depth()).toEqual({ accounts: 3 });
    expect((await t.store.listDeadLetters({})).map((d) => d.code)).toEqual(['SS5060']);
    await trigger.stop();
    const info = await jsm.consumers.info(name, trigger.durable);
    expect(info.num_ack_pending + info.num_pending).toBe(0);
  });
});
