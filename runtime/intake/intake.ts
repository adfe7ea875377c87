/**
 * Every trigger hands records to the inbox through here: one durable insert (dedupe on id + version,
 * replay protection on delivery id), metrics, and a wake-up for the spec's delivery loop. The promise
 * resolves only once the records are committed — triggers acknowledge after it, never before.
 */
import type { Clock } from '../clock.ts';
import type { InboxStore, InsertResult, NewEvent } from '../inbox/store.ts';
import type { Logger } from '../ops/log.ts';
import type { TriggerKind, WorkerMetrics } from '../ops/metrics.ts';
import type { SourceRecord } from '../support/connector.ts';

export interface IncomingRecord {
  record: SourceRecord;
  deliveryId?: string;
}

export interface IntakeResult extends InsertResult {
  /** Records the connector flagged as syncspec's own writes: not stored. */
  echoes: number;
}

export class Intake {
  #store: InboxStore;
  #clock: Clock;
  #log: Logger;
  #metrics: WorkerMetrics | undefined;
  #onStored: (spec: string) => void;
  #closed = false;

  constructor(options: { store: InboxStore; clock: Clock; log: Logger; metrics?: WorkerMetrics | undefined; onStored?: (spec: string) => void }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#onStored = options.onStored ?? (() => undefined);
  }

  /** After close, intake refuses (drain): triggers answer "try later" and the source keeps the records. */
  close(): void {
    this.#closed = true;
  }

  get open(): boolean {
    return !this.#closed;
  }

  async accept(spec: string, trigger: TriggerKind, incoming: readonly IncomingRecord[]): Promise<IntakeResult> {
    if (this.#closed) throw new IntakeClosedError();
    const now = this.#clock.now();
    const events: NewEvent[] = [];
    let echoes = 0;
    for (const { record, deliveryId } of incoming) {
      if (record.echo) {
        echoes++;
        continue;
      }
      events.push(toNewEvent(spec, record, now, deliveryId));
    }
    const r = events.length > 0 ? await this.#store.insertEvents(events) : { inserted: 0, duplicates: 0, replayed: 0 };
    const m = this.#metrics;
    if (m) {
      m.received.inc({ spec, trigger }, r.inserted);
      m.skipped.inc({ spec, reason: 'duplicate' }, r.duplicates);
      m.skipped.inc({ spec, reason: 'replayed' }, r.replayed);
      m.skipped.inc({ spec, reason: 'echo' }, echoes);
    }
    if (r.replayed > 0) this.#log.info({ code: 'SS5003', spec, trigger, replayed: r.replayed }, 'delivery ids already received; acknowledged without storing');
    if (echoes > 0) this.#log.debug({ code: 'SS5027', spec, trigger, echoes }, 'records written by syncspec itself dropped');
    if (r.inserted > 0) this.#onStored(spec);
    return { ...r, echoes };
  }
}

export class IntakeClosedError extends Error {
  constructor() {
    super('worker is draining; not accepting new events');
    this.name = 'IntakeClosedError';
  }
}

export function toNewEvent(spec: string, r: SourceRecord, now: number, deliveryId?: string): NewEvent {
  return {
    spec,
    sourceId: r.id,
    sourceVersion: r.version,
    ...(r.cursor !== undefined ? { cursor: r.cursor } : {}),
    ...(r.deleted ? { deleted: true } : {}),
    payload: r.data,
    ...(deliveryId !== undefined ? { deliveryId } : {}),
    receivedAt: now,
  };
}
