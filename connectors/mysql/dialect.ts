/**
 * MySQL / MariaDB behind the SQL connector, with `mysql2` (pure JS, promise API, server-side prepared
 * statements via `execute`). Sessions run in the Connection's zone (DATETIME and TIMESTAMP both read as
 * wall-clock time there), utf8mb4, decimals and BIGINT as strings, dates as text. Upserts are
 * `INSERT … ON DUPLICATE KEY UPDATE`, with the existing keys locked first (`SELECT … FOR UPDATE`) so each
 * row's created/updated outcome is known.
 */
import mysql from 'mysql2/promise';
import { CODES, connectorError } from '../shared/errors.ts';
import type { ColumnKind, ColumnMeta, TableMeta } from '../postgresql/sql/columns.ts';
import type { ClassifiedSqlError, Dialect, Lease, SqlSession, UpsertRound, WrittenRow } from '../postgresql/sql/dialect.ts';
import { quoteIdentifier } from '../postgresql/sql/identifiers.ts';
import { fixedOffsetOf, offsetText } from '../postgresql/sql/zone.ts';

export interface MysqlSessionConfig {
  /** `mysql://user@host:3306/database`. */
  url: string;
  user?: string;
  password?: string;
  /** Database of unqualified entity names; default: the one in `url`. */
  schema?: string;
  /** IANA zone of DATETIME / TIMESTAMP wall-clock values; default UTC. Must have a fixed offset. */
  timezone?: string;
  /** Statement and lock wait timeout; default 30 s. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  poolSize?: number;
}

function kindOf(dataType: string, columnType: string): ColumnKind {
  switch (dataType) {
    case 'varchar': case 'char': case 'text': case 'tinytext': case 'mediumtext': case 'longtext':
      return 'string';
    case 'tinyint':
      return /^tinyint\(1\)/i.test(columnType) ? 'boolean' : 'integer';
    case 'smallint': case 'mediumint': case 'int': case 'integer':
      return 'integer';
    case 'bigint':
      return 'bigint';
    case 'decimal': case 'numeric':
      return 'decimal';
    case 'float': case 'double':
      return 'double';
    case 'date':
      return 'date';
    case 'datetime': case 'timestamp':
      return 'local-datetime';
    case 'json':
      return 'json';
    case 'enum':
      return 'enum';
    default:
      return 'other';
  }
}

/** `enum('a','it''s')` → ['a', "it's"]. */
export function enumValues(columnType: string): string[] {
  const body = /^enum\((.*)\)$/is.exec(columnType)?.[1] ?? '';
  const out: string[] = [];
  const re = /'((?:[^']|'')*)'/g;
  for (let m = re.exec(body); m; m = re.exec(body)) out.push((m[1] as string).replaceAll("''", "'"));
  return out;
}

const AUTH = new Set([1044, 1045, 1698]);
const TOO_MANY = new Set([1040, 1203]);
const TIMEOUT = new Set([1205, 1969, 3024]);
const TRANSIENT = new Set([1213, 1020, 1317, 1614]);
const LOST = new Set([1927, 2006, 2013, 1053, 1152, 1153, 1158, 1159, 1160, 1161, 2055]);
const PER_RECORD = new Set([1048, 1062, 1264, 1265, 1292, 1364, 1366, 1406, 1411, 1451, 1452, 1586, 3819, 4025, 4078, 1690]);
const NET_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'PROTOCOL_ENQUEUE_AFTER_QUIT', 'PROTOCOL_ENQUEUE_HANDSHAKE_TWICE']);

