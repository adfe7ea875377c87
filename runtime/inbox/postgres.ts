/**
 * The shared inbox store: PostgreSQL through `pg`. Several worker processes use one database:
 * candidates are picked with `FOR UPDATE SKIP LOCKED` (workers never wait on each other's rows) and a
 * key is owned through a lease row in `inbox_lanes` — one worker per key at a time, so each key's
 * events are delivered in version order. A lease expires, so a killed worker's keys are taken over.
 */
import pg from 'pg';
import type { CursorPosition } from '../support/connector.ts';
import { GroupCommit } from './group-commit.ts';
import { migrations } from './migrations.ts';
import {
  groupLanes,
  positionToText,
  rowToDeadLetter,
  rowToEchoMark,
  rowToEvent,
  rowToMove,
  textToPosition,
  uniqueEvents,
} from './rows.ts';
import type {
  ClaimRequest,
  ClaimedLane,
  CrosswalkEntry,
  CursorMove,
  CursorState,
  DeadLetter,
  InboxEvent,
  InboxStore,
  InsertResult,
  LaneKey,
  NewEvent,
  Settlement,
  StoredEchoMark,
} from './store.ts';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding the tables (created when missing); default `syncspec`. */
  schema?: string;
  poolSize?: number;
  /** `application_name` of the connections (visible in pg_stat_activity); default `syncspec-worker`. */
  applicationName?: string;
  /** Called when an idle pooled connection fails (the pool replaces it). */
  onPoolError?: (err: Error) => void;
}

type Row = Record<string, unknown>;

/**
 * The rows of a group, one array per column. Payloads come as one JSON array: an element of a `json`
 * value reads back as exactly its text, i.e. JSON.stringify of that payload (stored byte for byte), and
 * one native stringify costs far less than escaping every payload into a text[] literal.
 */
const INPUT_ROWS = `x AS (
  SELECT s, i, v, c, d, pj::text AS p, t, dl, g, n
  FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::boolean[]),
    json_array_elements($6::json), unnest($7::bigint[]), unnest($8::text[]), unnest($9::int[]))
    WITH ORDINALITY AS y(s, i, v, c, d, pj, t, dl, g, n)
)`;
const STORE_CTES = `stored AS (
  INSERT INTO inbox_events (spec, source_id, source_version, cursor, deleted, payload, received_at, state, attempts, next_attempt_at, updated_at)
  SELECT s, i, v, c, d, p, t, 'pending', 0, t, t FROM fresh ORDER BY n
  ON CONFLICT (spec, source_id, source_version) DO NOTHING
  RETURNING id, spec, source_id, source_version, received_at
), queued AS (
  INSERT INTO inbox_queue (id, spec, source_id, source_version, received_at, next_attempt_at)
  SELECT id, spec, source_id, source_version, received_at, received_at FROM stored
)`;
const STORE_FRESH = `${STORE_CTES}, first AS (
  SELECT DISTINCT ON (s, i, v) s, i, v, g FROM fresh ORDER BY s, i, v, n
)
SELECT g, count(*)::int AS fresh, 0 AS inserted FROM fresh GROUP BY g
UNION ALL
SELECT f.g, 0, count(*)::int FROM stored JOIN first f ON f.s = stored.spec AND f.i = stored.source_id AND f.v = stored.source_version GROUP BY f.g`;
/** Named: parsed once per connection. Rows per call `g`: how many were fresh (not replayed) and how many stored. */
const INSERT_EVENTS = { name: 'syncspec-insert', text: `WITH ${INPUT_ROWS}, fresh AS (SELECT * FROM x), ${STORE_FRESH}` };
/**
 * A group of one call without delivery ids (a poll page, a lone webhook): every row is fresh and every
 * insert is that call's, so the counts need no per-call attribution (no sort of the rows by key).
 */
