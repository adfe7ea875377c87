/**
 * Versioned schema migrations for both store dialects. A migration is never edited once released:
 * add a new version. Each store records applied versions in `schema_migrations` and applies the
 * missing ones in order, each in its own transaction, at start.
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: readonly string[];
  postgres: readonly string[];
}

/**
 * Timestamps are epoch milliseconds (BIGINT); JSON is stored as text so payloads round-trip byte for byte.
 * `inbox_lanes` holds the key leases of the PostgreSQL store; the SQLite store keeps them in memory (see sqlite.ts).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'inbox, lanes, crosswalk, dead letters, cursors',
    sqlite: [
      `CREATE TABLE inbox_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        spec TEXT NOT NULL, source_id TEXT NOT NULL, source_version TEXT NOT NULL,
        cursor TEXT, deleted INTEGER NOT NULL DEFAULT 0, payload TEXT NOT NULL,
        received_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT,
        updated_at INTEGER NOT NULL)`,
      `CREATE UNIQUE INDEX inbox_events_dedupe ON inbox_events (spec, source_id, source_version)`,
      `CREATE INDEX inbox_events_due ON inbox_events (spec, id) WHERE state = 'pending'`,
      `CREATE INDEX inbox_events_key ON inbox_events (spec, source_id) WHERE state = 'pending'`,
      `CREATE TABLE inbox_lanes (spec TEXT NOT NULL, source_id TEXT NOT NULL, owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL, PRIMARY KEY (spec, source_id))`,
      `CREATE TABLE crosswalk (spec TEXT NOT NULL, source_id TEXT NOT NULL, target_id TEXT NOT NULL,
        target_key TEXT NOT NULL, source_version TEXT NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (spec, source_id))`,
      `CREATE INDEX crosswalk_target ON crosswalk (spec, target_id)`,
      `CREATE TABLE dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL,
        spec TEXT NOT NULL, source_id TEXT NOT NULL, source_version TEXT NOT NULL, reason TEXT NOT NULL,
        class TEXT NOT NULL, code TEXT NOT NULL, input TEXT NOT NULL, errors TEXT NOT NULL, at TEXT NOT NULL,
        created_at INTEGER NOT NULL, replayed_at INTEGER)`,
      `CREATE INDEX dead_letters_spec ON dead_letters (spec, id)`,
      `CREATE TABLE cursors (spec TEXT PRIMARY KEY, position TEXT, updated_at INTEGER NOT NULL)`,
      `CREATE TABLE cursor_moves (id INTEGER PRIMARY KEY AUTOINCREMENT, spec TEXT NOT NULL,
        from_position TEXT, to_position TEXT, who TEXT NOT NULL, why TEXT NOT NULL, at INTEGER NOT NULL)`,
      `CREATE INDEX cursor_moves_spec ON cursor_moves (spec, id)`,
    ],
    postgres: [
      `CREATE TABLE inbox_events (
        id BIGSERIAL PRIMARY KEY,
        spec TEXT NOT NULL, source_id TEXT NOT NULL, source_version TEXT NOT NULL,
        cursor TEXT, deleted BOOLEAN NOT NULL DEFAULT FALSE, payload TEXT NOT NULL,
        received_at BIGINT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL, last_error TEXT,
        updated_at BIGINT NOT NULL)`,
      `CREATE UNIQUE INDEX inbox_events_dedupe ON inbox_events (spec, source_id, source_version)`,
      `CREATE INDEX inbox_events_due ON inbox_events (spec, id) WHERE state = 'pending'`,
      `CREATE INDEX inbox_events_key ON inbox_events (spec, source_id) WHERE state = 'pending'`,
      `CREATE TABLE inbox_lanes (spec TEXT NOT NULL, source_id TEXT NOT NULL, owner TEXT NOT NULL,
        expires_at BIGINT NOT NULL, PRIMARY KEY (spec, source_id))`,
      `CREATE TABLE crosswalk (spec TEXT NOT NULL, source_id TEXT NOT NULL, target_id TEXT NOT NULL,
        target_key TEXT NOT NULL, source_version TEXT NOT NULL, updated_at BIGINT NOT NULL,
        PRIMARY KEY (spec, source_id))`,
      `CREATE INDEX crosswalk_target ON crosswalk (spec, target_id)`,
      `CREATE TABLE dead_letters (id BIGSERIAL PRIMARY KEY, event_id BIGINT NOT NULL,
        spec TEXT NOT NULL, source_id TEXT NOT NULL, source_version TEXT NOT NULL, reason TEXT NOT NULL,
        class TEXT NOT NULL, code TEXT NOT NULL, input TEXT NOT NULL, errors TEXT NOT NULL, at TEXT NOT NULL,
        created_at BIGINT NOT NULL, replayed_at BIGINT)`,
      `CREATE INDEX dead_letters_spec ON dead_letters (spec, id)`,
      `CREATE TABLE cursors (spec TEXT PRIMARY KEY, position TEXT, updated_at BIGINT NOT NULL)`,
      `CREATE TABLE cursor_moves (id BIGSERIAL PRIMARY KEY, spec TEXT NOT NULL,
        from_position TEXT, to_position TEXT, who TEXT NOT NULL, why TEXT NOT NULL, at BIGINT NOT NULL)`,
      `CREATE INDEX cursor_moves_spec ON cursor_moves (spec, id)`,
    ],
  },
  {
    version: 2,
    name: 'webhook delivery ids (replay protection) and echo marks (two-way flows)',
    sqlite: [
      `CREATE TABLE webhook_deliveries (spec TEXT NOT NULL, delivery_id TEXT NOT NULL,
        received_at INTEGER NOT NULL, PRIMARY KEY (spec, delivery_id))`,
      `CREATE TABLE echo_marks (id INTEGER PRIMARY KEY AUTOINCREMENT, system TEXT NOT NULL, entity TEXT NOT NULL,
        record_id TEXT NOT NULL, written TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
      `CREATE INDEX echo_marks_record ON echo_marks (system, entity, record_id)`,
    ],
    postgres: [
      `CREATE TABLE webhook_deliveries (spec TEXT NOT NULL, delivery_id TEXT NOT NULL,
        received_at BIGINT NOT NULL, PRIMARY KEY (spec, delivery_id))`,
      `CREATE TABLE echo_marks (id BIGSERIAL PRIMARY KEY, system TEXT NOT NULL, entity TEXT NOT NULL,
        record_id TEXT NOT NULL, written TEXT NOT NULL, expires_at BIGINT NOT NULL)`,
      `CREATE INDEX echo_marks_record ON echo_marks (system, entity, record_id)`,
    ],
  },
  {
    version: 3,
    name: 'claim_lanes: a claim in one round trip (PostgreSQL)',
    // SQLite claims in-process (leases in memory); nothing to add there.
    sqlite: [],
    postgres: [
      // One call does what the claim transaction did in six round trips (BEGIN, candidates, leases,
      // events, crosswalk, COMMIT). Each statement of a VOLATILE plpgsql function takes a fresh snapshot
      // (READ COMMITTED), so the events and crosswalk are read after the leases are won, as before: a key
      // settled by its previous holder just before is seen settled. Candidates are read through a cursor,
      // so only the rows fetched until `p_limit` keys are found get locked (not all `p_scan`); EXECUTE plans
      // the candidate scan with the actual spec and limit, like the one-shot statement it replaces.
      // Leases are taken in byte order of the key, so racing claimers lock lane rows in one order.
      `CREATE FUNCTION claim_lanes(p_spec TEXT, p_owner TEXT, p_limit INTEGER, p_scan INTEGER, p_now BIGINT, p_until BIGINT)
      RETURNS TABLE (id BIGINT, spec TEXT, source_id TEXT, source_version TEXT, cursor TEXT, deleted BOOLEAN, payload TEXT,
        received_at BIGINT, state TEXT, attempts INTEGER, next_attempt_at BIGINT, last_error TEXT, delivered_version TEXT)
      LANGUAGE plpgsql VOLATILE AS $fn$
      #variable_conflict use_column
      DECLARE
        r RECORD;
        wanted TEXT[] := '{}';
        won TEXT[];
      BEGIN
        FOR r IN EXECUTE
          'SELECT e.source_id FROM inbox_events e
           WHERE e.spec = $1 AND e.state = ''pending'' AND e.next_attempt_at <= $2
             AND NOT EXISTS (SELECT 1 FROM inbox_lanes l WHERE l.spec = e.spec AND l.source_id = e.source_id AND l.expires_at > $2)
           ORDER BY e.id LIMIT $3
           FOR UPDATE OF e SKIP LOCKED' USING p_spec, p_now, p_scan
        LOOP
          IF NOT r.source_id = ANY (wanted) THEN
            wanted := wanted || r.source_id;
            EXIT WHEN cardinality(wanted) >= p_limit;
          END IF;
        END LOOP;
        IF cardinality(wanted) = 0 THEN RETURN; END IF;
        WITH ins AS (
          INSERT INTO inbox_lanes AS l (spec, source_id, owner, expires_at)
          SELECT p_spec, k, p_owner, p_until FROM unnest(wanted) AS k ORDER BY k COLLATE "C"
          ON CONFLICT (spec, source_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
          WHERE l.expires_at <= p_now
          RETURNING l.source_id)
        SELECT array_agg(ins.source_id) INTO won FROM ins;
        IF won IS NULL THEN RETURN; END IF;
        RETURN QUERY
          SELECT e.id, e.spec, e.source_id, e.source_version, e.cursor, e.deleted, e.payload, e.received_at, e.state, e.attempts,
            e.next_attempt_at, e.last_error, c.source_version
          FROM inbox_events e LEFT JOIN crosswalk c ON c.spec = e.spec AND c.source_id = e.source_id
          WHERE e.spec = p_spec AND e.source_id = ANY (won) AND e.state = 'pending';
      END
      $fn$`,
    ],
  },
  {
    version: 4,
    name: 'claim_lanes: plans that do not depend on fresh statistics (PostgreSQL)',
    sqlite: [],
    postgres: [
      // A queue's tables change faster than ANALYZE runs: with statistics of a nearly empty lanes or
      // crosswalk table, the planner joined them by re-scanning the whole table per candidate row (tens
      // of ms per claim). Now the live leases are read once into an array (`<> ALL` over a constant array
      // is hashed), each won key's events and delivered version are index probes per key (LATERAL with
      // OFFSET 0 and a scalar subquery cannot be turned into a join), and every statement is planned with
      // the call's values (force_custom_plan), so the cost model sees the real limit and lease set.
      `CREATE OR REPLACE FUNCTION claim_lanes(p_spec TEXT, p_owner TEXT, p_limit INTEGER, p_scan INTEGER, p_now BIGINT, p_until BIGINT)
      RETURNS TABLE (id BIGINT, spec TEXT, source_id TEXT, source_version TEXT, cursor TEXT, deleted BOOLEAN, payload TEXT,
        received_at BIGINT, state TEXT, attempts INTEGER, next_attempt_at BIGINT, last_error TEXT, delivered_version TEXT)
      LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_custom_plan AS $fn$
      #variable_conflict use_column
      DECLARE
        r RECORD;
        leased TEXT[];
        wanted TEXT[] := '{}';
        won TEXT[];
      BEGIN
        leased := ARRAY(SELECT l.source_id FROM inbox_lanes l WHERE l.spec = p_spec AND l.expires_at > p_now);
        FOR r IN
          SELECT e.source_id FROM inbox_events e
          WHERE e.spec = p_spec AND e.state = 'pending' AND e.next_attempt_at <= p_now AND e.source_id <> ALL (leased)
          ORDER BY e.id LIMIT p_scan
          FOR UPDATE OF e SKIP LOCKED
        LOOP
          IF NOT r.source_id = ANY (wanted) THEN
            wanted := wanted || r.source_id;
            EXIT WHEN cardinality(wanted) >= p_limit;
          END IF;
        END LOOP;
        IF cardinality(wanted) = 0 THEN RETURN; END IF;
        WITH ins AS (
          INSERT INTO inbox_lanes AS l (spec, source_id, owner, expires_at)
          SELECT p_spec, k, p_owner, p_until FROM unnest(wanted) AS k ORDER BY k COLLATE "C"
          ON CONFLICT (spec, source_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
          WHERE l.expires_at <= p_now
          RETURNING l.source_id)
        SELECT array_agg(ins.source_id) INTO won FROM ins;
        IF won IS NULL THEN RETURN; END IF;
        RETURN QUERY
          SELECT e.id, e.spec, e.source_id, e.source_version, e.cursor, e.deleted, e.payload, e.received_at, e.state, e.attempts,
            e.next_attempt_at, e.last_error,
            (SELECT c.source_version FROM crosswalk c WHERE c.spec = p_spec AND c.source_id = w.k)
          FROM unnest(won) AS w(k)
          CROSS JOIN LATERAL (SELECT * FROM inbox_events x WHERE x.spec = p_spec AND x.source_id = w.k AND x.state = 'pending' OFFSET 0) e;
      END
      $fn$`,
    ],
  },
  {
    version: 5,
    name: 'claim reads served by one index each: inbox_events_queue, inbox_events_pending (PostgreSQL)',
    sqlite: [],
    postgres: [
      // Claims read in an order exactly one index serves, so no statistics can talk the planner into
      // another plan. Statistics lag a queue table badly: a partial index built on the empty table counts
      // zero rows until the next ANALYZE, and rows move out of 'pending' by the thousand per second. The
      // planner walked the primary key from the first event ever stored, filtering out every settled one
      // (20-30k rows per claim in the bench), bitmap-scanned and sorted all pending events, or looked a
      // key's events up by scanning the spec's whole queue. Candidates: oldest received first (ties by
      // id) from inbox_events_queue; depth and oldestPending are served by it too.
      `DROP INDEX inbox_events_due`,
      `CREATE INDEX inbox_events_queue ON inbox_events (spec, received_at, id) WHERE state = 'pending'`,
      // The same for a won key's pending events, read in version order: only this index gives that order
      // (the dedupe index does too, over every version ever stored, settled ones included).
      `DROP INDEX inbox_events_key`,
      `CREATE INDEX inbox_events_pending ON inbox_events (spec, source_id, source_version) WHERE state = 'pending'`,
      // Sorts are switched off inside the function so both reads are always those ordered index scans
      // (the lease insert still sorts its few keys: nothing else can), and JIT is off: these are small
      // statements, and the disabled-sort cost would otherwise trip its threshold.
      `CREATE OR REPLACE FUNCTION claim_lanes(p_spec TEXT, p_owner TEXT, p_limit INTEGER, p_scan INTEGER, p_now BIGINT, p_until BIGINT)
      RETURNS TABLE (id BIGINT, spec TEXT, source_id TEXT, source_version TEXT, cursor TEXT, deleted BOOLEAN, payload TEXT,
        received_at BIGINT, state TEXT, attempts INTEGER, next_attempt_at BIGINT, last_error TEXT, delivered_version TEXT)
      LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_custom_plan SET enable_sort = off SET jit = off AS $fn$
      #variable_conflict use_column
      DECLARE
        r RECORD;
        leased TEXT[];
        wanted TEXT[] := '{}';
        won TEXT[];
      BEGIN
        leased := ARRAY(SELECT l.source_id FROM inbox_lanes l WHERE l.spec = p_spec AND l.expires_at > p_now);
        FOR r IN
          SELECT e.source_id FROM inbox_events e
          WHERE e.spec = p_spec AND e.state = 'pending' AND e.next_attempt_at <= p_now AND e.source_id <> ALL (leased)
          ORDER BY e.received_at, e.id LIMIT p_scan
          FOR UPDATE OF e SKIP LOCKED
        LOOP
          IF NOT r.source_id = ANY (wanted) THEN
            wanted := wanted || r.source_id;
            EXIT WHEN cardinality(wanted) >= p_limit;
          END IF;
        END LOOP;
        IF cardinality(wanted) = 0 THEN RETURN; END IF;
        WITH ins AS (
          INSERT INTO inbox_lanes AS l (spec, source_id, owner, expires_at)
          SELECT p_spec, k, p_owner, p_until FROM unnest(wanted) AS k ORDER BY k COLLATE "C"
          ON CONFLICT (spec, source_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
          WHERE l.expires_at <= p_now
          RETURNING l.source_id)
        SELECT array_agg(ins.source_id) INTO won FROM ins;
        IF won IS NULL THEN RETURN; END IF;
        RETURN QUERY
          SELECT e.id, e.spec, e.source_id, e.source_version, e.cursor, e.deleted, e.payload, e.received_at, e.state, e.attempts,
            e.next_attempt_at, e.last_error,
            (SELECT c.source_version FROM crosswalk c WHERE c.spec = p_spec AND c.source_id = w.k)
          FROM unnest(won) AS w(k)
          CROSS JOIN LATERAL (SELECT * FROM inbox_events x WHERE x.spec = p_spec AND x.source_id = w.k AND x.state = 'pending'
            ORDER BY x.source_version OFFSET 0) e;
      END
      $fn$`,
    ],
  },
  {
    version: 6,
    name: 'claim_lanes: distinct candidate keys counted by set, not by a scan per row (PostgreSQL)',
    sqlite: [],
    postgres: [
      // Checking each candidate against the keys found so far was quadratic: with claims of 400 keys it
      // took a fifth of the call. Candidates are collected as fetched and their distinct keys counted only
      // when enough rows are in to possibly reach the limit (the next check no sooner than the shortfall
      // or a quarter more rows), so the rows fetched, and locked, are still about those needed.
      `CREATE OR REPLACE FUNCTION claim_lanes(p_spec TEXT, p_owner TEXT, p_limit INTEGER, p_scan INTEGER, p_now BIGINT, p_until BIGINT)
      RETURNS TABLE (id BIGINT, spec TEXT, source_id TEXT, source_version TEXT, cursor TEXT, deleted BOOLEAN, payload TEXT,
        received_at BIGINT, state TEXT, attempts INTEGER, next_attempt_at BIGINT, last_error TEXT, delivered_version TEXT)
      LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_custom_plan SET enable_sort = off SET jit = off AS $fn$
      #variable_conflict use_column
      DECLARE
        r RECORD;
        leased TEXT[];
        cand TEXT[] := '{}';
        need INTEGER := p_limit;
        found INTEGER;
        wanted TEXT[];
        won TEXT[];
      BEGIN
        leased := ARRAY(SELECT l.source_id FROM inbox_lanes l WHERE l.spec = p_spec AND l.expires_at > p_now);
        FOR r IN
          SELECT e.source_id FROM inbox_events e
          WHERE e.spec = p_spec AND e.state = 'pending' AND e.next_attempt_at <= p_now AND e.source_id <> ALL (leased)
          ORDER BY e.received_at, e.id LIMIT p_scan
          FOR UPDATE OF e SKIP LOCKED
        LOOP
          cand := cand || r.source_id;
          IF cardinality(cand) >= need THEN
            SELECT count(DISTINCT k) INTO found FROM unnest(cand) AS k;
            EXIT WHEN found >= p_limit;
            need := cardinality(cand) + greatest(p_limit - found, cardinality(cand) / 4);
          END IF;
        END LOOP;
        IF cardinality(cand) = 0 THEN RETURN; END IF;
        wanted := ARRAY(SELECT u.k FROM unnest(cand) WITH ORDINALITY AS u(k, n) GROUP BY u.k ORDER BY min(u.n) LIMIT p_limit);
        WITH ins AS (
          INSERT INTO inbox_lanes AS l (spec, source_id, owner, expires_at)
          SELECT p_spec, k, p_owner, p_until FROM unnest(wanted) AS k ORDER BY k COLLATE "C"
          ON CONFLICT (spec, source_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
          WHERE l.expires_at <= p_now
          RETURNING l.source_id)
        SELECT array_agg(ins.source_id) INTO won FROM ins;
        IF won IS NULL THEN RETURN; END IF;
        RETURN QUERY
          SELECT e.id, e.spec, e.source_id, e.source_version, e.cursor, e.deleted, e.payload, e.received_at, e.state, e.attempts,
            e.next_attempt_at, e.last_error,
            (SELECT c.source_version FROM crosswalk c WHERE c.spec = p_spec AND c.source_id = w.k)
          FROM unnest(won) AS w(k)
          CROSS JOIN LATERAL (SELECT * FROM inbox_events x WHERE x.spec = p_spec AND x.source_id = w.k AND x.state = 'pending'
            ORDER BY x.source_version OFFSET 0) e;
      END
      $fn$`,
    ],
  },
  {
    version: 7,
    name: 'pending events queued in inbox_queue; settling an event is a HOT update (PostgreSQL)',
    sqlite: [],
    postgres: [
      // Settling rewrote the whole event row and inserted it into every full index: its `state` was in
      // the partial indexes' predicates, so no update of it could be HOT (heap-only), and each settled
      // row also left dead entries for VACUUM to clean from four indexes. The pending set now lives in
      // a narrow table of its own: a row per pending event (same id), inserted with the event and
      // deleted when it settles, in the same statement. No index of inbox_events covers a column a
      // settlement changes, so with room left on the page (fillfactor 50: every row of a page can be
      // settled within one statement, before any old version can be pruned) the update stays on its
      // page: no index insert, and its WAL record carries only the changed tail of the row.
      `ALTER TABLE inbox_events SET (fillfactor = 50)`,
      `CREATE TABLE inbox_queue (id BIGINT PRIMARY KEY, spec TEXT NOT NULL, source_id TEXT NOT NULL, source_version TEXT NOT NULL,
        received_at BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL)`,
      `INSERT INTO inbox_queue (id, spec, source_id, source_version, received_at, next_attempt_at)
        SELECT id, spec, source_id, source_version, received_at, next_attempt_at FROM inbox_events WHERE state = 'pending'`,
      `DROP INDEX inbox_events_queue`,
      `DROP INDEX inbox_events_pending`,
      // The same two reads as before (migration 5), one index each: candidates oldest received first,
      // and a won key's pending versions in order.
      `CREATE INDEX inbox_queue_order ON inbox_queue (spec, received_at, id)`,
      `CREATE INDEX inbox_queue_key ON inbox_queue (spec, source_id, source_version)`,
      // Candidates are queue rows (locked FOR UPDATE SKIP LOCKED as before); a won key's events are
      // read through its queue rows, each by its id (a probe per row, whatever the statistics say).
      `CREATE OR REPLACE FUNCTION claim_lanes(p_spec TEXT, p_owner TEXT, p_limit INTEGER, p_scan INTEGER, p_now BIGINT, p_until BIGINT)
      RETURNS TABLE (id BIGINT, spec TEXT, source_id TEXT, source_version TEXT, cursor TEXT, deleted BOOLEAN, payload TEXT,
        received_at BIGINT, state TEXT, attempts INTEGER, next_attempt_at BIGINT, last_error TEXT, delivered_version TEXT)
      LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_custom_plan SET enable_sort = off SET jit = off AS $fn$
      #variable_conflict use_column
      DECLARE
        r RECORD;
        leased TEXT[];
        cand TEXT[] := '{}';
        need INTEGER := p_limit;
        found INTEGER;
        wanted TEXT[];
        won TEXT[];
      BEGIN
        leased := ARRAY(SELECT l.source_id FROM inbox_lanes l WHERE l.spec = p_spec AND l.expires_at > p_now);
        FOR r IN
          SELECT q.source_id FROM inbox_queue q
          WHERE q.spec = p_spec AND q.next_attempt_at <= p_now AND q.source_id <> ALL (leased)
          ORDER BY q.received_at, q.id LIMIT p_scan
          FOR UPDATE OF q SKIP LOCKED
        LOOP
          cand := cand || r.source_id;
          IF cardinality(cand) >= need THEN
            SELECT count(DISTINCT k) INTO found FROM unnest(cand) AS k;
            EXIT WHEN found >= p_limit;
            need := cardinality(cand) + greatest(p_limit - found, cardinality(cand) / 4);
          END IF;
        END LOOP;
        IF cardinality(cand) = 0 THEN RETURN; END IF;
        wanted := ARRAY(SELECT u.k FROM unnest(cand) WITH ORDINALITY AS u(k, n) GROUP BY u.k ORDER BY min(u.n) LIMIT p_limit);
        WITH ins AS (
          INSERT INTO inbox_lanes AS l (spec, source_id, owner, expires_at)
          SELECT p_spec, k, p_owner, p_until FROM unnest(wanted) AS k ORDER BY k COLLATE "C"
          ON CONFLICT (spec, source_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
          WHERE l.expires_at <= p_now
          RETURNING l.source_id)
        SELECT array_agg(ins.source_id) INTO won FROM ins;
        IF won IS NULL THEN RETURN; END IF;
        RETURN QUERY
          SELECT e.id, e.spec, e.source_id, e.source_version, e.cursor, e.deleted, e.payload, e.received_at, e.state, e.attempts,
            e.next_attempt_at, e.last_error,
            (SELECT c.source_version FROM crosswalk c WHERE c.spec = p_spec AND c.source_id = w.k)
          FROM unnest(won) AS w(k)
          CROSS JOIN LATERAL (SELECT q.id FROM inbox_queue q WHERE q.spec = p_spec AND q.source_id = w.k
            ORDER BY q.source_version OFFSET 0) p
          CROSS JOIN LATERAL (SELECT * FROM inbox_events x WHERE x.id = p.id OFFSET 0) e;
      END
      $fn$`,
    ],
  },
];

export const LATEST_VERSION = Math.max(...migrations.map((m) => m.version));
