/**
 * The embedded inbox store: SQLite through `node:sqlite` (no native addon).
 *
 * Durability: WAL with `synchronous=FULL`. In WAL mode NORMAL survives a killed process but may lose
 * the last commits on power loss or an OS crash — and a webhook we answered 2xx is never sent again,
 * so the commit that precedes the answer must be on disk. FULL costs one fsync per commit; concurrent
 * inserts and settlements are group-committed (one transaction per group, at most one per
 * `groupWindowMs`) to spread that cost, on a writer thread with its own connection so the fsync wait
 * does not stop this thread (reads — claims, look-ups — stay here: WAL readers never wait for the writer).
 *
 * Key leases live in memory, shared by every handle on the same file in this process: the embedded
 * store serves one worker process (the CLI reads and replays, it never claims), so a lease need not be
 * durable — and a claim then writes nothing, which keeps fsyncs off the claim path. Several worker
 * processes sharing work is what the PostgreSQL store is for.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { CursorPosition } from '../support/connector.ts';
import { migrations } from './migrations.ts';
import { fromWireError, SqliteWrites, toWireEvent, type WireError, type WriteOutcome, type WriteRequest } from './sqlite-writes.ts';
import type { WriterMessage, WriterThreadData } from './sqlite-writer-thread.ts';
import {
  groupLanes,
  PENDING_EVENT_COLUMNS,
  pendingEvent,
  positionToText,
  rowToDeadLetter,
  rowToEchoMark,
  rowToEvent,
  rowToMove,
  textToPosition,
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
  /**
   * Commit inserts and settlements on a writer thread (default for files): the fsync of each commit
   * then no longer blocks this thread. `false` commits on this thread (`:memory:` always does).
   */
  writerThread?: boolean;
}

interface Lease {
  owner: string;
  expiresAt: number;
}

/** Whether node:sqlite can answer rows as arrays (`setReturnArrays`; not in every Node the engines allow). */
const NATIVE_ARRAYS = typeof (StatementSync.prototype as Partial<StatementSync>).setReturnArrays === 'function';

/** Leases per spec and source id. */
type Leases = Map<string, Map<string, Lease>>;
/** Leases per database file (see above), shared by the handles of one process. */
const LEASES = new Map<string, Leases>();

type Row = Record<string, unknown>;

/** A write waiting for the next group commit: an insert call or a batch settlement. */
interface PendingWrite {
  request: WriteRequest;
  resolve: (r?: InsertResult) => void;
  reject: (e: unknown) => void;
}

/** Where the group-committed writes run: the writer thread (files) or this thread (`:memory:`). */
interface WriteChannel {
  run(batch: WriteRequest[]): Promise<WriteOutcome[]>;
  close(): Promise<void>;
}

function inlineChannel(db: DatabaseSync): WriteChannel {
  const writes = new SqliteWrites(db);
  return { run: async (batch) => writes.apply(batch), close: async () => undefined };
}

/**
 * The writer thread of one handle. It holds the event loop open only while a write is in flight, so
 * a handle the CLI forgets to close does not keep the process alive. A thread that dies fails the
 * write in flight; the next write starts a new one.
 */
function threadChannel(path: string, synchronous: 'FULL' | 'NORMAL'): WriteChannel {
  let thread: Worker | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (o: WriteOutcome[]) => void; reject: (e: unknown) => void }>();
  const fail = (err: unknown): void => {
    thread = undefined;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  const start = (): Worker => {
    const data: WriterThreadData = { path, synchronous };
    const t = new Worker(new URL('./sqlite-writer-thread.ts', import.meta.url), { workerData: data });
    t.unref();
    t.on('message', (m: { id: number; outcomes?: WriteOutcome[]; error?: WireError }) => {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (waiting.size === 0) t.unref();
      if (m.error) w.reject(fromWireError(m.error));
      else w.resolve(m.outcomes ?? []);
    });
    t.on('error', (err) => {
      if (thread === t) fail(err);
    });
    t.on('exit', (code) => {
      if (thread === t) fail(new Error(`the SQLite writer thread exited (code ${code})`));
    });
    return t;
  };
  return {
    run(batch) {
      thread ??= start();
      const t = thread;
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        t.ref();
        t.postMessage({ type: 'write', id, batch } satisfies WriterMessage);
      });
    },
    async close() {
      const t = thread;
      thread = undefined;
      if (!t) return;
      const exited = new Promise<void>((resolve) => t.once('exit', () => resolve()));
      t.ref();
      t.postMessage({ type: 'close' } satisfies WriterMessage);
      await exited;
    },
  };
}

