/**
 * PostgreSQL behind the SQL connector, with `pg` (pure JS). Sessions run in the Connection's zone with a
 * server-side statement timeout; dates and timestamps arrive as text (converted to UTC ISO by the shared
 * code), numeric and bigint as strings. Upserts are `INSERT … ON CONFLICT (key) DO UPDATE … RETURNING`,
 * where `xmax = 0` tells a created row from an updated one.
 */
import pg from 'pg';
import { CODES, connectorError } from '../shared/errors.ts';
import type { ColumnKind, ColumnMeta, TableMeta } from './sql/columns.ts';
import type { ClassifiedSqlError, Dialect, Lease, SqlSession, UpsertRound, WrittenRow } from './sql/dialect.ts';
import { quoteIdentifier } from './sql/identifiers.ts';
import { fixedOffsetOf } from './sql/zone.ts';

export interface PostgresSessionConfig {
  /** `postgres://user@host:5432/db`; a password in it is honoured but belongs in `password`. */
  url: string;
  user?: string;
  password?: string;
  /** Schema of unqualified entity names; default `public`. */
  schema?: string;
  /** IANA zone of `timestamp without time zone` columns; default UTC. */
  timezone?: string;
  /** Server-side statement (and lock wait) timeout; default 30 s. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  poolSize?: number;
  /** Shown in pg_stat_activity, so operators can tell syncspec's sessions apart. */
  applicationName?: string;
}

const RAW_TEXT = new Set([1082, 1114, 1184]); // date, timestamp, timestamptz: converted by the shared code, with microseconds

const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (RAW_TEXT.has(oid)) return (v: string) => v;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

function kindOf(dataType: string): ColumnKind {
  switch (dataType) {
    case 'character varying': case 'character': case 'text': case 'uuid': case 'citext':
      return 'string';
    case 'smallint': case 'integer':
      return 'integer';
    case 'bigint':
      return 'bigint';
    case 'numeric':
      return 'decimal';
    case 'real': case 'double precision':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'timestamp with time zone':
      return 'instant';
    case 'timestamp without time zone':
      return 'local-datetime';
    case 'json': case 'jsonb':
      return 'json';
    default:
      return 'other';
  }
}

const RETRYABLE_SERVER = new Set(['40001', '40P01', '25P02']);
const CONNECTION = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '08P01']);
const TIMEOUT = new Set(['55P03', '57014']);

export function classifyPostgresError(e: unknown): ClassifiedSqlError {
  const err = e as { code?: unknown; message?: unknown; constraint?: unknown; column?: unknown; table?: unknown };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = `postgresql: ${typeof err?.message === 'string' ? err.message : String(e)}`;
  const sqlstate = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const at = (cls: Parameters<typeof connectorError>[1], c: Parameters<typeof connectorError>[0], extra: Partial<ClassifiedSqlError> = {}): ClassifiedSqlError => ({
    error: connectorError(c, cls, message, { vendorCode: sqlstate ?? code ?? 'connection' }),
    connectionLost: false,
    perRecord: false,
    ...extra,
  });
  if (sqlstate === undefined) {
    // Not a server answer: the socket failed (reset, refused, closed mid-query, client timeout).
    return at('retryable', CODES.network, { connectionLost: true });
  }
  if (sqlstate === '28000' || sqlstate === '28P01') return at('retryable', CODES.auth);
  if (CONNECTION.has(sqlstate)) return at('retryable', CODES.network, { connectionLost: true });
  if (sqlstate === '53300') return at('retryable', CODES.server, { connectionLost: true }); // too_many_connections: the server is full, not broken
  if (TIMEOUT.has(sqlstate)) return at('retryable', CODES.timeout);
  if (RETRYABLE_SERVER.has(sqlstate)) return at('retryable', CODES.server);
  if (sqlstate.startsWith('23') || sqlstate.startsWith('22')) {
    const detail = typeof err.constraint === 'string' ? ` [constraint ${err.constraint}]` : typeof err.column === 'string' ? ` [column ${err.column}]` : '';
    return { error: connectorError(CODES.rejected, 'rejected', message + detail, { vendorCode: sqlstate }), connectionLost: false, perRecord: true };
  }
  if (sqlstate === '42P01' || sqlstate === '3D000' || sqlstate === '3F000') return at('bad-mapping', CODES.unknownEntity);
  if (sqlstate === '42703') return at('bad-mapping', CODES.badMapping);
  if (sqlstate.startsWith('42')) return at('bad-mapping', CODES.queryRejected);
  return at('retryable', CODES.server);
}

export class PostgresDialect implements Dialect {
  readonly system = 'postgresql' as const;
  readonly defaultSchema: string;
  readonly booleanAsInt = false;
  readonly zone: string;
  readonly offsetMinutes: number;
  readonly maxParams = 65_535;
  readonly unknownColumnCode = '42703';
  readonly #pool: pg.Pool;
  readonly #watched = new WeakSet<pg.PoolClient>();

