/**
 * What differs between PostgreSQL and MySQL/MariaDB behind the one SQL connector: sessions, metadata,
 * the upsert statement, echo bookkeeping and error classification. Everything else (transactions,
 * per-row fallback, tie-safe cursors, keyset scans, value conversion) is shared in `sql-connector.ts`.
 */
import type { ConnectorError } from '../../../runtime/support/connector.ts';
import type { ColumnMeta, TableMeta } from './columns.ts';

export interface SqlSession {
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
}

/** One pooled connection for one connector call; `release(true)` destroys it (lost, aborted, unknown state). */
export interface Lease {
  session: SqlSession;
  release(broken: boolean): void;
}

export interface ClassifiedSqlError {
  error: ConnectorError;
  /** The connection is gone (killed, reset, timed out client-side): do not return it to the pool. */
  connectionLost: boolean;
  /** The database refused a value of one record (constraint, type, length): other records may still land. */
  perRecord: boolean;
}

/** One row the upsert wrote: the values of the key columns (as the connector renders ids), and what happened. */
export interface WrittenRow {
  /** Key column values, decoded, in key-column order. */
  keyValues: unknown[];
  /** Primary key values, decoded (the target id). */
  primaryValues: unknown[];
  created: boolean;
  /** Raw value of the updated-at column after the write (undefined without one). */
  updatedAtRaw?: unknown;
}

export interface UpsertRound {
  table: TableMeta;
  /** Columns written, in statement order (a subset of the table's, all present in every row). */
  columns: ColumnMeta[];
  keyColumns: ColumnMeta[];
  /** Set to the database's current time on every write unless a record supplies it. */
  updatedAt?: ColumnMeta;
  /** Encoded bind values, one array per row in `columns` order. */
  rows: unknown[][];
}

export interface Dialect {
  readonly system: 'postgresql' | 'mysql';
  /** Schema (PostgreSQL) or database (MySQL) of unqualified entity names. */
  readonly defaultSchema: string;
  /** MySQL stores booleans as tinyint(1). */
  readonly booleanAsInt: boolean;
  /** IANA zone of zone-less timestamps (Connection `timezone`, default UTC). */
  readonly zone: string;
  /** Its UTC offset (China has had no DST since 1991; zones with DST are refused at construction). */
  readonly offsetMinutes: number;
  /** Bind parameters one statement may carry. */
  readonly maxParams: number;
  quote(name: string): string;
  /** Bind placeholder number `n` (1-based). */
  param(n: number): string;
  /** Ordering expression of a key column (byte order for text, so the database and `compareIds` agree). */
  orderKey(quotedColumn: string, c: ColumnMeta): string;
  acquire(): Promise<Lease>;
  tableMeta(s: SqlSession, schema: string, table: string): Promise<TableMeta | undefined>;
  listTables(s: SqlSession, schema: string): Promise<string[]>;
  upsert(s: SqlSession, round: UpsertRound): Promise<WrittenRow[]>;
  ensureEchoTable(s: SqlSession, schema: string, table: string): Promise<void>;
  recordEchoes(s: SqlSession, schema: string, table: string, entity: string, rows: { id: string; version: string }[]): Promise<void>;
  readEchoes(s: SqlSession, schema: string, table: string, entity: string, ids: string[]): Promise<Map<string, string>>;
  classify(e: unknown): ClassifiedSqlError;
  /** Vendor code the database would give a write naming an unknown column (PostgreSQL 42703, MySQL 1054). */
  readonly unknownColumnCode: string;
  close(): Promise<void>;
}
