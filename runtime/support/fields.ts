/**
 * Typed reads of catalog record fields and writes into target wire form. Reads use own properties only,
 * so a `__proto__` or `constructor` key in input data is plain data and never reaches a prototype.
 * A non-nullable field that is absent is an error (`no such field`); a nullable one reads as null.
 */
import { Decimal, pow10 } from './decimal.ts';
import { PlainDate, Timestamp, localText, parseDate, parseInstant } from './dates.ts';
import { celFail } from './errors.ts';
import { display, typeName } from './values.ts';
import { toInt } from './cel-runtime.ts';

function raw(o: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}
function absent(k: string): never {
  return celFail('noSuchField', `no such field: ${k}`);
}
function wrong(k: string, want: string, v: unknown): never {
  return celFail('badConversion', `field ${k}: expected ${want}, got ${typeName(v)} ${display(v)}`);
}

const str = (k: string, v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : wrong(k, 'string', v));
const int = (k: string, v: unknown): bigint => {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : wrong(k, 'integer', v);
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return toInt(v.trim());
  return wrong(k, 'integer', v);
};
const dbl = (k: string, v: unknown): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return wrong(k, 'number', v);
};
const bool = (k: string, v: unknown): boolean => {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return wrong(k, 'boolean', v);
};
const dec = (k: string, v: unknown): Decimal => {
  if (typeof v === 'string' || typeof v === 'number' || v instanceof Decimal) return Decimal.from(v);
  return wrong(k, 'decimal', v);
};
const rec = (k: string, v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : wrong(k, 'record', v));
const list = (k: string, v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : wrong(k, 'list', v));

/*
 * Two forms of every read. `field*(value, name)` takes the property the generated code read itself with a
 * constant key (`source["Name"]`): each call site stays monomorphic, which is most of a transform's speed.
 * The compiler uses it only for names that are not properties of `Object.prototype`, so a plain read can
 * only find an own property (records are JSON data: their prototype is `Object.prototype` or null).
 * `f*(record, name)` reads through `Object.hasOwn` and serves the other names (`__proto__`, `constructor`,
 * `toString`, …). Both give the same values and the same errors.
 */

/** The common case first: a string field holding a string. */
export function fieldStr(v: unknown, k: string): string {
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? absent(k) : str(k, v);
}
export function fieldStrN(v: unknown, k: string): string | null {
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? null : str(k, v);
}
export function fieldInt(v: unknown, k: string): bigint {
  return v === undefined || v === null ? absent(k) : int(k, v);
}
export function fieldIntN(v: unknown, k: string): bigint | null {
  return v === undefined || v === null ? null : int(k, v);
}
export function fieldDbl(v: unknown, k: string): number {
  if (typeof v === 'number') return v;
  return v === undefined || v === null ? absent(k) : dbl(k, v);
}
export function fieldDblN(v: unknown, k: string): number | null {
  if (typeof v === 'number') return v;
  return v === undefined || v === null ? null : dbl(k, v);
}
export function fieldBool(v: unknown, k: string): boolean {
  if (typeof v === 'boolean') return v;
  return v === undefined || v === null ? absent(k) : bool(k, v);
}
export function fieldBoolN(v: unknown, k: string): boolean | null {
  if (typeof v === 'boolean') return v;
  return v === undefined || v === null ? null : bool(k, v);
}
export function fieldDec(v: unknown, k: string): Decimal {
  return v === undefined || v === null ? absent(k) : dec(k, v);
}
export function fieldDecN(v: unknown, k: string): Decimal | null {
  return v === undefined || v === null ? null : dec(k, v);
}
export function fieldRec(v: unknown, k: string): Record<string, unknown> {
  return v === undefined || v === null ? absent(k) : rec(k, v);
}
export function fieldRecN(v: unknown, k: string): Record<string, unknown> | null {
  return v === undefined || v === null ? null : rec(k, v);
}
export function fieldList(v: unknown, k: string): Record<string, unknown>[] {
  if (Array.isArray(v)) return v as Record<string, unknown>[];
  return v === undefined || v === null ? absent(k) : list(k, v);
}
/** A nullable child list reads as empty: "no lines" and "lines absent" mean the same to a mapping. */
export function fieldListN(v: unknown, k: string): Record<string, unknown>[] {
  if (Array.isArray(v)) return v as Record<string, unknown>[];
  return v === undefined || v === null ? [] : list(k, v);
}
export function fieldDate(v: unknown, k: string, zone: string): PlainDate {
  if (v === undefined || v === null) return absent(k);
  return typeof v === 'string' ? parseDate(v, zone) : wrong(k, 'date text', v);
}
export function fieldDateN(v: unknown, k: string, zone: string): PlainDate | null {
  if (v === undefined || v === null || v === '') return null;
  return typeof v === 'string' ? parseDate(v, zone) : wrong(k, 'date text', v);
}
export function fieldTs(v: unknown, k: string, zone: string): Timestamp {
  if (v === undefined || v === null) return absent(k);
  if (typeof v === 'number') return Timestamp.fromMillis(v);
  return typeof v === 'string' ? parseInstant(v, zone) : wrong(k, 'date-time text', v);
}
export function fieldTsN(v: unknown, k: string, zone: string): Timestamp | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number') return Timestamp.fromMillis(v);
  return typeof v === 'string' ? parseInstant(v, zone) : wrong(k, 'date-time text', v);
}