  constructor(c: PostgresSessionConfig) {
    this.zone = c.timezone ?? 'UTC';
    this.offsetMinutes = fixedOffsetOf(this.zone);
    this.defaultSchema = c.schema ?? 'public';
    const timeout = Math.max(1, Math.floor(c.timeoutMs ?? 30_000));
    // Parsed here rather than given to pg as connectionString, whose values would override `user` and `password`.
    const u = new URL(c.url);
    const config: pg.PoolConfig = {
      host: u.hostname,
      port: u.port === '' ? 5432 : Number(u.port),
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
      max: c.poolSize ?? 4,
      connectionTimeoutMillis: c.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      application_name: c.applicationName ?? 'syncspec',
      // Server-side limits first; the client-side read timeout only catches a silent network.
      options: `-c TimeZone=${this.zone} -c statement_timeout=${timeout} -c lock_timeout=${timeout}`,
      query_timeout: timeout + 5_000,
      types: TYPES,
    };
    const user = c.user ?? (u.username === '' ? undefined : decodeURIComponent(u.username));
    const password = c.password ?? (u.password === '' ? undefined : decodeURIComponent(u.password));
    if (user !== undefined) config.user = user;
    if (password !== undefined) config.password = password;
    this.#pool = new pg.Pool(config);
    // An idle session killed by the server must not crash the worker: the pool drops it.
    this.#pool.on('error', () => undefined);
  }

  quote(name: string): string {
    return quoteIdentifier(name, 'double');
  }

  param(n: number): string {
    return `$${n}`;
  }

  orderKey(expr: string, c: ColumnMeta): string {
    return c.kind === 'string' ? `${expr} COLLATE "C"` : expr;
  }

  async acquire(): Promise<Lease> {
    const client = await this.#pool.connect();
    if (!this.#watched.has(client)) {
      this.#watched.add(client);
      client.on('error', () => undefined); // reported through the failing query instead
    }
    const session: SqlSession = {
      query: async (sql, params) => (await client.query({ text: sql, values: params ? [...params] : [] })).rows as Record<string, unknown>[],
    };
    let released = false;
    return {
      session,
      release: (broken) => {
        if (released) return;
        released = true;
        client.release(broken ? true : undefined);
      },
    };
  }

  async tableMeta(s: SqlSession, schema: string, table: string): Promise<TableMeta | undefined> {
    const cols = await s.query(
      `SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default, is_identity, identity_generation, is_generated
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema, table],
    );
    if (cols.length === 0) return undefined;
    const keys = await s.query(
      `SELECT tc.constraint_name, tc.constraint_type, kcu.column_name
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu
           ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name
        WHERE tc.table_schema = $1 AND tc.table_name = $2 AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
        ORDER BY tc.constraint_type, tc.constraint_name, kcu.ordinal_position`,
      [schema, table],
    );
    const columns: ColumnMeta[] = cols.map((r) => {
      const dataType = String(r.data_type);
      const c: ColumnMeta = {
        name: String(r.column_name),
        kind: kindOf(dataType),
        sqlType: dataType,
        nullable: r.is_nullable === 'YES',
        hasDefault: r.column_default !== null || r.is_identity === 'YES',
        generated: r.is_generated === 'ALWAYS' || r.identity_generation === 'ALWAYS',
      };
      if (r.character_maximum_length !== null) c.maxLength = Number(r.character_maximum_length);
      if (dataType === 'uuid') c.maxLength = 36;
      if (c.kind === 'decimal' && r.numeric_precision !== null) {
        c.precision = Number(r.numeric_precision);
        c.scale = Number(r.numeric_scale ?? 0);
      }
      return c;
    });
    const primaryKey = keys.filter((k) => k.constraint_type === 'PRIMARY KEY').map((k) => String(k.column_name));
    const unique = new Map<string, string[]>();
    for (const k of keys.filter((x) => x.constraint_type === 'UNIQUE')) unique.set(String(k.constraint_name), [...(unique.get(String(k.constraint_name)) ?? []), String(k.column_name)]);
    return { schema, table, columns, primaryKey, uniqueKeys: [...unique.values()] };
  }

  async listTables(s: SqlSession, schema: string): Promise<string[]> {
    const rows = await s.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name`, [schema]);
    return rows.map((r) => String(r.table_name));
  }

