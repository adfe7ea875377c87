/**
 * OData v2 JSON value formats SAP uses, shared by the connector and its emulator:
 * `Edm.DateTime` "/Date(ms)/" (UTC; date-only fields at midnight), `Edm.DateTimeOffset`
 * "/Date(ms+0000)/", `Edm.Time` "PT14H30M00S", `Edm.Decimal` as strings, and filter literals.
 */

const DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/** Milliseconds of "/Date(ms)/" or "/Date(ms+hhmm)/" (the offset only annotates: ms is UTC); undefined otherwise. */
export function parseODataDate(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = DATE.exec(v);
  return m ? Number(m[1]) : undefined;
}

export const odataDateTime = (ms: number): string => `/Date(${ms})/`;
export const odataDateTimeOffset = (ms: number): string => `/Date(${ms}+0000)/`;

/** "PT14H30M05S" → milliseconds of the day; undefined when not an Edm.Time. */
export function parseODataTime(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^PT(?:(\d{1,2})H)?(?:(\d{1,2})M)?(?:(\d{1,2})(?:\.(\d{1,7}))?S)?$/.exec(v);
  if (!m || v === 'PT') return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000 + Number(((m[4] ?? '') + '000').slice(0, 3));
}

export function odataTime(msOfDay: number): string {
  const s = Math.floor(msOfDay / 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `PT${p(Math.floor(s / 3600))}H${p(Math.floor(s / 60) % 60)}M${p(s % 60)}S`;
}

/** ETag SAP derives from LastChangeDateTime: W/"datetimeoffset'2024-05-01T08%3A00%3A00.0000000Z'". */
export function etagOf(ms: number): string {
  const iso = new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
  return `W/"datetimeoffset'${iso.replace(/:/g, '%3A')}'"`;
}

/** A string literal for $filter: single quotes, a quote doubled. */
export function odataString(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** Key predicate of an entity: ('4000001') or (SalesOrder='1',SalesOrderItem='10'). */
export function keyPredicate(keys: readonly string[], values: Record<string, unknown>): string {
  if (keys.length === 1) return `(${odataString(String(values[keys[0] as string]))})`;
  return `(${keys.map((k) => `${k}=${odataString(String(values[k]))}`).join(',')})`;
}
