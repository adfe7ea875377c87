/**
 * The embedded inbox store: SQLite through `node:sqlite` (no native addon).
 *
 * Durability: WAL with `synchronous=FULL`. In WAL mode NORMAL survives a killed process but may lose
 * the last commits on power loss or an OS crash — and a webhook we answered 2xx is never sent again,
 * so the commit that precedes the answer must be on disk. FULL costs one fsync per commit; concurrent
 * inserts are group-committed (one transaction per event-loop turn, at most one per `groupWindowMs`)
 * to spread that cost.
 *
 * Key leases live in memory, shared by every handle on the same file in this process: the embedded
 * store serves one worker process (the CLI reads and replays, it never claims), so a lease need not be
 * durable — and a claim then writes nothing, which keeps fsyncs off the claim path. Several worker
 * processes sharing work is what the PostgreSQL store is for.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { CursorPosition } from '../support/connector.ts';
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

export interface SqliteStoreOptions {
  /** `FULL` (default, see above) or `NORMAL` for throw-away stores such as benchmarks. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Minimum gap between two insert commits, gathering more events per fsync; default 2 ms (FULL) / 0 (NORMAL). */
  groupWindowMs?: number;
}

interface Lease {
  owner: string;
  expiresAt: number;
}

/** Leases per database file (see above), shared by the handles of one process. */
const LEASES = new Map<string, Map<string, Lease>>();
const leaseKey = (spec: string, sourceId: string): string => `${spec}\0${sourceId}`;

type Row = Record<string, unknown>;

/** A write waiting for the next group commit: an insert call or a batch settlement. */
type PendingWrite =
  | { kind: 'insert'; events: readonly NewEvent[]; resolve: (r: InsertResult) => void; reject: (e: unknown) => void }
  | { kind: 'settle'; settlement: Settlement; resolve: () => void; reject: (e: unknown) => void };