  #now(c: ColumnMeta): string {
    // The session runs in the Connection's zone, so LOCALTIMESTAMP is wall-clock time there.
    return c.kind === 'instant' ? 'now()' : c.kind === 'local-datetime' ? 'LOCALTIMESTAMP' : c.kind === 'date' ? 'CURRENT_DATE' : 'now()';
  }

  async upsert(s: SqlSession, round: UpsertRound): Promise<WrittenRow[]> {
    const q = (n: string) => this.quote(n);
    const table = `${q(round.table.schema)}.${q(round.table.table)}`;
    const names = round.columns.map((c) => q(c.name));
    const params: unknown[] = [];
    const values = round.rows.map((row) => {
      const cells = row.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      if (round.updatedAt) cells.push(this.#now(round.updatedAt));
      return `(${cells.join(', ')})`;
    });
    if (round.updatedAt) names.push(q(round.updatedAt.name));
    const keyNames = new Set(round.keyColumns.map((c) => c.name));
    const payload = round.columns.filter((c) => !keyNames.has(c.name));
    const sets = payload.map((c) => `${q(c.name)} = EXCLUDED.${q(c.name)}`);
    if (round.updatedAt) sets.push(`${q(round.updatedAt.name)} = ${this.#now(round.updatedAt)}`);
    if (sets.length === 0) sets.push(`${q(round.keyColumns[0]!.name)} = EXCLUDED.${q(round.keyColumns[0]!.name)}`);
    // A row that already holds these values is left alone: no new updated-at, so replays and echoes of
    // our own writes do not show up as changes. json (unlike jsonb) and unknown types compare as text.
    const cmp = (prefix: string, c: ColumnMeta) => (c.kind === 'other' || c.sqlType === 'json' ? `${prefix}.${q(c.name)}::text` : `${prefix}.${q(c.name)}`);
    const changed = payload.length === 0 ? 'false' : `ROW(${payload.map((c) => cmp('syncspec$t', c)).join(', ')}) IS DISTINCT FROM ROW(${payload.map((c) => cmp('EXCLUDED', c)).join(', ')})`;
    const pk = round.table.primaryKey.length > 0 ? round.table.primaryKey : round.keyColumns.map((c) => c.name);
    const ua = round.updatedAt ?? round.table.columns.find((c) => c.name === 'updated_at');
    const returned = [
      ...pk.map((n, i) => `${q(n)} AS "syncspec$pk${i}"`),
      ...round.keyColumns.map((c, i) => `${q(c.name)} AS "syncspec$key${i}"`),
      ...(ua ? [`${q(ua.name)} AS "syncspec$ua"`] : []),
    ];
    const sql = `INSERT INTO ${table} AS "syncspec$t" (${names.join(', ')}) VALUES ${values.join(', ')}
      ON CONFLICT (${round.keyColumns.map((c) => q(c.name)).join(', ')}) DO UPDATE SET ${sets.join(', ')} WHERE ${changed}
      RETURNING (xmax = 0) AS "syncspec$created", ${returned.join(', ')}`;
    const rows = await s.query(sql, params);
    const toWritten = (r: Record<string, unknown>): WrittenRow => {
      const w: WrittenRow = {
        created: r['syncspec$created'] === true,
        primaryValues: pk.map((_, i) => r[`syncspec$pk${i}`]),
        keyValues: round.keyColumns.map((_, i) => r[`syncspec$key${i}`]),
      };
      if (ua) w.updatedAtRaw = r['syncspec$ua'];
      return w;
    };
    const out = rows.map(toWritten);
    if (out.length < round.rows.length) {
      // The unchanged rows: the statement skipped them, so read their ids and versions.
      const keyIdx = round.keyColumns.map((k) => round.columns.findIndex((c) => c.name === k.name));
      const kp: unknown[] = [];
      const tuples = round.rows.map((row) => `(${keyIdx.map((i) => {
        kp.push(row[i]);
        return `$${kp.length}`;
      }).join(', ')})`);
      const seen = new Set(out.map((w) => JSON.stringify(w.keyValues.map(String))));
      const existing = await s.query(`SELECT false AS "syncspec$created", ${returned.join(', ')} FROM ${table} WHERE (${round.keyColumns.map((c) => q(c.name)).join(', ')}) IN (${tuples.join(', ')})`, kp);
      for (const r of existing.map(toWritten)) if (!seen.has(JSON.stringify(r.keyValues.map(String)))) out.push(r);
    }
    return out;
  }

  async ensureEchoTable(s: SqlSession, schema: string, table: string): Promise<void> {
    try {
      await s.query(`CREATE TABLE IF NOT EXISTS ${this.quote(schema)}.${this.quote(table)} (
        entity varchar(200) NOT NULL, record_id varchar(500) NOT NULL, version varchar(40) NOT NULL, PRIMARY KEY (entity, record_id))`);
    } catch (e) {
      // Two workers creating it at once: the loser sees a duplicate type or table, and the table exists.
      const code = (e as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw e;
    }
  }

  async recordEchoes(s: SqlSession, schema: string, table: string, entity: string, rows: { id: string; version: string }[]): Promise<void> {
    const params: unknown[] = [entity];
    const values = rows.map((r) => {
      params.push(r.id, r.version);
      return `($1, $${params.length - 1}, $${params.length})`;
    });
    await s.query(`INSERT INTO ${this.quote(schema)}.${this.quote(table)} (entity, record_id, version) VALUES ${values.join(', ')}
      ON CONFLICT (entity, record_id) DO UPDATE SET version = EXCLUDED.version`, params);
  }

  async readEchoes(s: SqlSession, schema: string, table: string, entity: string, ids: string[]): Promise<Map<string, string>> {
    const rows = await s.query(`SELECT record_id, version FROM ${this.quote(schema)}.${this.quote(table)} WHERE entity = $1 AND record_id = ANY($2::text[])`, [entity, ids]);
    return new Map(rows.map((r) => [String(r.record_id), String(r.version)]));
  }

  classify(e: unknown): ClassifiedSqlError {
    return classifyPostgresError(e);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