type Rec = Record<string, unknown>;
export const fStr = (o: Rec, k: string): string => fieldStr(raw(o, k), k);
export const fStrN = (o: Rec, k: string): string | null => fieldStrN(raw(o, k), k);
export const fInt = (o: Rec, k: string): bigint => fieldInt(raw(o, k), k);
export const fIntN = (o: Rec, k: string): bigint | null => fieldIntN(raw(o, k), k);
export const fDbl = (o: Rec, k: string): number => fieldDbl(raw(o, k), k);
export const fDblN = (o: Rec, k: string): number | null => fieldDblN(raw(o, k), k);
export const fBool = (o: Rec, k: string): boolean => fieldBool(raw(o, k), k);
export const fBoolN = (o: Rec, k: string): boolean | null => fieldBoolN(raw(o, k), k);
export const fDec = (o: Rec, k: string): Decimal => fieldDec(raw(o, k), k);
export const fDecN = (o: Rec, k: string): Decimal | null => fieldDecN(raw(o, k), k);
export const fRec = (o: Rec, k: string): Rec => fieldRec(raw(o, k), k);
export const fRecN = (o: Rec, k: string): Rec | null => fieldRecN(raw(o, k), k);
export const fList = (o: Rec, k: string): Rec[] => fieldList(raw(o, k), k);
export const fListN = (o: Rec, k: string): Rec[] => fieldListN(raw(o, k), k);
export const fDate = (o: Rec, k: string, zone: string): PlainDate => fieldDate(raw(o, k), k, zone);
export const fDateN = (o: Rec, k: string, zone: string): PlainDate | null => fieldDateN(raw(o, k), k, zone);
export const fTs = (o: Rec, k: string, zone: string): Timestamp => fieldTs(raw(o, k), k, zone);
export const fTsN = (o: Rec, k: string, zone: string): Timestamp | null => fieldTsN(raw(o, k), k, zone);

// ----------------------------------------------------------------------------- target wire form

/** Nullable variants of the writers: null stays null. */
export const outStrN = (v: string | null | undefined, maxLength: number): string | null => (v === null || v === undefined ? null : outStr(v, maxLength));
export const outIntN = (v: bigint | null | undefined): number | null => (v === null || v === undefined ? null : outInt(v));
export const outDecN = (v: Decimal | null | undefined, scale?: number, precision?: number): string | null => (v === null || v === undefined ? null : outDec(v, scale, precision));
export const outDateN = (v: PlainDate | null | undefined): string | null => (v === null || v === undefined ? null : outDate(v));
export const outTsN = (v: Timestamp | null | undefined, zone?: string): string | null => (v === null || v === undefined ? null : outTs(v, zone));
export const outEnumN = (v: string | null | undefined, values: readonly string[]): string | null => (v === null || v === undefined ? null : outEnum(v, values));

export function outStr(v: string, maxLength: number): string {
  if (v.length > maxLength && [...v].length > maxLength) celFail('tooLong', `text of ${[...v].length} characters exceeds the target's maximum length ${maxLength}`);
  return v;
}
export function outInt(v: bigint): number {
  if (v > 9007199254740991n || v < -9007199254740991n) celFail('outOfRange', `integer ${v} does not fit the target field`);
  return Number(v);
}
/**
 * Decimal as text (never a float), keeping the value's own scale ("113.00" stays "113.00"). More digits
 * after the point than the target's `scale` is an error rather than a silent rounding (round explicitly
 * with `.round(n)`); trailing zeros beyond the scale are dropped.
 */
export function outDec(v: Decimal, scale?: number, precision?: number): string {
  let d = v;
  if (scale !== undefined) {
    if (d.scale > scale) {
      const r = d.round(scale, 'down');
      if (!r.eq(d)) celFail('scaleTooLarge', `${d.toString()} has more than ${scale} decimal places; round it with .round(${scale})`);
      d = r;
    }
  }
  if (precision !== undefined) {
    // More integer digits than precision − scale allows: |mantissa| ≥ 10^(allowed + own scale), compared without text.
    const allowed = precision - (scale ?? d.scale);
    const abs = d.mantissa < 0n ? -d.mantissa : d.mantissa;
    if (allowed < 0 || abs >= pow10(allowed + d.scale)) celFail('outOfRange', `${d.toString()} exceeds precision ${precision}`);
  }
  return d.toString();
}
export function outDate(v: PlainDate): string {
  return v.toString();
}
/** An instant as RFC 3339 UTC, or as offset-less local text when the target system stores local time in a zone. */
export function outTs(v: Timestamp, zone?: string): string {
  return zone === undefined || zone === 'utc' || zone === 'offset' ? v.toString() : localText(v, zone);
}
export function outEnum(v: string, values: readonly string[]): string {
  if (!values.includes(v)) celFail('notInEnum', `${display(v)} is not one of ${values.map((x) => display(x)).join(', ')}`);
  return v;
}