export class SqliteInboxStore implements InboxStore {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();
  #queue: PendingWrite[] = [];
  #flushScheduled = false;
  #lastFlush = 0;
  #groupWindowMs: number;
  #leases: Map<string, Lease>;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#groupWindowMs = options.groupWindowMs ?? (options.synchronous === 'NORMAL' ? 0 : 2);
    let leases = path === ':memory:' ? undefined : LEASES.get(path);
    if (!leases) {
      leases = new Map();
      if (path !== ':memory:') LEASES.set(path, leases);
    }
    this.#leases = leases;
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec(`PRAGMA synchronous = ${options.synchronous ?? 'FULL'}`);
    // The CLI and a running worker share the file; wait for the other's write instead of failing.
    this.#db.exec('PRAGMA busy_timeout = 5000');
    this.#db.exec('PRAGMA foreign_keys = ON');
  }

  #stmt(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.#stmt(sql).all(...params) as Row[];
  }

  #get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.#stmt(sql).get(...params) as Row | undefined;
  }

  #run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.#stmt(sql).run(...params).changes);
  }

  #tx<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.#db.exec('COMMIT');
      return out;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  async migrate(upTo = Number.POSITIVE_INFINITY): Promise<number[]> {
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const done = new Set(this.#all('SELECT version FROM schema_migrations').map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version > upTo || done.has(m.version)) continue;
      this.#tx(() => {
        for (const sql of m.sqlite) this.#db.exec(sql);
        this.#run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', m.version, m.name, Date.now());
      });
      applied.push(m.version);
    }
    return applied;
  }

  async appliedMigrations(): Promise<number[]> {
    return this.#all('SELECT version FROM schema_migrations ORDER BY version').map((r) => Number(r.version));
  }

  insertEvents(events: readonly NewEvent[]): Promise<InsertResult> {
    return new Promise((resolve, reject) => this.#enqueue({ kind: 'insert', events, resolve, reject }));
  }

  #enqueue(w: PendingWrite): void {
    this.#queue.push(w);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      const wait = this.#lastFlush + this.#groupWindowMs - performance.now();
      if (wait > 0) setTimeout(() => this.#flushWrites(), wait);
      else setImmediate(() => this.#flushWrites());
    }
  }

  /**
   * One transaction (one fsync) for every insert and settlement queued since the last flush. Each
   * settlement runs under its own savepoint, so one that fails is rolled back alone and only its caller
   * sees the error; an insert error fails the inserts of the flush (their callers answer 5xx and the
   * sender retries). Nobody is resolved before COMMIT returns.
   */
  #flushWrites(): void {
    this.#flushScheduled = false;
    this.#lastFlush = performance.now();
    const batch = this.#queue;
    this.#queue = [];
    const inserts = batch.filter((w) => w.kind === 'insert');
    const outcomes = new Map<PendingWrite, { ok: true; value?: InsertResult } | { ok: false; error: unknown }>();
    try {
      this.#tx(() => {
        let insertError: { error: unknown } | undefined;
        const inserted = new Map<PendingWrite, InsertResult>();
        this.#db.exec('SAVEPOINT inserts');
        try {
          for (const w of inserts) inserted.set(w, this.#insertNow(w.events));
          this.#db.exec('RELEASE inserts');
        } catch (error) {
          this.#db.exec('ROLLBACK TO inserts');
          this.#db.exec('RELEASE inserts');
          insertError = { error };
        }
        for (const w of inserts) outcomes.set(w, insertError ? { ok: false, error: insertError.error } : { ok: true, value: inserted.get(w) as InsertResult });
        for (const w of batch) {
          if (w.kind !== 'settle') continue;
          this.#db.exec('SAVEPOINT settle');
          try {
            this.#settleNow(w.settlement);
            this.#db.exec('RELEASE settle');
            outcomes.set(w, { ok: true });
          } catch (error) {
            this.#db.exec('ROLLBACK TO settle');
            this.#db.exec('RELEASE settle');
            outcomes.set(w, { ok: false, error });
          }
        }
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    for (const w of batch) {
      const o = outcomes.get(w);
      if (!o || !o.ok) w.reject(o ? o.error : new Error('write left unsettled by the group commit'));
      else if (w.kind === 'insert') w.resolve(o.value as InsertResult);
      else {
        this.#releaseLeases(w.settlement);
        w.resolve();
      }
    }
  }

  #insertNow(events: readonly NewEvent[]): InsertResult {
    const result: InsertResult = { inserted: 0, duplicates: 0, replayed: 0 };
    for (const e of uniqueEvents(events)) {
      if (e.deliveryId !== undefined) {
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
        e.cursor ?? null,
        e.deleted ? 1 : 0,
        JSON.stringify(e.payload),
        e.receivedAt,
        e.receivedAt,
        e.receivedAt,
      );
      if (n === 1) result.inserted++;
      else result.duplicates++;
    }
    return result;
  }

  #leased(spec: string, sourceId: string, now: number): boolean {
    const l = this.#leases.get(leaseKey(spec, sourceId));
    return l !== undefined && l.expiresAt > now;
  }

  async claim(req: ClaimRequest): Promise<ClaimedLane[]> {
    const keys: string[] = [];
    const seen = new Set<string>();
    let after = 0;
    // Keys held by a live lease are skipped inside SQLite: under load they are the oldest pending rows
    // (the batches in flight), and reading them into JS on every claim cost more than the claim itself.
    const prefix = `${req.spec}\0`;
    const held: string[] = [];
    for (const [k, l] of this.#leases) if (l.expiresAt > req.now && k.startsWith(prefix)) held.push(k.slice(prefix.length));
    const heldList = JSON.stringify(held);
    // Page through due events in arrival order, skipping keys another lane holds, until `limit` keys.
    while (keys.length < req.limit) {
      const rows = this.#all(
        `SELECT id, source_id FROM inbox_events
         WHERE spec = ? AND state = 'pending' AND next_attempt_at <= ? AND id > ?
           AND source_id NOT IN (SELECT value FROM json_each(?))
         ORDER BY id LIMIT ?`,
        req.spec,
        req.now,
        after,
        heldList,
        // Leased keys are filtered out above, so nearly every row is a new key: read little more than needed.
        Math.max(64, Math.ceil(req.limit * 1.25)),
      );
      for (const r of rows) {
        const key = String(r.source_id);
        if (seen.has(key)) continue;
        seen.add(key);
        if (!this.#leased(req.spec, key, req.now)) keys.push(key);
        if (keys.length >= req.limit) break;
      }
      if (rows.length === 0 || keys.length >= req.limit) break;
      after = Number(rows[rows.length - 1]?.id);
    }
    keys.sort();
    const events: InboxEvent[] = [];
    const delivered = new Map<string, string>();
    for (const key of keys) this.#leases.set(leaseKey(req.spec, key), { owner: req.owner, expiresAt: req.now + req.leaseMs });
    // Two statements for all the claimed keys, not two per key (groupLanes orders the lanes and events).
    const keyList = JSON.stringify(keys);
    for (const r of this.#all(`SELECT * FROM inbox_events WHERE spec = ? AND state = 'pending' AND source_id IN (SELECT value FROM json_each(?))`, req.spec, keyList)) {
      events.push(rowToEvent(r));
    }
    for (const cw of this.#all('SELECT source_id, source_version FROM crosswalk WHERE spec = ? AND source_id IN (SELECT value FROM json_each(?))', req.spec, keyList)) {
      delivered.set(String(cw.source_id), String(cw.source_version));
    }
    return groupLanes(req.spec, events, delivered);
  }

  async releaseOwner(owner: string): Promise<number> {
    let n = 0;
    for (const [k, l] of this.#leases) {
      if (l.owner === owner) {
        this.#leases.delete(k);
        n++;
      }
    }
    return n;
  }

  async renew(owner: string, lanes: readonly LaneKey[], until: number): Promise<void> {
    for (const l of lanes) {
      const lease = this.#leases.get(leaseKey(l.spec, l.sourceId));
      if (lease?.owner === owner) lease.expiresAt = until;
    }
  }

  /** Group-committed with other settlements and inserts (see `#flushWrites`); leases drop after COMMIT. */
  settle(s: Settlement): Promise<void> {
    return new Promise((resolve, reject) => this.#enqueue({ kind: 'settle', settlement: s, resolve, reject }));
  }

  #settleNow(s: Settlement): void {
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

  #releaseLeases(s: Settlement): void {
    for (const l of s.release) {
      const k = leaseKey(l.spec, l.sourceId);
      if (this.#leases.get(k)?.owner === s.owner) this.#leases.delete(k);
    }
  }

  async unsettled(spec: string, refs: readonly { sourceId: string; sourceVersion: string }[]): Promise<number> {
    if (refs.length === 0) return 0;
    // One statement for the whole chunk (the poll asks about thousands of refs at a time); CROSS JOIN
    // keeps the refs the outer loop, so each is one probe of the dedupe index, whatever the statistics say.
    const row = this.#get(
      `SELECT COUNT(*) AS n FROM json_each(?) AS r
       CROSS JOIN inbox_events e ON e.spec = ? AND e.source_id = r.value ->> 0 AND e.source_version = r.value ->> 1 AND e.state = 'pending'`,
      JSON.stringify(refs.map((r) => [r.sourceId, r.sourceVersion])),
      spec,
    );
    return Number(row?.n ?? 0);
  }

  async depth(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of this.#all(`SELECT spec, COUNT(*) AS n FROM inbox_events WHERE state = 'pending' GROUP BY spec ORDER BY spec`)) {
      out[String(r.spec)] = Number(r.n);
    }
    return out;
  }

  async oldestPending(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of this.#all(`SELECT spec, MIN(received_at) AS t FROM inbox_events WHERE state = 'pending' GROUP BY spec ORDER BY spec`)) {
      out[String(r.spec)] = Number(r.t);
    }
    return out;
  }

  async getEvent(id: number): Promise<InboxEvent | undefined> {
    const r = this.#get('SELECT * FROM inbox_events WHERE id = ?', id);
    return r ? rowToEvent(r) : undefined;
  }

  async crosswalkGet(spec: string, sourceIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of new Set(sourceIds)) {
      const r = this.#get('SELECT target_id FROM crosswalk WHERE spec = ? AND source_id = ?', spec, id);
      if (r) out.set(id, String(r.target_id));
    }
    return out;
  }

  async crosswalkBySourceId(spec: string, sourceId: string): Promise<CrosswalkEntry | undefined> {
    const r = this.#get('SELECT * FROM crosswalk WHERE spec = ? AND source_id = ?', spec, sourceId);
    return r ? toCrosswalk(r) : undefined;
  }

  async crosswalkByTargetId(spec: string, targetId: string): Promise<CrosswalkEntry | undefined> {
    const r = this.#get('SELECT * FROM crosswalk WHERE spec = ? AND target_id = ? ORDER BY source_id LIMIT 1', spec, targetId);
    return r ? toCrosswalk(r) : undefined;
  }

  async listDeadLetters(q: { spec?: string; includeReplayed?: boolean; limit?: number }): Promise<DeadLetter[]> {
    const rows = this.#all(
      `SELECT * FROM dead_letters WHERE (? IS NULL OR spec = ?) AND (? = 1 OR replayed_at IS NULL) ORDER BY id LIMIT ?`,
      q.spec ?? null,
      q.spec ?? null,
      q.includeReplayed ? 1 : 0,
      q.limit ?? 1000,
    );
    return rows.map(rowToDeadLetter);
  }

  async getDeadLetter(id: number): Promise<DeadLetter | undefined> {
    const r = this.#get('SELECT * FROM dead_letters WHERE id = ?', id);
    return r ? rowToDeadLetter(r) : undefined;
  }

  async replayDeadLetters(ids: readonly number[], now: number): Promise<number[]> {
    return this.#tx(() => {
      const replayed: number[] = [];
      for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
        const d = this.#get('SELECT event_id FROM dead_letters WHERE id = ? AND replayed_at IS NULL', id);
        if (!d) continue;
        this.#run(
          `UPDATE inbox_events SET state = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL, updated_at = ? WHERE id = ?`,
          now,
          now,
          Number(d.event_id),
        );
        this.#run('UPDATE dead_letters SET replayed_at = ? WHERE id = ?', now, id);
        replayed.push(id);
      }
      return replayed;
    });
  }

  async deadLetterCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of this.#all('SELECT spec, COUNT(*) AS n FROM dead_letters WHERE replayed_at IS NULL GROUP BY spec ORDER BY spec')) {
      out[String(r.spec)] = Number(r.n);
    }
    return out;
  }

  async findEchoMarks(system: string, entity: string, recordIds: readonly string[], now: number): Promise<StoredEchoMark[]> {
    const out: StoredEchoMark[] = [];
    for (const id of new Set(recordIds)) {
      const rows = this.#all(
        'SELECT * FROM echo_marks WHERE system = ? AND entity = ? AND record_id = ? AND expires_at > ? ORDER BY id',
        system,
        entity,
        id,
        now,
      );
      out.push(...rows.map(rowToEchoMark));
    }
    return out;
  }

  async getCursor(spec: string): Promise<CursorState> {
    const r = this.#get('SELECT * FROM cursors WHERE spec = ?', spec);
    return { spec, position: textToPosition(r?.position), updatedAt: r ? Number(r.updated_at) : undefined };
  }

  async listCursors(): Promise<CursorState[]> {
    return this.#all('SELECT * FROM cursors ORDER BY spec').map((r) => ({
      spec: String(r.spec),
      position: textToPosition(r.position),
      updatedAt: Number(r.updated_at),
    }));
  }

  async moveCursor(spec: string, to: CursorPosition | undefined, who: string, why: string, now: number): Promise<CursorMove> {
    return this.#tx(() => {
      const before = this.#get('SELECT position FROM cursors WHERE spec = ?', spec);
      this.#run(
        `INSERT INTO cursors (spec, position, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (spec) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        spec,
        positionToText(to),
        now,
      );
      const from = (before?.position as string | null | undefined) ?? null;
      const info = this.#stmt('INSERT INTO cursor_moves (spec, from_position, to_position, who, why, at) VALUES (?, ?, ?, ?, ?, ?)').run(
        spec,
        from,
        positionToText(to),
        who,
        why,
        now,
      );
      return { id: Number(info.lastInsertRowid), spec, from: textToPosition(from), to, who, why, at: now };
    });
  }

  async cursorHistory(spec: string, limit: number): Promise<CursorMove[]> {
    return this.#all('SELECT * FROM cursor_moves WHERE spec = ? ORDER BY id DESC LIMIT ?', spec, limit).map(rowToMove);
  }

  async ping(): Promise<void> {
    this.#get('SELECT 1 AS ok');
  }

  async prune(before: number): Promise<number> {
    return this.#tx(
      () =>
        this.#run(`DELETE FROM inbox_events WHERE state IN ('done', 'superseded', 'filtered', 'echo', 'skipped') AND updated_at < ?`, before) +
        this.#run('DELETE FROM webhook_deliveries WHERE received_at < ?', before) +
        this.#run('DELETE FROM echo_marks WHERE expires_at < ?', before),
    );
  }

  async close(): Promise<void> {
    if (this.#flushScheduled) await new Promise<void>((r) => setImmediate(r));
    if (this.#db.isOpen) this.#db.close();
  }
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

export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<SqliteInboxStore> {
  const store = new SqliteInboxStore(path, options);
  await store.migrate();
  return store;
}
