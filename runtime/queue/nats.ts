/**
 * NATS JetStream queue trigger (`nats`): a durable, explicitly acknowledged consumer on the stream that
 * holds the subject; a message is acked only after its records are committed to the inbox, otherwise
 * nak'ed with a delay so JetStream redelivers it.
 */
import { AckPolicy, connect, DeliverPolicy, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { handleMessage, type QueueTriggerBase } from './common.ts';

export interface NatsTriggerOptions extends QueueTriggerBase {
  servers: string;
  subject: string;
  /** Durable consumer name; default `syncspec-<spec>`. */
  durable?: string;
  requeueDelayMs?: number;
}

export class NatsTrigger {
  #o: NatsTriggerOptions;
  #nc: NatsConnection | undefined;
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  handled = 0;

  constructor(options: NatsTriggerOptions) {
    this.#o = options;
  }

  get durable(): string {
    return this.#o.durable ?? `syncspec-${this.#o.spec}`;
  }

  async start(): Promise<void> {
    const { servers, subject, log, spec } = this.#o;
    try {
      this.#nc = await connect({ servers, timeout: 3000 });
    } catch (err) {
      log.error({ code: 'SS5061', spec, broker: 'nats', err: err instanceof Error ? err.message : String(err) }, 'NATS unreachable');
      throw new Error(`SS5061: NATS unreachable at ${servers}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const jsm = await this.#nc.jetstreamManager();
    const stream = await jsm.streams.find(subject);
    await jsm.consumers.add(stream, {
      durable_name: this.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subject,
      max_ack_pending: Math.max(1, this.#o.prefetch ?? 100),
    });
    const consumer = await this.#nc.jetstream().consumers.get(stream, this.durable);
    this.#messages = await consumer.consume({ max_messages: Math.max(1, this.#o.prefetch ?? 100) });
    const messages = this.#messages;
    this.#loop = (async () => {
      for await (const m of messages) await this.#handle(m);
    })();
    log.info({ code: 'SS5062', spec, broker: 'nats', stream, subject }, 'queue consumer started');
  }

  async #handle(m: JsMsg): Promise<void> {
    const id = m.headers?.get('Nats-Msg-Id') || `${m.info.stream}:${m.seq}`;
    try {
      await handleMessage(this.#o, 'nats', this.#o.subject, Buffer.from(m.data), id);
      m.ack();
      this.handled++;
    } catch (err) {
      this.#o.log.error({ code: 'SS5007', spec: this.#o.spec, broker: 'nats', err: err instanceof Error ? err.message : String(err) }, 'message not stored; JetStream will redeliver');
      m.nak(this.#o.requeueDelayMs ?? 1000);
    }
  }

  async stop(): Promise<void> {
    this.#messages?.stop();
    await this.#loop?.catch(() => undefined);
    await this.#nc?.drain().catch(() => undefined);
  }
}
