/**
 * Tie-safe poll positions and the time conversions cursors need. A position is (timestamp, id): a
 * record is "after" a position when its timestamp is later, or equal with a greater id — so records
 * sharing one timestamp across a page boundary are neither lost nor read twice.
 */
import type { CursorPosition, SourceRecord } from '../../runtime/support/connector.ts';

/** Milliseconds since the epoch of an ISO-8601 instant; NaN when unparseable. */
export function instantMs(iso: string): number {
  const ms = canonicalUtcMs(iso);
  // Salesforce writes "+0000" (no colon), which Date.parse accepts only in some engines: normalise it.
  return Number.isNaN(ms) ? Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : ms;
}

/** Canonical UTC form used in every SourceRecord.cursor: `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export function toUtcIso(iso: string): string | undefined {
  if (!Number.isNaN(canonicalUtcMs(iso))) return iso.length === 24 ? iso : `${iso.slice(0, 23)}Z`;
  const ms = instantMs(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * The instant of `YYYY-MM-DDTHH:mm:ss.sss` followed by `Z` or Salesforce's `+0000`, in years 1000–9999 (Date.UTC
 * maps years 0–99 to 19xx); NaN for any other text or an impossible date. Every record a poll reads and every row
 * an emulator sorts comes this way: read field by field, it takes ~0.1 µs against 1.2 µs for the regex and
 * Date.parse (and toISOString back) of the general path.
 */
function canonicalUtcMs(s: string): number {
  if (!((s.length === 24 && s.charCodeAt(23) === 90) /* Z */ || (s.length === 28 && s.endsWith('+0000')))) return Number.NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46) return Number.NaN;
  const d = (i: number): number => {
    const c = s.charCodeAt(i) - 48;
    return c >= 0 && c <= 9 ? c : Number.NaN;
  };
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  const hour = d(11) * 10 + d(12);
  const minute = d(14) * 10 + d(15);
  const second = d(17) * 10 + d(18);
  const millis = d(20) * 100 + d(21) * 10 + d(22);
  // NaN (a non-digit) fails every comparison below.
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59 && millis >= 0)) return Number.NaN;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days ? Date.UTC(year, month - 1, day, hour, minute, second, millis) : Number.NaN;
}

/**
 * Ids compare as the source orders them: numerically when both are decimal integers (Kingdee FID,
 * FCUSTID), else as strings (Salesforce Ids, Jiandaoyun hex ids).
 */
export function compareIds(a: string, b: string): number {
  if (/^\d{1,15}$/.test(a) && /^\d{1,15}$/.test(b)) return Math.sign(Number(a) - Number(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

export function comparePositions(a: CursorPosition, b: CursorPosition): number {
  const d = instantMs(a.at) - instantMs(b.at);
  if (d !== 0) return d < 0 ? -1 : 1;
  return compareIds(a.id, b.id);
}

export function positionOf(r: SourceRecord): CursorPosition | undefined {
  return r.cursor === undefined ? undefined : { at: r.cursor, id: r.id };
}

/** True when `r` comes strictly after `since` (undefined since: everything does). */
export function isAfter(r: SourceRecord, since: CursorPosition | undefined): boolean {
  if (since === undefined) return true;
  const p = positionOf(r);
  return p !== undefined && comparePositions(p, since) > 0;
}

/** The later of two positions. */
export function maxPosition(a: CursorPosition | undefined, b: CursorPosition | undefined): CursorPosition | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/**
 * Offset-less local time (Kingdee `FModifyDate` "2026-03-01T10:00:00.123", U8 "2026-03-01 10:00:00")
 * at a fixed UTC offset → canonical UTC ISO. China Standard Time is +08:00 all year (no DST since 1991).
 */
export function localToUtcIso(local: string, offsetMinutes: number): string | undefined {
  const m = LOCAL.exec(local.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = Number(((frac ?? '') + '000').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms) - offsetMinutes * 60_000;
  const date = new Date(utc);
  if (Number.isNaN(utc) || date.getUTCFullYear() < 1 || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  return date.toISOString();
}

/** UTC ISO instant → offset-less local text `YYYY-MM-DDTHH:mm:ss.sss` at a fixed offset. */
export function utcToLocal(iso: string, offsetMinutes: number): string | undefined {
  const ms = instantMs(iso);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
}

/** Opaque page tokens: base64url JSON, so callers cannot depend on their content. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeToken<T>(token: string, guard: (v: unknown) => v is T): T | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    return guard(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function isPosition(v: unknown): v is CursorPosition {
  return typeof v === 'object' && v !== null && typeof (v as CursorPosition).at === 'string' && typeof (v as CursorPosition).id === 'string';
}