export function classifyMysqlError(e: unknown): ClassifiedSqlError {
  const err = e as { errno?: unknown; code?: unknown; message?: unknown; fatal?: unknown };
  const errno = typeof err?.errno === 'number' ? err.errno : undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = `mysql: ${typeof err?.message === 'string' ? err.message : String(e)}`;
  // The server's error number is the unambiguous code: mysql2 names numbers after MySQL's table, and MariaDB
  // reuses some numbers for other errors (4025 is MariaDB's CONSTRAINT_FAILED).
  const serverErrno = errno !== undefined && errno >= 1000 ? errno : undefined;
  const vendorCode = serverErrno !== undefined ? String(serverErrno) : code ?? 'connection';
  const at = (cls: Parameters<typeof connectorError>[1], c: Parameters<typeof connectorError>[0], extra: Partial<ClassifiedSqlError> = {}): ClassifiedSqlError => ({
    error: connectorError(c, cls, message, { vendorCode }),
    connectionLost: false,
    perRecord: false,
    ...extra,
  });
  if (code === 'PROTOCOL_SEQUENCE_TIMEOUT') return at('retryable', CODES.timeout, { connectionLost: true });
  if (serverErrno !== undefined && (serverErrno < 2000 || serverErrno >= 3000)) {
    const errno = serverErrno;
    if (AUTH.has(errno)) return at('retryable', CODES.auth);
    if (TOO_MANY.has(errno)) return at('retryable', CODES.server, { connectionLost: true });
    if (TIMEOUT.has(errno)) return at('retryable', CODES.timeout);
    if (TRANSIENT.has(errno)) return at('retryable', CODES.server);
    if (LOST.has(errno)) return at('retryable', CODES.network, { connectionLost: true });
    if (PER_RECORD.has(errno)) return { ...at('rejected', CODES.rejected), perRecord: true };
    if (errno === 1146 || errno === 1049) return at('bad-mapping', CODES.unknownEntity);
    if (errno === 1054) return at('bad-mapping', CODES.badMapping);
    if (errno === 1064 || errno === 1142 || errno === 1143) return at('bad-mapping', CODES.queryRejected);
    return at('retryable', CODES.server);
  }
  if (serverErrno !== undefined && LOST.has(serverErrno)) return at('retryable', CODES.network, { connectionLost: true });
  if (code !== undefined && NET_CODES.has(code)) return at('retryable', CODES.network, { connectionLost: true });
  // Anything else without a server error number is the socket or the driver failing.
  return at('retryable', CODES.network, { connectionLost: true });
}

export class MysqlDialect implements Dialect {
  readonly system = 'mysql' as const;
  readonly defaultSchema: string;
  readonly booleanAsInt = true;
  readonly zone: string;
  readonly offsetMinutes: number;
  readonly maxParams = 65_535;
  readonly unknownColumnCode = '1054';
  readonly #pool: mysql.Pool;
  readonly #clientTimeoutMs: number;

