/**
 * Column metadata read from a database's own `information_schema`, the catalog field type it maps to,
 * and the value conversions between the wire (driver output, bind parameters) and syncspec records:
 * decimals and 64-bit integers stay strings, instants become canonical UTC ISO, JSON becomes a value.
 */
import type { FieldDef } from '../../../compiler/catalog/types.ts';
import { localToUtcIso, utcToLocal } from '../../shared/cursor.ts';

/** The kind a column's values take in records; drives both the catalog type and the conversions. */
export type ColumnKind =
  | 'string' | 'integer' | 'bigint' | 'decimal' | 'double' | 'boolean' | 'date'
  /** An instant stored with its zone (PostgreSQL timestamptz). */
  | 'instant'
  /** Wall-clock time without a zone (PostgreSQL timestamp, MySQL DATETIME/TIMESTAMP in the session zone). */
  | 'local-datetime'
  | 'json' | 'enum' | 'other';

export interface ColumnMeta {
  name: string;
  kind: ColumnKind;
  /** The database's own type text, for messages (`character varying(40)`, `tinyint(1)`). */
  sqlType: string;
  maxLength?: number;
  precision?: number;
  scale?: number;
  enumValues?: string[];
  nullable: boolean;
  /** A default or identity/auto-increment exists, so inserts may omit it. */
  hasDefault: boolean;
  /** Computed by the database (generated column); never written. */
  generated: boolean;
}

export interface TableMeta {
  schema: string;
  table: string;
  /** In table order. */
  columns: ColumnMeta[];
  primaryKey: string[];
  uniqueKeys: string[][];
}

/** Catalog field type of a column. `zone` is the IANA zone of offset-less local times. */
export function fieldDefOf(c: ColumnMeta, entity: string, zone: string, readOnly: boolean): FieldDef {
  const extra: Partial<FieldDef> = { label: c.name };
  if (c.nullable) extra.nullable = true;
  if (!c.nullable && !c.hasDefault && !c.generated) extra.requiredOnCreate = true;
  if (readOnly || c.generated) extra.readOnly = true;
  switch (c.kind) {
    case 'string':
      return { type: 'string', ...(c.maxLength !== undefined ? { maxLength: c.maxLength } : {}), ...extra } as FieldDef;
    case 'integer':
      return { type: 'integer', ...extra } as FieldDef;
    case 'bigint':
      return { type: 'integer', ...extra, description: '64-bit integer, read as a decimal string so no digit is lost.' } as FieldDef;
    case 'decimal':
      return { type: 'decimal', ...(c.precision !== undefined ? { precision: c.precision } : {}), ...(c.scale !== undefined ? { scale: c.scale } : {}), ...extra } as FieldDef;
    case 'double':
      return { type: 'double', ...extra } as FieldDef;
    case 'boolean':
      return { type: 'boolean', ...extra } as FieldDef;
    case 'date':
      return { type: 'date', ...extra } as FieldDef;
    case 'instant':
      return { type: 'datetime', zone: 'utc', ...extra } as FieldDef;
    case 'local-datetime':
      return { type: 'datetime', zone: zone === 'UTC' || zone === 'Etc/UTC' ? 'utc' : zone, ...extra } as FieldDef;
    case 'json':
      return { type: 'record', entity: `${entity}.${c.name}`, ...extra, description: `Free-form JSON document (${c.sqlType}); declare its members with an EntitySchema for ${entity}.${c.name} to use them in expressions.` } as FieldDef;
    case 'enum':
      return { type: 'enum', values: c.enumValues ?? [], ...extra } as FieldDef;
    case 'other':
      return { type: 'string', ...extra, description: `Column type ${c.sqlType} is passed through as text.` } as FieldDef;
  }
}

const WIRE_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * A timestamp as the driver returns it as text (`2026-03-01 10:00:00.123456+00`, `2026-03-01 10:00:00`)
 * → canonical UTC ISO. Offset-less text is wall-clock time at `offsetMinutes`. Sub-millisecond digits are
 * kept (`.123456Z`) so a cursor resumes exactly where the database orders; whole milliseconds give the
 * canonical `.sssZ` form.
 */
export function wireTimestampToIso(text: string, offsetMinutes: number): string | undefined {
  const m = WIRE_TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [, date, time, frac = '', z, sign, oh, om] = m;
  const offset = z !== undefined ? 0 : sign !== undefined ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om ?? '0')) : offsetMinutes;
  const base = localToUtcIso(`${date}T${time}`, offset);
  if (base === undefined) return undefined;
  const micros = (frac + '000000').slice(0, 6);
  const ms = micros.slice(0, 3);
  const rest = micros.slice(3);
  const head = base.slice(0, 19);
  return rest === '000' ? `${head}.${ms}Z` : `${head}.${micros}Z`;
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * An instant from a record (ISO-8601 with `Z` or an offset, or a Date) → wall-clock text at
 * `offsetMinutes` with microseconds (`YYYY-MM-DD HH:mm:ss.ffffff`), for zone-less columns. Undefined when the
 * value is not an instant (the database then judges the raw value and rejects it per record).
 */
export function isoToWireLocal(value: unknown, offsetMinutes: number): string | undefined {
  const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : undefined;
  if (text === undefined) return undefined;
  const m = ISO_INSTANT.exec(text.trim());
  if (!m) return undefined;
  const [, date, time, frac = '', zone] = m;
  const offset = zone === 'Z' ? 0 : (zone!.startsWith('-') ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(-2)));
  const utc = localToUtcIso(`${date}T${time}`, offset);
  if (utc === undefined) return undefined;
  const local = utcToLocal(utc, offsetMinutes);
  if (local === undefined) return undefined;
  return `${local.slice(0, 10)} ${local.slice(11, 19)}.${(frac + '000000').slice(0, 6)}`;
}

/** Decodes one value the driver returned for column `c` into its record form. */
export function readValue(c: ColumnMeta, raw: unknown, offsetMinutes: number): unknown {
  if (raw === null || raw === undefined) return null;
  switch (c.kind) {
    case 'bigint':
    case 'decimal':
      return typeof raw === 'string' ? raw : String(raw);
    case 'boolean':
      return typeof raw === 'boolean' ? raw : Number(raw) !== 0;
    case 'instant':
    case 'local-datetime':
      return typeof raw === 'string' ? (wireTimestampToIso(raw, c.kind === 'instant' ? 0 : offsetMinutes) ?? raw) : raw instanceof Date ? raw.toISOString() : raw;
    case 'date':
      return typeof raw === 'string' ? raw.slice(0, 10) : raw;
    case 'json':
      if (typeof raw === 'string') {
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          return raw;
        }
      }
      return raw;
    default:
      return Buffer.isBuffer(raw) ? raw.toString('utf8') : raw;
  }
}

/**
 * Encodes one record value for a bind parameter of column `c`. Values that do not fit are passed through
 * unchanged: the database judges them, and a refusal becomes that record's reject with the database's code.
 */
export function writeValue(c: ColumnMeta, v: unknown, offsetMinutes: number, booleanAsInt: boolean): unknown {
  if (v === null || v === undefined) return null;
  switch (c.kind) {
    case 'decimal':
    case 'bigint':
    case 'integer':
      return typeof v === 'number' || typeof v === 'bigint' ? String(v) : v;
    case 'boolean':
      return booleanAsInt && typeof v === 'boolean' ? (v ? 1 : 0) : v;
    case 'local-datetime':
      return isoToWireLocal(v, offsetMinutes) ?? v;
    case 'instant':
      return v instanceof Date ? v.toISOString() : v;
    case 'json':
      return JSON.stringify(v);
    default:
      return v;
  }
}
