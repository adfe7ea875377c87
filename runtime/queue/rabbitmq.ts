/**
 * RabbitMQ queue trigger (amqplib): consumes a durable queue with a prefetch window and acknowledges a
 * message only after its records are committed to the inbox. A store failure nacks with requeue after a
 * pause, so the broker keeps the message; a stop cancels the consumer and waits for handlers in flight.
 */
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { handleMessage, type QueueTriggerBase } from './common.ts';

export interface RabbitTriggerOptions extends QueueTriggerBase {
  url: string;
  queue: string;
  /** Pause before a message whose store write failed is handed back. */
  requeueDelayMs?: number;
}

export class RabbitMqTrigger {
  #o: RabbitTriggerOptions;
  #conn: ChannelModel | undefined;
  #ch: Channel | undefined;
  #tag: string | undefined;
  #inFlight = new Set<Promise<void>>();
  handled = 0;

  constructor(options: RabbitTriggerOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    const { url, queue, log, spec } = this.#o;
    try {
      this.#conn = await amqp.connect(url);
    } catch (err) {
      log.error({ code: 'SS5061', spec, broker: 'rabbitmq', err: err instanceof Error ? err.message : String(err) }, 'RabbitMQ unreachable');
      throw new Error(`SS5061: RabbitMQ unreachable at ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.#conn.on('error', (err: Error) => log.error({ code: 'SS5061', spec, broker: 'rabbitmq', err: err.message }, 'RabbitMQ connection error'));
    const ch = await this.#conn.createChannel();
    this.#ch = ch;
    await ch.assertQueue(queue, { durable: true });
    await ch.prefetch(this.#o.prefetch ?? 100);
    const reply = await ch.consume(queue, (msg) => {
      if (!msg) return; // consumer cancelled by the broker
      const p = this.#handle(ch, msg);
      this.#inFlight.add(p);
      void p.finally(() => this.#inFlight.delete(p));
    });
    this.#tag = reply.consumerTag;
    log.info({ code: 'SS5062', spec, broker: 'rabbitmq', queue }, 'queue consumer started');
  }

  async #handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const id = typeof msg.properties.messageId === 'string' && msg.properties.messageId !== '' ? msg.properties.messageId : undefined;
    try {
      await handleMessage(this.#o, 'rabbitmq', this.#o.queue, msg.content, id);
      ch.ack(msg);
      this.handled++;
    } catch (err) {
      this.#o.log.error({ code: 'SS5007', spec: this.#o.spec, broker: 'rabbitmq', err: err instanceof Error ? err.message : String(err) }, 'message not stored; requeued');
      await this.#o.clock.sleep(this.#o.requeueDelayMs ?? 1000).catch(() => undefined);
      try {
        ch.nack(msg, false, true);
      } catch {
        // Channel already closed: the broker requeues unacknowledged messages itself.
      }
    }
  }

  /** Stops consuming, finishes messages in flight (ack after store), closes the connection. */
  async stop(): Promise<void> {
    if (this.#ch && this.#tag) await this.#ch.cancel(this.#tag).catch(() => undefined);
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
    await this.#ch?.close().catch(() => undefined);
    await this.#conn?.close().catch(() => undefined);
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'redacted';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
