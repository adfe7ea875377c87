/**
 * The group-committed writes of the SQLite store (event inserts and batch settlements), applied to one
 * connection in one transaction. Used in-process for `:memory:` databases and, for files, by the
 * writer thread (sqlite-writer-thread.ts): with `synchronous=FULL` every COMMIT waits for an fsync,
 * and on the thread that wait no longer stops the event loop that serves webhooks, polls and deliveries.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { uniqueEvents } from './rows.ts';
import type { InsertResult, NewEvent, Settlement } from './store.ts';

/** A new event as it crosses to the writer: the payload already serialised (strings cross threads cheaply). */
export interface WireEvent {
  spec: string;
  sourceId: string;
  sourceVersion: string;
  cursor: string | null;
  deleted: boolean;
  payload: string;
  deliveryId: string | null;
  receivedAt: number;
}

export type WriteRequest = { kind: 'insert'; events: WireEvent[] } | { kind: 'settle'; settlement: Settlement };

/** An error as it crosses back from the writer thread (message and SQLite error code survive). */
export interface WireError {
  message: string;
  code?: string;
  errcode?: number;
}

export type WriteOutcome = { ok: true; value?: InsertResult } | { ok: false; error: WireError };

export const toWireEvent = (e: NewEvent): WireEvent => ({
  spec: e.spec,
  sourceId: e.sourceId,
  sourceVersion: e.sourceVersion,
  cursor: e.cursor ?? null,
  deleted: e.deleted === true,
  payload: JSON.stringify(e.payload),
  deliveryId: e.deliveryId ?? null,
  receivedAt: e.receivedAt,
});

export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; errcode?: unknown };
  return {
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.errcode === 'number' ? { errcode: e.errcode } : {}),
  };
}

export function fromWireError(w: WireError): Error {
  const e = new Error(w.message) as Error & { code?: string; errcode?: number };
  if (w.code !== undefined) e.code = w.code;
  if (w.errcode !== undefined) e.errcode = w.errcode;
  return e;
}

export class SqliteWrites {
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  #run(sql: string, ...params: SQLInputValue[]): number {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return Number(s.run(...params).changes);
  }

  /**
   * One transaction (one fsync) for a group of inserts and settlements. Each settlement runs under its
   * own savepoint, so one that fails is rolled back alone and only its caller sees the error; an insert
   * error fails the inserts of the group (their callers answer 5xx and the sender retries). Throws when
   * the transaction itself fails (BEGIN or COMMIT): then nothing of the group is stored.
   */
  apply(batch: readonly WriteRequest[]): WriteOutcome[] {
    // Nothing to write (the store starting its writer): no transaction, no fsync.
    if (batch.length === 0) return [];
    const outcomes: WriteOutcome[] = new Array<WriteOutcome>(batch.length);
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      this.#db.exec('SAVEPOINT inserts');
      let insertError: WireError | undefined;
      const inserted: (InsertResult | undefined)[] = [];
      try {
        for (const w of batch) inserted.push(w.kind === 'insert' ? this.#insert(w.events) : undefined);
        this.#db.exec('RELEASE inserts');
      } catch (error) {
        this.#db.exec('ROLLBACK TO inserts');
        this.#db.exec('RELEASE inserts');
        insertError = toWireError(error);
      }
      batch.forEach((w, i) => {
        if (w.kind === 'insert') outcomes[i] = insertError ? { ok: false, error: insertError } : { ok: true, value: inserted[i] as InsertResult };
      });
      batch.forEach((w, i) => {
        if (w.kind !== 'settle') return;
        this.#db.exec('SAVEPOINT settle');
        try {
          this.#settle(w.settlement);
          this.#db.exec('RELEASE settle');
          outcomes[i] = { ok: true };
        } catch (error) {
          this.#db.exec('ROLLBACK TO settle');
          this.#db.exec('RELEASE settle');
          outcomes[i] = { ok: false, error: toWireError(error) };
        }
      });
      this.#db.exec('COMMIT');
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
    return outcomes;
  }

  #insert(events: readonly WireEvent[]): InsertResult {
    const result: InsertResult = { inserted: 0, duplicates: 0, replayed: 0 };
    for (const e of uniqueEvents(events)) {
      if (e.deliveryId !== null) {
        const fresh = this.#run(
          'INSERT INTO webhook_deliveries (spec, delivery_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
          e.spec,
          e.deliveryId,
          e.receivedAt,
        );
        if (fresh === 0) {
          result.replayed++;
          continue;
        }
      }
      const n = this.#run(
        `INSERT INTO inbox_events (spec, source_id, source_version, cursor, deleted, payload, received_at, state, attempts, next_attempt_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (spec, source_id, source_version) DO NOTHING`,
        e.spec,
        e.sourceId,
        e.sourceVersion,
        e.cursor,
        e.deleted ? 1 : 0,
        e.payload,
        e.receivedAt,
        e.receivedAt,
        e.receivedAt,
      );
      if (n === 1) result.inserted++;
      else result.duplicates++;
    }
    return result;
  }

  #settle(s: Settlement): void {
    for (const e of s.events) {
      this.#run(
        'UPDATE inbox_events SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?',
        e.state,
        e.attempts,
        e.nextAttemptAt,
        e.lastError ?? null,
        s.now,
        e.id,
      );
    }
    for (const c of s.crosswalk) {
      this.#run(
        `INSERT INTO crosswalk (spec, source_id, target_id, target_key, source_version, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (spec, source_id) DO UPDATE SET target_id = excluded.target_id, target_key = excluded.target_key,
           source_version = excluded.source_version, updated_at = excluded.updated_at`,
        c.spec,
        c.sourceId,
        c.targetId,
        c.targetKey,
        c.sourceVersion,
        s.now,
      );
    }
    for (const d of s.deadLetters) {
      this.#run(
        `INSERT INTO dead_letters (event_id, spec, source_id, source_version, reason, class, code, input, errors, at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        d.eventId,
        d.spec,
        d.sourceId,
        d.sourceVersion,
        d.reason,
        d.class,
        d.code,
        JSON.stringify(d.input),
        JSON.stringify(d.errors),
        d.at,
        d.createdAt,
      );
    }
    for (const m of s.echoMarks) {
      this.#run(
        'INSERT INTO echo_marks (system, entity, record_id, written, expires_at) VALUES (?, ?, ?, ?, ?)',
        m.system,
        m.entity,
        m.recordId,
        JSON.stringify(m.written),
        m.expiresAt,
      );
    }
    for (const id of s.consumedEchoMarks) this.#run('DELETE FROM echo_marks WHERE id = ?', id);
  }
}