  constructor(c: MysqlSessionConfig) {
    this.zone = c.timezone ?? 'UTC';
    this.offsetMinutes = fixedOffsetOf(this.zone);
    const u = new URL(c.url);
    const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
    this.defaultSchema = c.schema ?? database;
    const timeoutMs = Math.max(1, Math.floor(c.timeoutMs ?? 30_000));
    this.#clientTimeoutMs = timeoutMs + 5_000;
    const options: mysql.PoolOptions = {
      host: u.hostname,
      port: u.port === '' ? 3306 : Number(u.port),
      user: c.user ?? decodeURIComponent(u.username),
      connectionLimit: c.poolSize ?? 4,
      connectTimeout: c.connectTimeoutMs ?? 10_000,
      charset: 'utf8mb4',
      decimalNumbers: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      multipleStatements: false,
      maxIdle: c.poolSize ?? 4,
      idleTimeout: 30_000,
    };
    const password = c.password ?? (u.password === '' ? undefined : decodeURIComponent(u.password));
    if (password !== undefined) options.password = password;
    if (database !== '') options.database = database;
    this.#pool = mysql.createPool(options);
    const settings = `SET time_zone = '${offsetText(this.offsetMinutes)}', innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(timeoutMs / 1000))}`;
    this.#pool.on('connection', (conn) => {
      // Errors surface through the caller's first query on this connection.
      const core = conn as unknown as { query(sql: string, cb: (e: unknown) => void): void; on(ev: string, fn: () => void): void };
      core.on('error', () => undefined);
      core.query(settings, () => undefined);
      // MariaDB: max_statement_time (seconds); MySQL: max_execution_time (ms, SELECT only). The other one is unknown there.
      core.query(`SET max_statement_time = ${timeoutMs / 1000}`, () => undefined);
      core.query(`SET max_execution_time = ${timeoutMs}`, () => undefined);
    });
  }

  quote(name: string): string {
    return quoteIdentifier(name, 'backtick');
  }

  param(): string {
    return '?';
  }

  orderKey(expr: string, c: ColumnMeta): string {
    return c.kind === 'string' ? `BINARY ${expr}` : expr;
  }

  async acquire(): Promise<Lease> {
    const conn = await this.#pool.getConnection();
    const session: SqlSession = {
      query: async (sql, params) => {
        // Statements with values are server-side prepared; control statements (BEGIN, COMMIT, DDL) go as text.
        const [rows] = params && params.length > 0
          ? await conn.execute({ sql, values: [...params], timeout: this.#clientTimeoutMs })
          : await conn.query({ sql, timeout: this.#clientTimeoutMs });
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      },
    };
    let released = false;
    return {
      session,
      release: (broken) => {
        if (released) return;
        released = true;
        if (broken) conn.destroy();
        else conn.release();
      },
    };
  }

  async tableMeta(s: SqlSession, schema: string, table: string): Promise<TableMeta | undefined> {
    const cols = await s.query(
      `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [schema, table],
    );
    if (cols.length === 0) return undefined;
    // MariaDB stores JSON as LONGTEXT guarded by CHECK (json_valid(col)).
    const checks = await s.query(`SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`, [schema, table]);
    const jsonColumns = new Set(checks.map((r) => /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(String(r.CHECK_CLAUSE).trim())?.[1]?.replaceAll('``', '`')).filter((x): x is string => x !== undefined));
    const keys = await s.query(
      `SELECT t.CONSTRAINT_TYPE, k.CONSTRAINT_NAME, k.COLUMN_NAME
         FROM information_schema.TABLE_CONSTRAINTS t
         JOIN information_schema.KEY_COLUMN_USAGE k
           ON k.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME AND k.CONSTRAINT_NAME = t.CONSTRAINT_NAME
        WHERE t.TABLE_SCHEMA = ? AND t.TABLE_NAME = ? AND t.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE')
        ORDER BY t.CONSTRAINT_TYPE, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
      [schema, table],
    );
    const columns: ColumnMeta[] = cols.map((r) => {
      const name = String(r.COLUMN_NAME);
      const dataType = String(r.DATA_TYPE).toLowerCase();
      const columnType = String(r.COLUMN_TYPE);
      const extra = String(r.EXTRA ?? '');
      const kind = jsonColumns.has(name) ? 'json' : kindOf(dataType, columnType);
      const c: ColumnMeta = {
        name,
        kind,
        sqlType: columnType,
        nullable: r.IS_NULLABLE === 'YES',
        hasDefault: r.COLUMN_DEFAULT !== null || /auto_increment/i.test(extra),
        generated: /GENERATED/i.test(extra),
      };
      if (kind === 'string' && r.CHARACTER_MAXIMUM_LENGTH !== null) c.maxLength = Number(r.CHARACTER_MAXIMUM_LENGTH);
      if (kind === 'decimal') {
        c.precision = Number(r.NUMERIC_PRECISION);
        c.scale = Number(r.NUMERIC_SCALE ?? 0);
      }
      if (kind === 'enum') c.enumValues = enumValues(columnType);
      return c;
    });
    const primaryKey = keys.filter((k) => k.CONSTRAINT_TYPE === 'PRIMARY KEY').map((k) => String(k.COLUMN_NAME));
    const unique = new Map<string, string[]>();
    for (const k of keys.filter((x) => x.CONSTRAINT_TYPE === 'UNIQUE')) unique.set(String(k.CONSTRAINT_NAME), [...(unique.get(String(k.CONSTRAINT_NAME)) ?? []), String(k.COLUMN_NAME)]);
    return { schema, table, columns, primaryKey, uniqueKeys: [...unique.values()] };
  }

  async listTables(s: SqlSession, schema: string): Promise<string[]> {
    const rows = await s.query(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`, [schema]);
    return rows.map((r) => String(r.TABLE_NAME));
  }

  #now(c: ColumnMeta): string {
    return c.kind === 'date' ? 'CURRENT_DATE' : 'CURRENT_TIMESTAMP(6)';
  }

  #keyFilter(round: UpsertRound, params: unknown[]): string {
    const keyIdx = round.keyColumns.map((k) => round.columns.findIndex((c) => c.name === k.name));
    const tuples = round.rows.map((row) => {
      for (const i of keyIdx) params.push(row[i]);
      return `(${keyIdx.map(() => '?').join(', ')})`;
    });
    return `(${round.keyColumns.map((c) => this.quote(c.name)).join(', ')}) IN (${tuples.join(', ')})`;
  }

  async upsert(s: SqlSession, round: UpsertRound): Promise<WrittenRow[]> {
    const q = (n: string) => this.quote(n);
    const table = `${q(round.table.schema)}.${q(round.table.table)}`;
    const keyList = round.keyColumns.map((c) => q(c.name));
    const pk = round.table.primaryKey.length > 0 ? round.table.primaryKey : round.keyColumns.map((c) => c.name);
    const ua = round.updatedAt ?? round.table.columns.find((c) => c.name === 'updated_at');
    const pre: unknown[] = [];
    const existing = await s.query(`SELECT ${keyList.join(', ')} FROM ${table} WHERE ${this.#keyFilter(round, pre)} FOR UPDATE`, pre);
    const existed = new Set(existing.map((r) => JSON.stringify(round.keyColumns.map((c) => String(r[c.name])))));
    const names = round.columns.map((c) => q(c.name));
    if (round.updatedAt) names.push(q(round.updatedAt.name));
    const params: unknown[] = [];
    const values = round.rows.map((row) => {
      params.push(...row);
      return `(${[...row.map(() => '?'), ...(round.updatedAt ? [this.#now(round.updatedAt)] : [])].join(', ')})`;
    });
    const keyNames = new Set(round.keyColumns.map((c) => c.name));
    const payload = round.columns.filter((c) => !keyNames.has(c.name));
    const sets: string[] = [];
    if (round.updatedAt) {
      // First, while the other columns still hold their old values (assignments apply left to right): a row
      // that already holds these values keeps its updated-at, so replays and echoes are not new changes.
      const same = payload.map((c) => `${q(c.name)} <=> VALUES(${q(c.name)})`).join(' AND ') || 'TRUE';
      const u = q(round.updatedAt.name);
      sets.push(`${u} = IF(${same}, ${u}, ${this.#now(round.updatedAt)})`);
    }
    sets.push(...payload.map((c) => `${q(c.name)} = VALUES(${q(c.name)})`));
    if (sets.length === 0) sets.push(`${keyList[0]} = ${keyList[0]}`);
    await s.query(`INSERT INTO ${table} (${names.join(', ')}) VALUES ${values.join(', ')} ON DUPLICATE KEY UPDATE ${sets.join(', ')}`, params);
    const post: unknown[] = [];
    const select = [...pk.map((n, i) => `${q(n)} AS \`syncspec$pk${i}\``), ...round.keyColumns.map((c, i) => `${q(c.name)} AS \`syncspec$key${i}\``), ...(ua ? [`${q(ua.name)} AS \`syncspec$ua\``] : [])];
    const rows = await s.query(`SELECT ${select.join(', ')} FROM ${table} WHERE ${this.#keyFilter(round, post)}`, post);
    return rows.map((r) => {
      const keyValues = round.keyColumns.map((_, i) => r[`syncspec$key${i}`]);
      const w: WrittenRow = {
        created: !existed.has(JSON.stringify(keyValues.map((v) => String(v)))),
        primaryValues: pk.map((_, i) => r[`syncspec$pk${i}`]),
        keyValues,
      };
      if (ua) w.updatedAtRaw = r['syncspec$ua'];
      return w;
    });
  }

  async ensureEchoTable(s: SqlSession, schema: string, table: string): Promise<void> {
    await s.query(`CREATE TABLE IF NOT EXISTS ${this.quote(schema)}.${this.quote(table)} (
      entity VARCHAR(200) NOT NULL, record_id VARCHAR(500) NOT NULL, version VARCHAR(40) NOT NULL, PRIMARY KEY (entity, record_id)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  }

  async recordEchoes(s: SqlSession, schema: string, table: string, entity: string, rows: { id: string; version: string }[]): Promise<void> {
    const params: unknown[] = [];
    const values = rows.map((r) => {
      params.push(entity, r.id, r.version);
      return '(?, ?, ?)';
    });
    await s.query(`INSERT INTO ${this.quote(schema)}.${this.quote(table)} (entity, record_id, version) VALUES ${values.join(', ')} ON DUPLICATE KEY UPDATE version = VALUES(version)`, params);
  }

  async readEchoes(s: SqlSession, schema: string, table: string, entity: string, ids: string[]): Promise<Map<string, string>> {
    const rows = await s.query(`SELECT record_id, version FROM ${this.quote(schema)}.${this.quote(table)} WHERE entity = ? AND record_id IN (${ids.map(() => '?').join(', ')})`, [entity, ...ids]);
    return new Map(rows.map((r) => [String(r.record_id), String(r.version)]));
  }

  classify(e: unknown): ClassifiedSqlError {
    return classifyMysqlError(e);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
