/**
 * Instants, durations and calendar dates with IANA time zones. Offset-less local times (Kingdee, U8 write
 * China Standard Time without an offset) are read in a given zone; SAP OData v2 `/Date(ms)/` is accepted.
 * Zone offsets come from `Intl.DateTimeFormat`, so DST transitions follow the tz database.
 */
import { celFail } from './errors.ts';

const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z, CEL's timestamp range. */
export const MIN_TS_SECONDS = -62135596800n;
export const MAX_TS_SECONDS = 253402300799n;

/** An instant with nanosecond precision (CEL `timestamp`). */
export class Timestamp {
  readonly ns: bigint;
  constructor(ns: bigint) {
    const s = floorDiv(ns, NS_PER_S);
    if (s < MIN_TS_SECONDS || s > MAX_TS_SECONDS) celFail('outOfRange', 'timestamp out of range (0001-01-01 to 9999-12-31)');
    this.ns = ns;
  }
  static fromMillis(ms: number): Timestamp {
    return new Timestamp(BigInt(ms) * NS_PER_MS);
  }
  get seconds(): bigint {
    return floorDiv(this.ns, NS_PER_S);
  }
  get nanos(): number {
    return Number(this.ns - this.seconds * NS_PER_S);
  }
  get millis(): number {
    return Number(floorDiv(this.ns, NS_PER_MS));
  }
  /** RFC 3339 in UTC with only as many fraction digits as needed (0, 3, 6 or 9), as CEL's `string()`. */
  toString(): string {
    const f = utcFields(this.millis);
    const base = `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}`;
    return `${base}${fraction(this.nanos)}Z`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** A signed span with nanosecond precision (CEL `duration`). */
export class Duration {
  readonly ns: bigint;
  constructor(ns: bigint) {
    // cel-go keeps durations in int64 nanoseconds (about ±292 years); the conformance suite expects that range.
    if (ns > 9223372036854775807n || ns < -9223372036854775808n) celFail('outOfRange', 'duration out of range');
    this.ns = ns;
  }
  /** CEL's text form: seconds with the needed fraction, e.g. "3723s", "1.5s". */
  toString(): string {
    const neg = this.ns < 0n;
    const abs = neg ? -this.ns : this.ns;
    return `${neg ? '-' : ''}${abs / NS_PER_S}${fraction(Number(abs % NS_PER_S))}s`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/** A calendar date without a zone (`YYYY-MM-DD`). */
export class PlainDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  constructor(year: number, month: number, day: number) {
    if (!validDate(year, month, day)) celFail('badDateText', `${year}-${month}-${day} is not a calendar date`);
    this.year = year;
    this.month = month;
    this.day = day;
  }
  /** Days since 1970-01-01. */
  get epochDay(): number {
    const d = new Date(0);
    d.setUTCFullYear(this.year, this.month - 1, this.day);
    return Math.round(d.getTime() / 86_400_000);
  }
  toString(): string {
    return `${pad(this.year, 4)}-${pad(this.month, 2)}-${pad(this.day, 2)}`;
  }
  toJSON(): string {
    return this.toString();
  }
  cmp(o: PlainDate): -1 | 0 | 1 {
    const a = this.year * 10000 + this.month * 100 + this.day;
    const b = o.year * 10000 + o.month * 100 + o.day;
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

function validDate(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return false;
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= daysInMonth(y, m);
}
function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
}
function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const nine = pad(nanos, 9);
  if (nine.endsWith('000000')) return `.${nine.slice(0, 3)}`;
  if (nine.endsWith('000')) return `.${nine.slice(0, 6)}`;
  return `.${nine}`;
}

export interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

function utcFields(ms: number): Fields {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

function utcMillis(f: Fields): number {
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, f.millisecond);
  return d.getTime();
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      return celFail('badZone', `unknown time zone "${zone}"`);
    }
    formatters.set(zone, f);
  }
  return f;
}

/** True when `zone` is an IANA zone name (or a fixed offset such as `+08:00`) Intl knows. */
export function isValidZone(zone: string): boolean {
  if (parseFixedOffset(zone) !== undefined) return true;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function parseFixedOffset(zone: string): number | undefined {
  if (zone === 'UTC' || zone === 'Z') return 0;
  const m = /^([+-]?)(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** Wall-clock fields of an instant in a zone. */
export function fieldsInZone(ms: number, zone: string): Fields {
  const fixed = parseFixedOffset(zone);
  if (fixed !== undefined) return utcFields(ms + fixed * 60_000);
  const parts = formatterFor(zone).formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const era = parts.find((p) => p.type === 'era')?.value;
  const year = era === 'BC' || era === 'B' ? 1 - get('year') : get('year');
  return { year, month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second'), millisecond: ((ms % 1000) + 1000) % 1000 };
}

/** Offset of `zone` from UTC at the instant, in minutes. */
export function offsetMinutes(ms: number, zone: string): number {
  const fixed = parseFixedOffset(zone);
  if (fixed !== undefined) return fixed;
  const f = fieldsInZone(ms, zone);
  return Math.round((utcMillis(f) - (ms - (((ms % 1000) + 1000) % 1000) + f.millisecond)) / 60_000);
}

/**
 * The instant a local wall-clock time in `zone` denotes. Ambiguous times (DST fall-back) take the
 * earlier instant; times in a DST gap are moved forward by the gap (as Temporal's "compatible").
 */
export function localToInstant(f: Fields, zone: string): number {
  const asUtc = utcMillis(f);
  const before = offsetMinutes(asUtc - 86_400_000, zone);
  const after = offsetMinutes(asUtc + 86_400_000, zone);
  const candidates = [...new Set([before, after])].map((off) => asUtc - off * 60_000).filter((t) => sameWallClock(t, f, zone));
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: interpret with the offset before the transition, which lands after the gap.
  return asUtc - before * 60_000;
}

function sameWallClock(t: number, f: Fields, zone: string): boolean {
  const g = fieldsInZone(t, zone);
  return g.year === f.year && g.month === f.month && g.day === f.day && g.hour === f.hour && g.minute === f.minute && g.second === f.second;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const MS_DATE = /^\/Date\((-?\d+)(?:([+-])(\d{2})(\d{2}))?\)\/$/;

export interface ParsedDateTime {
  fields: Fields;
  nanos: number;
  /** Offset in minutes when the text carries one. */
  offset?: number;
  hasTime: boolean;
  /** `/Date(ms)/`: the instant is exact. */
  epochMs?: number;
}

export function parseDateTimeText(text: string): ParsedDateTime | undefined {
  const ms = MS_DATE.exec(text);
  if (ms) {
    const epochMs = Number(ms[1]);
    const offset = ms[2] === undefined ? 0 : (ms[2] === '-' ? -1 : 1) * (Number(ms[3]) * 60 + Number(ms[4]));
    return { fields: utcFields(epochMs), nanos: (((epochMs % 1000) + 1000) % 1000) * 1_000_000, offset, hasTime: true, epochMs };
  }
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const frac = (m[7] ?? '').padEnd(9, '0');
  const nanos = Number(frac);
  const fields: Fields = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    millisecond: Math.floor(nanos / 1_000_000),
  };
  if (!validDate(fields.year, fields.month, fields.day) || fields.hour > 23 || fields.minute > 59 || fields.second > 59) return undefined;
  const out: ParsedDateTime = { fields, nanos, hasTime: m[4] !== undefined };
  const z = m[8];
  if (z !== undefined) {
    const off = z === 'Z' || z === 'z' ? 0 : parseFixedOffset(z.length === 3 ? `${z}00` : z);
    if (off === undefined) return undefined;
    out.offset = off;
  }
  return out;
}

/** Reads an instant: ISO-8601 with or without offset (offset-less text is local time in `zone`), a date alone (midnight in `zone`), or `/Date(ms)/`. */
export function parseInstant(text: string, zone: string): Timestamp {
  const p = parseDateTimeText(text);
  if (!p) return celFail('badDateText', `"${clip(text)}" is not a date-time (ISO-8601 or /Date(ms)/)`);
  if (p.epochMs !== undefined) return Timestamp.fromMillis(p.epochMs);
  const sub = BigInt(p.nanos % 1_000_000);
  if (p.offset !== undefined) {
    const ms = utcMillis(p.fields) - p.offset * 60_000;
    return new Timestamp(BigInt(ms) * NS_PER_MS + sub);
  }
  const ms = localToInstant(p.fields, zone);
  return new Timestamp(BigInt(ms) * NS_PER_MS + sub);
}

/** Reads a calendar date: `YYYY-MM-DD`, or the local date of a date-time in `zone` (offset-less text keeps its own date). */
export function parseDate(text: string, zone: string): PlainDate {
  const p = parseDateTimeText(text);
  if (!p) return celFail('badDateText', `"${clip(text)}" is not a date (YYYY-MM-DD, ISO-8601 or /Date(ms)/)`);
  if (p.offset === undefined && p.epochMs === undefined) return new PlainDate(p.fields.year, p.fields.month, p.fields.day);
  return dateOf(parseInstant(text, zone), zone);
}

/** The calendar date of an instant in `zone`. */
export function dateOf(ts: Timestamp, zone: string): PlainDate {
  const f = fieldsInZone(ts.millis, zone);
  return new PlainDate(f.year, f.month, f.day);
}

/** Local wall-clock text `YYYY-MM-DDTHH:mm:ss` of an instant in `zone` (for systems that store offset-less local time). */
export function localText(ts: Timestamp, zone: string): string {
  const f = fieldsInZone(ts.millis, zone);
  return `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}${fraction(ts.nanos)}`;
}

/** Formats with tokens yyyy, MM, dd, HH, mm, ss, SSS (anything else is copied). */
export function formatFields(f: Fields, pattern: string): string {
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss|SSS/g, (tok) => {
    switch (tok) {
      case 'yyyy':
        return pad(f.year, 4);
      case 'MM':
        return pad(f.month, 2);
      case 'dd':
        return pad(f.day, 2);
      case 'HH':
        return pad(f.hour, 2);
      case 'mm':
        return pad(f.minute, 2);
      case 'ss':
        return pad(f.second, 2);
      default:
        return pad(f.millisecond, 3);
    }
  });
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
