/** What both queue triggers share: decode a message, store it, or dead-letter an undecodable one. */
import { hash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { InboxStore } from '../inbox/store.ts';
import { decodeRecords } from '../intake/decode.ts';
import type { Intake } from '../intake/intake.ts';
import type { Logger } from '../ops/log.ts';

export interface QueueTriggerBase {
  spec: string;
  intake: Intake;
  store: InboxStore;
  clock: Clock;
  log: Logger;
  /** Unacknowledged messages the broker may hand this consumer at once. */
  prefetch?: number;
}

export type Handled = 'stored' | 'dead-lettered';

/**
 * Stores the message's records (resolves once committed: ack after this) or, when the body is not a
 * record, writes it to the DLQ with the raw text (then ack too: it must neither block nor be lost).
 * Rejects when the store is unavailable: the caller must not ack, the broker redelivers.
 */
export async function handleMessage(o: QueueTriggerBase, broker: string, topic: string, body: Buffer, messageId: string | undefined): Promise<Handled> {
  const text = body.toString('utf8');
  const decoded = decodeRecords(text);
  if (!decoded.ok) {
    const digest = hash('sha256', body, 'hex').slice(0, 16);
    const now = o.clock.now();
    await o.store.settle({
      owner: `queue:${o.spec}`,
      now,
      events: [],
      crosswalk: [],
      echoMarks: [],
      consumedEchoMarks: [],
      release: [],
      deadLetters: [
        {
          eventId: 0,
          spec: o.spec,
          sourceId: `${broker}:${topic}`,
          sourceVersion: messageId ?? digest,
          reason: `undecodable ${broker} message: ${decoded.problem}`,
          class: 'bad-mapping',
          code: 'SS5060',
          input: { raw: text.length > 65_536 ? `${text.slice(0, 65_536)}…` : text },
          errors: [{ code: 'SS5060', message: decoded.problem }],
          at: '',
          createdAt: now,
        },
      ],
    });
    o.log.warn({ code: 'SS5060', spec: o.spec, broker, topic, problem: decoded.problem }, 'undecodable message dead-lettered and acknowledged');
    return 'dead-lettered';
  }
  await o.intake.accept(
    o.spec,
    'queue',
    decoded.records.map((record, i) => ({ record, ...(messageId !== undefined ? { deliveryId: decoded.records.length === 1 ? `${broker}:${messageId}` : `${broker}:${messageId}#${i}` } : {}) })),
  );
  return 'stored';
}