const INSERT_ONE_CALL = {
  name: 'syncspec-insert-one',
  text: `WITH ${INPUT_ROWS}, fresh AS (SELECT * FROM x), ${STORE_CTES}
SELECT 0 AS g, (SELECT count(*) FROM fresh)::int AS fresh, (SELECT count(*) FROM stored)::int AS inserted`,
};
/** With delivery ids: the replay-protection table (migration 2) is only touched when a call carries them. */
const INSERT_WITH_DELIVERIES = {
  name: 'syncspec-insert-deliveries',
  text: `WITH ${INPUT_ROWS}, accepted AS (
  INSERT INTO webhook_deliveries (spec, delivery_id, received_at)
  SELECT s, dl, t FROM x WHERE dl IS NOT NULL ORDER BY n
  ON CONFLICT DO NOTHING RETURNING spec, delivery_id
), fresh AS (
  SELECT * FROM x WHERE dl IS NULL
  UNION ALL
  (SELECT DISTINCT ON (x.s, x.dl) x.* FROM x JOIN accepted a ON a.spec = x.s AND a.delivery_id = x.dl ORDER BY x.s, x.dl, x.n)
), ${STORE_FRESH}`,
};

/**
 * An event's queue row (migration 7) follows its state: deleted when it settles, due again at its next
 * attempt when it stays pending. Parameters: ids, states, next attempts.
 */
const DEQUEUE = `dequeued AS (
  DELETE FROM inbox_queue q USING unnest($1::bigint[], $2::text[]) AS x(id, state)
  WHERE q.id = x.id AND x.state <> 'pending'
), requeued AS (
  UPDATE inbox_queue q SET next_attempt_at = x.next_at FROM unnest($1::bigint[], $2::text[], $4::bigint[]) AS x(id, state, next_at)
  WHERE q.id = x.id AND x.state = 'pending'
)`;

/**
 * A group of common settlements: states (and queue rows), crosswalk, lease release (each release only by
 * its own owner). Data-modifying CTEs run atomically in the statement's implicit transaction.
 */