export class SqliteInboxStore implements InboxStore {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();
  #queue: PendingWrite[] = [];
  #flushScheduled = false;
  #writing = false;
  #idleWaiters: (() => void)[] = [];
  #lastFlush = 0;
  #groupWindowMs: number;
  #path: string;
  #threaded: boolean;
  #synchronous: 'FULL' | 'NORMAL';
  #writer: WriteChannel | undefined;
  #closing = false;
  /** Per spec: where the last claim stopped reading, and when it last read from the start (see `claim`). */
  #scans = new Map<string, { after: number; fullAt: number }>();
  /** Statements answering arrays (see `#rows`); apart from `#statements`, which answer objects. */
  #arrayStatements = new Map<string, StatementSync>();
  #leases: Leases;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    this.#path = path;
    this.#threaded = options.writerThread ?? true;
    this.#synchronous = options.synchronous ?? 'FULL';
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

  /** A prepared statement, once per SQL text; `arrays`: one that answers rows as arrays (see `#rows`). */
  #stmt(sql: string, arrays = false): StatementSync {
    const cache = arrays ? this.#arrayStatements : this.#statements;
    let s = cache.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      if (arrays && NATIVE_ARRAYS) s.setReturnArrays(true);
      cache.set(sql, s);
    }
    return s;
  }

  #all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.#stmt(sql).all(...params) as Row[];
  }

  /**
   * Rows as arrays in the SELECT's column order: the claim reads thousands of rows a second, and an
   * array per row costs a third less than an object with a property per column. Built by node:sqlite
   * where it has `setReturnArrays`; on an older Node the objects' values are taken in column order.
   */
  #rows(sql: string, ...params: SQLInputValue[]): unknown[][] {
    const rows = this.#stmt(sql, true).all(...params);
    return NATIVE_ARRAYS ? (rows as unknown as unknown[][]) : (rows as Row[]).map((r) => Object.values(r));
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
    // Migrations run at start: start the writer thread now as well (booting a thread takes ~100-200 ms), so
    // the first events after start do not wait for it and the ones behind them for those.
    await this.#channel().run([]);
    return applied;
  }

  async appliedMigrations(): Promise<number[]> {
    return this.#all('SELECT version FROM schema_migrations ORDER BY version').map((r) => Number(r.version));
  }

  insertEvents(events: readonly NewEvent[]): Promise<InsertResult> {
    // Serialised here, on the caller's turn: what crosses to the writer is strings.
    const wire = events.map(toWireEvent);
    return new Promise((resolve, reject) => this.#enqueue({ request: { kind: 'insert', events: wire }, resolve: resolve as (r?: InsertResult) => void, reject }));
  }

  #enqueue(w: PendingWrite): void {
    if (this.#closing) {
      w.reject(new Error(`the inbox store ${this.path} is closed`));
      return;
    }
    this.#queue.push(w);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#flushScheduled || this.#writing || this.#queue.length === 0) return;
    this.#flushScheduled = true;
    const wait = this.#lastFlush + this.#groupWindowMs - performance.now();
    if (wait > 0) setTimeout(() => void this.#flushWrites(), wait);
    else setImmediate(() => void this.#flushWrites());
  }

  #channel(): WriteChannel {
    if (!this.#writer) this.#writer = this.#path === ':memory:' || !this.#threaded ? inlineChannel(this.#db) : threadChannel(this.#path, this.#synchronous);
    return this.#writer;
  }

  /**
   * One transaction (one fsync) for every insert and settlement queued since the last flush, on the
   * writer thread (see sqlite-writes.ts); one group at a time, and what arrives meanwhile forms the next
   * group. Nobody is resolved before COMMIT returns; leases of a settled batch drop after it.
   */
  async #flushWrites(): Promise<void> {
    this.#flushScheduled = false;
    if (this.#writing || this.#queue.length === 0) return;
    this.#writing = true;
    this.#lastFlush = performance.now();
    const batch = this.#queue;
    this.#queue = [];
    try {
      let outcomes: WriteOutcome[];
      try {
        outcomes = await this.#channel().run(batch.map((w) => w.request));
      } catch (err) {
        for (const w of batch) w.reject(err);
        return;
      }
      batch.forEach((w, i) => {
        const o = outcomes[i];
        if (!o) w.reject(new Error('write left unsettled by the group commit'));
        else if (!o.ok) w.reject(fromWireError(o.error));
        else {
          if (w.request.kind === 'settle') this.#releaseLeases(w.request.settlement);
          w.resolve(o.value);
        }
      });
    } finally {
      this.#writing = false;
      this.#schedule();
      if (!this.#writing && !this.#flushScheduled) for (const r of this.#idleWaiters.splice(0)) r();
    }
  }

  /** The leases of one spec (a claim reads and writes thousands: no key string is built per look-up). */
  #specLeases(spec: string): Map<string, Lease> {
    let m = this.#leases.get(spec);
    if (!m) this.#leases.set(spec, (m = new Map()));
    return m;
  }

  async claim(req: ClaimRequest): Promise<ClaimedLane[]> {
    const leases = this.#specLeases(req.spec);
    const keys: string[] = [];
    const seen = new Set<string>();
    /** Takes the unleased new keys of `rows` up to the limit; returns the id of the last row looked at. */
    const take = (rows: unknown[][], after: number): number => {
      for (const r of rows) {
        after = Number(r[0]);
        const key = String(r[1]);
        if (seen.has(key)) continue;
        seen.add(key);
        if (!((leases.get(key)?.expiresAt ?? 0) > req.now)) keys.push(key);
        if (keys.length >= req.limit) break;
      }
      return after;
    };
    /**
     * Pages through due events in arrival order after row `after` until `limit` keys; `held` (JSON list)
     * skips those keys inside SQLite. Returns the id of the last row looked at.
     */
    const read = (after: number, held?: string): number => {
      while (keys.length < req.limit) {
        const rows = this.#rows(
          `SELECT id, source_id FROM inbox_events
           WHERE spec = ? AND state = 'pending' AND next_attempt_at <= ? AND id > ?${held === undefined ? '' : ' AND source_id NOT IN (SELECT value FROM json_each(?))'}
           ORDER BY id LIMIT ?`,
          req.spec,
          req.now,
          after,
          ...(held === undefined ? [] : [held]),
          // Most rows read are new keys (see the two callers): read little more than needed.
          Math.max(64, Math.ceil(req.limit * 1.25)),
        );
        if (rows.length === 0) break;
        after = take(rows, after);
      }
      return after;
    };
    // Fast path under a backlog: carry on after the last row the previous claim read. The rows before
    // it are mostly the keys in flight (leased); skipping them in SQL on every claim costs more than the
    // claim. What it can pass over — a retry come due, a key released unsettled, a key's newer version
    // stored while it was leased — the full scan below finds: whenever the fast path comes up short, and
    // at least once a second, so nothing waits behind a long backlog for more than a second.
    const scan = this.#scans.get(req.spec);
    if (scan && req.now - scan.fullAt < 1000) scan.after = read(scan.after);
    if (keys.length < req.limit) {
      // Keys held by a live lease are skipped inside SQLite: under load they are the oldest pending rows
      // (the batches in flight), and reading them into JS on every claim cost more than the claim itself.
      const held: string[] = [];
      for (const [k, l] of leases) if (l.expiresAt > req.now) held.push(k);
      const after = read(0, JSON.stringify(held));
      this.#scans.set(req.spec, { after, fullAt: req.now });
    }
    keys.sort();
    const events: InboxEvent[] = [];
    const delivered = new Map<string, string>();
    for (const key of keys) leases.set(key, { owner: req.owner, expiresAt: req.now + req.leaseMs });
    // Two statements for all the claimed keys, not two per key (groupLanes orders the lanes and events).
    const keyList = JSON.stringify(keys);
    for (const r of this.#rows(`SELECT ${PENDING_EVENT_COLUMNS} FROM inbox_events WHERE spec = ? AND state = 'pending' AND source_id IN (SELECT value FROM json_each(?))`, req.spec, keyList)) {
      events.push(pendingEvent(req.spec, r));
    }
    for (const cw of this.#rows('SELECT source_id, source_version FROM crosswalk WHERE spec = ? AND source_id IN (SELECT value FROM json_each(?))', req.spec, keyList)) {
      delivered.set(String(cw[0]), String(cw[1]));
    }
    return groupLanes(req.spec, events, delivered);
  }

  async releaseOwner(owner: string): Promise<number> {
    let n = 0;
    for (const leases of this.#leases.values()) {
      for (const [k, l] of leases) {
        if (l.owner === owner) {
          leases.delete(k);
          n++;
        }
      }
    }
    return n;
  }

  async renew(owner: string, lanes: readonly LaneKey[], until: number): Promise<void> {
    for (const l of lanes) {
      const lease = this.#leases.get(l.spec)?.get(l.sourceId);
      if (lease?.owner === owner) lease.expiresAt = until;
    }
  }

  /** Group-committed with other settlements and inserts (see `#flushWrites`); leases drop after COMMIT. */
  settle(s: Settlement): Promise<void> {
    return new Promise((resolve, reject) => this.#enqueue({ request: { kind: 'settle', settlement: s }, resolve: () => resolve(), reject }));
  }

  #releaseLeases(s: Settlement): void {
    for (const l of s.release) {
      const leases = this.#leases.get(l.spec);
      if (leases?.get(l.sourceId)?.owner === s.owner) leases.delete(l.sourceId);
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
    this.#closing = true;
    // Writes already accepted are committed (and their callers answered) before the handle closes.
    while (this.#writing || this.#flushScheduled || this.#queue.length > 0) {
      await new Promise<void>((r) => this.#idleWaiters.push(r));
    }
    await this.#writer?.close();
    this.#writer = undefined;
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