const SETTLE = {
  name: 'syncspec-settle',
  text: `WITH updated AS (
  UPDATE inbox_events e SET state = x.state, attempts = x.attempts, next_attempt_at = x.next_at, last_error = x.err, updated_at = x.now
  FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::bigint[]) AS x(id, state, attempts, next_at, err, now)
  WHERE e.id = x.id RETURNING 1
), ${DEQUEUE}, mapped AS (
  INSERT INTO crosswalk (spec, source_id, target_id, target_key, source_version, updated_at)
  SELECT * FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[])
  ON CONFLICT (spec, source_id) DO UPDATE SET target_id = excluded.target_id, target_key = excluded.target_key,
    source_version = excluded.source_version, updated_at = excluded.updated_at
  RETURNING 1
), released AS (
  DELETE FROM inbox_lanes l USING unnest($13::text[], $14::text[], $15::text[]) AS r(s, k, o)
  WHERE l.spec = r.s AND l.source_id = r.k AND l.owner = r.o RETURNING 1
)
SELECT (SELECT count(*) FROM updated) AS updated, (SELECT count(*) FROM mapped) AS mapped, (SELECT count(*) FROM released) AS released`,
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Connections opened at start: an insert, a claim and a settlement can run at once without waiting for one. */
const WARM_CONNECTIONS = 3;

export class PostgresInboxStore implements InboxStore {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  readonly pool: pg.Pool;
  #onPoolError: ((err: Error) => void) | undefined;
  #inserts = new GroupCommit<readonly NewEvent[], InsertResult>((calls) => this.#insertGroup(calls), 3);
  #settles = new GroupCommit<Settlement, Error | undefined>((group) => this.#settleGroup(group), 3);

  constructor(options: PostgresStoreOptions) {
    const schema = options.schema ?? 'syncspec';
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}" (lowercase letters, digits, _)`);
    this.schema = schema;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 8,
      application_name: options.applicationName ?? 'syncspec-worker',
      options: `-c search_path=${schema}`,
    });
    this.#onPoolError = options.onPoolError;
    this.pool.on('error', (err) => options.onPoolError?.(err));
  }

  async #q(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    // A connection that dies while checked out emits 'error' on the client, not the pool: without a
    // listener that is an uncaught exception. The failing query rejects as well, which is what we act on.
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
      this.#onPoolError?.(err);
    };
    c.on('error', onError);
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      if (!broken) await c.query('ROLLBACK').catch(() => undefined);
      broken ??= err instanceof Error && isConnectionError(err) ? err : undefined;
      throw err;
    } finally {
      c.off('error', onError);
      // Passing the error destroys the client instead of returning a dead connection to the pool.
      c.release(broken);
    }
  }

  async migrate(upTo = Number.POSITIVE_INFINITY): Promise<number[]> {
    const applied: number[] = [];
    await this.#tx(async (c) => {
      // One migrator at a time when several workers start together.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`syncspec-migrate:${this.schema}`]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const done = new Set((await c.query('SELECT version FROM schema_migrations')).rows.map((r: Row) => Number(r.version)));
      for (const m of migrations) {
        if (m.version > upTo || done.has(m.version)) continue;
        for (const sql of m.postgres) await c.query(sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
        applied.push(m.version);
      }
    });
    // Migrations run at start: open the connections the first events need as well (a connection and its
    // session take tens of milliseconds), so the first webhooks after start do not queue behind them.
    await Promise.all(Array.from({ length: Math.min(WARM_CONNECTIONS, this.pool.options.max ?? WARM_CONNECTIONS) }, () => this.pool.query('SELECT 1')));
    return applied;
  }

  async appliedMigrations(): Promise<number[]> {
    return (await this.#q('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));
  }

  insertEvents(events: readonly NewEvent[]): Promise<InsertResult> {
    return this.#inserts.submit(events);
  }

  /**
   * Every insert call of a group in one statement (one round trip, committed when it returns): delivery
   * ids first (`ON CONFLICT DO NOTHING`: an id already received marks its event replayed; an id twice in
   * the group belongs to the first event carrying it), then the fresh events deduped on (spec, source id,
   * source version). The answer is counted per call: rows fresh (not replayed) and rows inserted, each
   * insert credited to the first call that offered the version.
   */
  async #insertGroup(calls: (readonly NewEvent[])[]): Promise<InsertResult[]> {
    const perCall = calls.map((events) => uniqueEvents(events));
    const total = perCall.reduce((n, c) => n + c.length, 0);
    if (total === 0) return calls.map(() => ({ inserted: 0, duplicates: 0, replayed: 0 }));
    const cols = {
      spec: new Array<string>(total),
      id: new Array<string>(total),
      version: new Array<string>(total),
      cursor: new Array<string | null>(total),
      deleted: new Array<boolean>(total),
      payload: new Array<Record<string, unknown>>(total),
      at: new Array<number>(total),
      delivery: new Array<string | null>(total),
      call: new Array<number>(total),
    };
    let n = 0;
    perCall.forEach((events, call) => {
      for (const e of events) {
        cols.spec[n] = e.spec;
        cols.id[n] = e.sourceId;
        cols.version[n] = e.sourceVersion;
        cols.cursor[n] = e.cursor ?? null;
        cols.deleted[n] = e.deleted === true;
        cols.payload[n] = e.payload;
        cols.at[n] = e.receivedAt;
        cols.delivery[n] = e.deliveryId ?? null;
        cols.call[n] = call;
        n++;
      }
    });
    const statement = cols.delivery.some((d) => d !== null) ? INSERT_WITH_DELIVERIES : calls.length === 1 ? INSERT_ONE_CALL : INSERT_EVENTS;
    const r = await this.pool.query({
      ...statement,
      values: [cols.spec, cols.id, cols.version, cols.cursor, cols.deleted, JSON.stringify(cols.payload), cols.at, cols.delivery, cols.call],
    });
    const fresh = new Array<number>(calls.length).fill(0);
    const inserted = new Array<number>(calls.length).fill(0);
    for (const row of r.rows as Row[]) {
      const g = Number(row.g);
      fresh[g] = (fresh[g] ?? 0) + Number(row.fresh);
      inserted[g] = (inserted[g] ?? 0) + Number(row.inserted);
    }
    return perCall.map((events, g) => {
      const f = fresh[g] ?? 0;
      const i = inserted[g] ?? 0;
      return { inserted: i, duplicates: f - i, replayed: events.length - f };
    });
  }

  async claim(req: ClaimRequest): Promise<ClaimedLane[]> {
    // One round trip: `claim_lanes` (migrations 3-6) picks the candidates (FOR UPDATE SKIP LOCKED, so
    // workers never wait on each other's rows), takes the leases and returns the won keys' pending
    // events with the version last delivered — in one transaction, each step on a fresh snapshot.
    const r = await this.pool.query({
      name: 'syncspec-claim',
      text: 'SELECT * FROM claim_lanes($1, $2, $3, $4, $5, $6)',
      values: [req.spec, req.owner, req.limit, req.limit * 4, req.now, req.now + req.leaseMs],
    });
    const rows = r.rows as Row[];
    if (rows.length === 0) return [];
    const delivered = new Map<string, string>();
    for (const x of rows) if (x.delivered_version !== null) delivered.set(String(x.source_id), String(x.delivered_version));
    return groupLanes(req.spec, rows.map(rowToEvent), delivered);
  }

  async releaseOwner(owner: string): Promise<number> {
    const r = await this.pool.query('DELETE FROM inbox_lanes WHERE owner = $1', [owner]);
    return r.rowCount ?? 0;
  }

  async renew(owner: string, lanes: readonly LaneKey[], until: number): Promise<void> {
    if (lanes.length === 0) return;
    await this.#q(
      `UPDATE inbox_lanes l SET expires_at = $1 FROM unnest($2::text[], $3::text[]) AS x(s, k)
       WHERE l.spec = x.s AND l.source_id = x.k AND l.owner = $4`,
      [until, lanes.map((l) => l.spec), lanes.map((l) => l.sourceId), owner],
    );
  }

  async settle(s: Settlement): Promise<void> {
    // The common settlement (state, crosswalk, lease release) goes through a group commit: the batches
    // settling at the same time share one statement of data-modifying CTEs (atomic, one round trip).
    if (s.deadLetters.length === 0 && s.echoMarks.length === 0 && s.consumedEchoMarks.length === 0) {
      const failed = await this.#settles.submit(s);
      if (failed) throw failed;
      return;
    }
    // With dead letters or echo marks: the same statement and those rows in one transaction.
    await this.#tx(async (c) => {
      await this.#settleStatement([s], c);
      for (const d of s.deadLetters) {
        await c.query(
          `INSERT INTO dead_letters (event_id, spec, source_id, source_version, reason, class, code, input, errors, at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [d.eventId, d.spec, d.sourceId, d.sourceVersion, d.reason, d.class, d.code, JSON.stringify(d.input), JSON.stringify(d.errors), d.at, d.createdAt],
        );
      }
      for (const m of s.echoMarks) {
        await c.query('INSERT INTO echo_marks (system, entity, record_id, written, expires_at) VALUES ($1, $2, $3, $4, $5)', [
          m.system,
          m.entity,
          m.recordId,
          JSON.stringify(m.written),
          m.expiresAt,
        ]);
      }
      if (s.consumedEchoMarks.length > 0) {
        await c.query('DELETE FROM echo_marks WHERE id = ANY($1::bigint[])', [s.consumedEchoMarks]);
      }
    });
  }

  /**
   * Common settlements of concurrent batches in one statement. Should the statement fail, each is tried
   * again on its own, so a bad one fails alone (and keeps its leases until they expire) while the
   * others commit — as if each had been sent by itself. Resolves to each one's error, if any.
   */
  async #settleGroup(group: Settlement[]): Promise<(Error | undefined)[]> {
    try {
      await this.#settleStatement(group);
      return group.map(() => undefined);
    } catch (err) {
      if (group.length === 1) return [asError(err)];
    }
    return Promise.all(group.map((s) => this.#settleStatement([s]).then(() => undefined, asError)));
  }

  async #settleStatement(group: readonly Settlement[], on: pg.Pool | pg.PoolClient = this.pool): Promise<void> {
    const events = group.flatMap((s) => s.events.map((e) => ({ e, now: s.now })));
    const crosswalk = group.flatMap((s) => s.crosswalk.map((x) => ({ x, now: s.now })));
    const release = group.flatMap((s) => s.release.map((l) => ({ l, owner: s.owner })));
    await on.query({
      ...SETTLE,
      values: [
        events.map((u) => u.e.id),
        events.map((u) => u.e.state),
        events.map((u) => u.e.attempts),
        events.map((u) => u.e.nextAttemptAt),
        events.map((u) => u.e.lastError ?? null),
        events.map((u) => u.now),
        crosswalk.map((c) => c.x.spec),
        crosswalk.map((c) => c.x.sourceId),
        crosswalk.map((c) => c.x.targetId),
        crosswalk.map((c) => c.x.targetKey),
        crosswalk.map((c) => c.x.sourceVersion),
        crosswalk.map((c) => c.now),
        release.map((r) => r.l.spec),
        release.map((r) => r.l.sourceId),
        release.map((r) => r.owner),
      ],
    });
  }

  async unsettled(spec: string, refs: readonly { sourceId: string; sourceVersion: string }[]): Promise<number> {
    if (refs.length === 0) return 0;
    const rows = await this.#q(
      // A probe per ref (LATERAL with OFFSET 0 cannot become a join): the queue table's statistics lag
      // far behind it, and a hash join over them scanned the whole queue per call.
      `SELECT COUNT(*) AS n FROM unnest($2::text[], $3::text[]) AS x(i, v)
       CROSS JOIN LATERAL (SELECT 1 FROM inbox_queue q WHERE q.spec = $1 AND q.source_id = x.i AND q.source_version = x.v OFFSET 0) q`,
      [spec, refs.map((r) => r.sourceId), refs.map((r) => r.sourceVersion)],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async depth(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of await this.#q(`SELECT spec, COUNT(*) AS n FROM inbox_queue GROUP BY spec ORDER BY spec`)) {
      out[String(r.spec)] = Number(r.n);
    }
    return out;
  }

  async oldestPending(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of await this.#q(`SELECT spec, MIN(received_at) AS t FROM inbox_queue GROUP BY spec ORDER BY spec`)) {
      out[String(r.spec)] = Number(r.t);
    }
    return out;
  }

  async getEvent(id: number): Promise<InboxEvent | undefined> {
    const r = (await this.#q('SELECT * FROM inbox_events WHERE id = $1', [id]))[0];
    return r ? rowToEvent(r) : undefined;
  }

  async crosswalkGet(spec: string, sourceIds: readonly string[]): Promise<Map<string, string>> {
    if (sourceIds.length === 0) return new Map();
    const rows = await this.#q('SELECT source_id, target_id FROM crosswalk WHERE spec = $1 AND source_id = ANY($2::text[])', [
      spec,
      [...new Set(sourceIds)],
    ]);
    return new Map(rows.map((r) => [String(r.source_id), String(r.target_id)]));
  }

  async crosswalkBySourceId(spec: string, sourceId: string): Promise<CrosswalkEntry | undefined> {
    const r = (await this.#q('SELECT * FROM crosswalk WHERE spec = $1 AND source_id = $2', [spec, sourceId]))[0];
    return r ? toCrosswalk(r) : undefined;
  }

  async crosswalkByTargetId(spec: string, targetId: string): Promise<CrosswalkEntry | undefined> {
    const r = (await this.#q('SELECT * FROM crosswalk WHERE spec = $1 AND target_id = $2 ORDER BY source_id LIMIT 1', [spec, targetId]))[0];
    return r ? toCrosswalk(r) : undefined;
  }

  async listDeadLetters(q: { spec?: string; includeReplayed?: boolean; limit?: number }): Promise<DeadLetter[]> {
    const rows = await this.#q(
      `SELECT * FROM dead_letters WHERE ($1::text IS NULL OR spec = $1) AND ($2 OR replayed_at IS NULL) ORDER BY id LIMIT $3`,
      [q.spec ?? null, q.includeReplayed === true, q.limit ?? 1000],
    );
    return rows.map(rowToDeadLetter);
  }

  async getDeadLetter(id: number): Promise<DeadLetter | undefined> {
    const r = (await this.#q('SELECT * FROM dead_letters WHERE id = $1', [id]))[0];
    return r ? rowToDeadLetter(r) : undefined;
  }

  async replayDeadLetters(ids: readonly number[], now: number): Promise<number[]> {
    if (ids.length === 0) return [];
    return this.#tx(async (c) => {
      const r = await c.query(
        `UPDATE dead_letters SET replayed_at = $2 WHERE id = ANY($1::bigint[]) AND replayed_at IS NULL RETURNING id, event_id`,
        [[...new Set(ids)], now],
      );
      const eventIds = r.rows.map((x: Row) => Number(x.event_id));
      await c.query(
        `WITH replayed AS (
           UPDATE inbox_events SET state = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL, updated_at = $2
           WHERE id = ANY($1::bigint[]) RETURNING id, spec, source_id, source_version, received_at
         )
         INSERT INTO inbox_queue (id, spec, source_id, source_version, received_at, next_attempt_at)
         SELECT id, spec, source_id, source_version, received_at, $2 FROM replayed
         ON CONFLICT (id) DO UPDATE SET next_attempt_at = excluded.next_attempt_at`,
        [eventIds, now],
      );
      return r.rows.map((x: Row) => Number(x.id)).sort((a: number, b: number) => a - b);
    });
  }

  async deadLetterCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of await this.#q('SELECT spec, COUNT(*) AS n FROM dead_letters WHERE replayed_at IS NULL GROUP BY spec ORDER BY spec')) {
      out[String(r.spec)] = Number(r.n);
    }
    return out;
  }

  async findEchoMarks(system: string, entity: string, recordIds: readonly string[], now: number): Promise<StoredEchoMark[]> {
    if (recordIds.length === 0) return [];
    const rows = await this.#q(
      'SELECT * FROM echo_marks WHERE system = $1 AND entity = $2 AND record_id = ANY($3::text[]) AND expires_at > $4 ORDER BY id',
      [system, entity, [...new Set(recordIds)], now],
    );
    return rows.map(rowToEchoMark);
  }

  async getCursor(spec: string): Promise<CursorState> {
    const r = (await this.#q('SELECT * FROM cursors WHERE spec = $1', [spec]))[0];
    return { spec, position: textToPosition(r?.position), updatedAt: r ? Number(r.updated_at) : undefined };
  }

  async listCursors(): Promise<CursorState[]> {
    return (await this.#q('SELECT * FROM cursors ORDER BY spec')).map((r) => ({
      spec: String(r.spec),
      position: textToPosition(r.position),
      updatedAt: Number(r.updated_at),
    }));
  }

  async moveCursor(spec: string, to: CursorPosition | undefined, who: string, why: string, now: number): Promise<CursorMove> {
    return this.#tx(async (c) => {
      // Lock the row (or the spec's slot) so concurrent moves record a true from → to chain.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`syncspec-cursor:${spec}`]);
      const before = (await c.query('SELECT position FROM cursors WHERE spec = $1', [spec])).rows[0] as Row | undefined;
      await c.query(
        `INSERT INTO cursors (spec, position, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (spec) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        [spec, positionToText(to), now],
      );
      const from = (before?.position as string | null | undefined) ?? null;
      const r = await c.query(
        'INSERT INTO cursor_moves (spec, from_position, to_position, who, why, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
        [spec, from, positionToText(to), who, why, now],
      );
      return { id: Number((r.rows[0] as Row).id), spec, from: textToPosition(from), to, who, why, at: now };
    });
  }

  async cursorHistory(spec: string, limit: number): Promise<CursorMove[]> {
    return (await this.#q('SELECT * FROM cursor_moves WHERE spec = $1 ORDER BY id DESC LIMIT $2', [spec, limit])).map(rowToMove);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async prune(before: number): Promise<number> {
    return this.#tx(async (c) => {
      const a = await c.query(`DELETE FROM inbox_events WHERE state IN ('done', 'superseded', 'filtered', 'echo', 'skipped') AND updated_at < $1`, [before]);
      const b = await c.query('DELETE FROM webhook_deliveries WHERE received_at < $1', [before]);
      const e = await c.query('DELETE FROM echo_marks WHERE expires_at < $1', [before]);
      return (a.rowCount ?? 0) + (b.rowCount ?? 0) + (e.rowCount ?? 0);
    });
  }

  async close(): Promise<void> {
    await this.#inserts.idle();
    await this.#settles.idle();
    await this.pool.end();
  }
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** Errors after which the connection is unusable (terminated by the server, reset, closed). */
function isConnectionError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('57P') || code.startsWith('08') || code === 'ECONNRESET' || code === 'EPIPE');
}

function toCrosswalk(r: Row): CrosswalkEntry {
  return {
    spec: String(r.spec),
    sourceId: String(r.source_id),
    targetId: String(r.target_id),
    targetKey: String(r.target_key),
    sourceVersion: String(r.source_version),
  };
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresInboxStore> {
  const store = new PostgresInboxStore(options);
  await store.migrate();
  return store;
}
