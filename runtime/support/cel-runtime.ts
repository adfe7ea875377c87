/**
 * Operations the CEL compiler emits calls to. Each follows the CEL specification: int64 and uint64
 * overflow and division by zero raise errors, strings are indexed by code point, equality is
 * heterogeneous across numbers, `&&`/`||` are commutative over errors.
 */
import { hash as digest } from 'node:crypto';
import { Decimal, type RoundingMode } from './decimal.ts';
import { Duration, PlainDate, Timestamp, dateOf, fieldsInZone, formatFields, isValidZone, parseDate, parseInstant } from './dates.ts';
import { CelError, celFail } from './errors.ts';
import { CelMap, CelTypeValue, INT64_MAX, INT64_MIN, Optional, U64, UINT64_MAX, display, isRecord, typeName } from './values.ts';

export { CelMap, CelTypeValue, Optional, U64 } from './values.ts';

// ---------------------------------------------------------------------------------------------- int64

export function i64(r: bigint): bigint {
  if (r > INT64_MAX || r < INT64_MIN) celFail('overflow', 'integer overflow');
  return r;
}
export const addI = (a: bigint, b: bigint): bigint => i64(a + b);
export const subI = (a: bigint, b: bigint): bigint => i64(a - b);
export const mulI = (a: bigint, b: bigint): bigint => i64(a * b);
export function divI(a: bigint, b: bigint): bigint {
  if (b === 0n) celFail('divisionByZero', 'division by zero');
  return i64(a / b);
}
export function modI(a: bigint, b: bigint): bigint {
  if (b === 0n) celFail('divisionByZero', 'modulus by zero');
  return a % b;
}
export const negI = (a: bigint): bigint => i64(-a);

export const u = (v: bigint): U64 => new U64(v);
export const addU = (a: U64, b: U64): U64 => new U64(a.v + b.v);
export const subU = (a: U64, b: U64): U64 => new U64(a.v - b.v);
export const mulU = (a: U64, b: U64): U64 => new U64(a.v * b.v);
export function divU(a: U64, b: U64): U64 {
  if (b.v === 0n) celFail('divisionByZero', 'division by zero');
  return new U64(a.v / b.v);
}
export function modU(a: U64, b: U64): U64 {
  if (b.v === 0n) celFail('divisionByZero', 'modulus by zero');
  return new U64(a.v % b.v);
}

// ------------------------------------------------------------------------------------ generic arithmetic

/** `+` when an operand is `dyn`. */
export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') return addI(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (a instanceof U64 && b instanceof U64) return addU(a, b);
  if (Array.isArray(a) && Array.isArray(b)) return concat(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return concatBytes(a, b);
  if (a instanceof Decimal || b instanceof Decimal) return decArith(a, b, '+');
  if (a instanceof Timestamp && b instanceof Duration) return addTsDur(a, b);
  if (a instanceof Duration && b instanceof Timestamp) return addTsDur(b, a);
  if (a instanceof Duration && b instanceof Duration) return addDur(a, b);
  return noOverload('_+_', a, b);
}
export function sub(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') return subI(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a instanceof U64 && b instanceof U64) return subU(a, b);
  if (a instanceof Decimal || b instanceof Decimal) return decArith(a, b, '-');
  if (a instanceof Timestamp && b instanceof Duration) return subTsDur(a, b);
  if (a instanceof Timestamp && b instanceof Timestamp) return subTs(a, b);
  if (a instanceof Duration && b instanceof Duration) return subDur(a, b);
  return noOverload('_-_', a, b);
}
export function mul(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') return mulI(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a instanceof U64 && b instanceof U64) return mulU(a, b);
  if (a instanceof Decimal || b instanceof Decimal) return decArith(a, b, '*');
  return noOverload('_*_', a, b);
}
export function div(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') return divI(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a / b;
  if (a instanceof U64 && b instanceof U64) return divU(a, b);
  if (a instanceof Decimal || b instanceof Decimal) return decArith(a, b, '/');
  return noOverload('_/_', a, b);
}
export function mod(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') return modI(a, b);
  if (a instanceof U64 && b instanceof U64) return modU(a, b);
  return noOverload('_%_', a, b);
}
export function neg(a: unknown): unknown {
  if (typeof a === 'bigint') return negI(a);
  if (typeof a === 'number') return -a;
  if (a instanceof Decimal) return a.neg();
  if (a instanceof Duration) return new Duration(-a.ns);
  return noOverload('-_', a);
}

function decArith(a: unknown, b: unknown, op: '+' | '-' | '*' | '/'): Decimal {
  const x = decOperand(a, op);
  const y = decOperand(b, op);
  return op === '+' ? x.add(y) : op === '-' ? x.sub(y) : op === '*' ? x.mul(y) : x.div(y);
}
function decOperand(v: unknown, op: string): Decimal {
  if (v instanceof Decimal) return v;
  if (typeof v === 'bigint') return Decimal.fromInt(v);
  return noOverload(`_${op}_`, v);
}

export function noOverload(fn: string, ...args: unknown[]): never {
  return celFail('noMatchingOverload', `no such overload: ${fn}(${args.map(typeName).join(', ')})`);
}

// ---------------------------------------------------------------------------------------- equality

/** CEL equality: numbers compare across int, uint and double; lists and maps compare element-wise. */
export function eq(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a);
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return cmpNumeric(na, nb) === 0;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eq(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof CelMap) {
    if (!(b instanceof CelMap) || a.size !== b.size) return false;
    for (const [k, v] of a.entries()) {
      const e = b.entry(k);
      if (!e || !eq(v, e[1])) return false;
    }
    return true;
  }
  if (a instanceof Decimal) return b instanceof Decimal && a.eq(b);
  if (a instanceof Timestamp) return b instanceof Timestamp && a.ns === b.ns;
  if (a instanceof Duration) return b instanceof Duration && a.ns === b.ns;
  if (a instanceof PlainDate) return b instanceof PlainDate && a.cmp(b) === 0;
  if (a instanceof CelTypeValue) return b instanceof CelTypeValue && a.name === b.name;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (a instanceof Optional) return b instanceof Optional && a.has === b.has && (!a.has || eq(a.value, b.value));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && eq(a[k], b[k]));
  }
  return false;
}
export const ne = (a: unknown, b: unknown): boolean => !eq(a, b);

type Num = { kind: 'i'; v: bigint } | { kind: 'd'; v: number };
function numeric(v: unknown): Num | undefined {
  if (typeof v === 'bigint') return { kind: 'i', v };
  if (typeof v === 'number') return { kind: 'd', v };
  if (v instanceof U64) return { kind: 'i', v: v.v };
  return undefined;
}
/** Exact comparison of integers and doubles; NaN compares as undefined. */
function cmpNumeric(a: Num, b: Num): -1 | 0 | 1 | undefined {
  if (a.kind === 'i' && b.kind === 'i') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if (a.kind === 'd' && b.kind === 'd') return Number.isNaN(a.v) || Number.isNaN(b.v) ? undefined : a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if (a.kind === 'd') {
    const r = cmpNumeric(b, a);
    return r === undefined ? undefined : ((-r) as -1 | 0 | 1);
  }
  // a integer, b double: compared as doubles, as cel-go does (so very large ints compare lossily).
  const d = b.v as number;
  if (Number.isNaN(d)) return undefined;
  const x = Number(a.v);
  return x < d ? -1 : x > d ? 1 : 0;
}

/** CEL ordering; undefined for NaN (every comparison with NaN is false). */
export function cmp(a: unknown, b: unknown, fn = '_<_'): -1 | 0 | 1 | undefined {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return cmpNumeric(na, nb);
  if (typeof a === 'string' && typeof b === 'string') return cmpStr(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Decimal && b instanceof Decimal) return a.cmp(b);
  if (a instanceof Decimal && typeof b === 'bigint') return a.cmp(Decimal.fromInt(b));
  if (typeof a === 'bigint' && b instanceof Decimal) return Decimal.fromInt(a).cmp(b);
  if (a instanceof Timestamp && b instanceof Timestamp) return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0;
  if (a instanceof Duration && b instanceof Duration) return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0;
  if (a instanceof PlainDate && b instanceof PlainDate) return a.cmp(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return cmpBytes(a, b);
  return noOverload(fn, a, b);
}
export function lt(a: unknown, b: unknown): boolean {
  return cmp(a, b, '_<_') === -1;
}
export function le(a: unknown, b: unknown): boolean {
  const c = cmp(a, b, '_<=_');
  return c === -1 || c === 0;
}
export function gt(a: unknown, b: unknown): boolean {
  return cmp(a, b, '_>_') === 1;
}
export function ge(a: unknown, b: unknown): boolean {
  const c = cmp(a, b, '_>=_');
  return c === 1 || c === 0;
}
/** Strings order by code point (not UTF-16 unit). */
export function cmpStr(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}
function cmpBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

// -------------------------------------------------------------------------------------------- logic

/** `a && b`: false wins over an error on either side; evaluated left to right. */
export function and(a: () => unknown, b: () => unknown): boolean {
  let err: unknown;
  let left: unknown;
  try {
    left = a();
    if (left === false) return false;
    if (left !== true) err = noOverloadError('_&&_', left);
  } catch (e) {
    err = e;
  }
  const right = b();
  if (right === false) return false;
  if (right !== true) throw noOverloadError('_&&_', right);
  if (err !== undefined) throw err;
  return true;
}
export function or(a: () => unknown, b: () => unknown): boolean {
  let err: unknown;
  let left: unknown;
  try {
    left = a();
    if (left === true) return true;
    if (left !== false) err = noOverloadError('_||_', left);
  } catch (e) {
    err = e;
  }
  let right: unknown;
  try {
    right = b();
  } catch (e) {
    if (err !== undefined) throw err;
    throw e;
  }
  if (right === true) return true;
  if (right !== false) throw err ?? noOverloadError('_||_', right);
  if (err !== undefined) throw err;
  return false;
}
export function not(a: unknown): boolean {
  if (typeof a !== 'boolean') return noOverload('!_', a);
  return !a;
}
export function bool(a: unknown): boolean {
  if (typeof a !== 'boolean') return noOverload('_?_:_', a);
  return a;
}
/** Argument of `@not_strictly_false` / a condition read from `dyn`. */
function noOverloadError(fn: string, ...args: unknown[]): CelError {
  try {
    return noOverload(fn, ...args);
  } catch (e) {
    return e as CelError;
  }
}

// ------------------------------------------------------------------------------- lists, maps, access

export function concat<T>(a: readonly T[], b: readonly T[]): T[] {
  return a.length === 0 ? (b as T[]) : b.length === 0 ? (a as T[]) : [...a, ...b];
}
function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length + b.length);
  r.set(a);
  r.set(b, a.length);
  return r;
}

export const entry = (k: unknown, v: unknown): readonly [unknown, unknown] => [k, v];

export function map(entries: readonly (readonly [unknown, unknown])[]): CelMap {
  return CelMap.fromEntries(entries);
}

function listIndex(l: readonly unknown[], k: unknown): unknown {
  let i: number;
  if (typeof k === 'bigint') i = k < 0n || k >= BigInt(l.length) ? -1 : Number(k);
  else if (k instanceof U64) i = k.v >= BigInt(l.length) ? -1 : Number(k.v);
  else if (typeof k === 'number') {
    if (!Number.isInteger(k)) return celFail('badArgument', `unsupported index value ${k}`);
    i = k < 0 || k >= l.length ? -1 : k;
  } else return noOverload('_[_]', l, k);
  if (i < 0) return celFail('indexOutOfRange', `index out of bounds: ${display(k)}`);
  return l[i];
}

/** `c[k]` for lists, maps and (dyn) records. */
export function index(c: unknown, k: unknown): unknown {
  if (Array.isArray(c)) return listIndex(c, k);
  if (c instanceof CelMap) {
    const e = c.entry(k);
    if (e === undefined) {
      if (typeof k === 'number' && !Number.isInteger(k)) return celFail('noSuchKey', `no such key: ${display(k)}`);
      return celFail('noSuchKey', `no such key: ${display(k)}`);
    }
    return e[1];
  }
  if (typeof k === 'string' && isRecord(c)) return select(c, k);
  if (c instanceof Optional) return optIndex(c, k);
  return noOverload('_[_]', c, k);
}
export function listAt<T>(l: readonly T[], k: bigint): T {
  if (k < 0n || k >= BigInt(l.length)) return celFail('indexOutOfRange', `index out of bounds: ${k}`);
  return l[Number(k)] as T;
}

/** `m.f` when `m` is a map or a record not known statically. */
export function select(m: unknown, f: string): unknown {
  if (m instanceof CelMap) {
    const e = m.entry(f);
    if (e === undefined) return celFail('noSuchKey', `no such key: ${f}`);
    return e[1];
  }
  if (isRecord(m)) {
    if (!Object.hasOwn(m, f) || m[f] === undefined) return celFail('noSuchField', `no such field: ${f}`);
    return m[f];
  }
  if (m instanceof Optional) return optSelect(m, f);
  return noOverload(`_.${f}`, m);
}
/** `has(r.f)` where the record `r` may itself be null: false then. */
export function hasN(m: unknown, f: string): boolean {
  return m === null || m === undefined ? false : has(m, f);
}
/** `has(m.f)`. */
export function has(m: unknown, f: string): boolean {
  if (m instanceof CelMap) return m.has(f);
  if (m instanceof Optional) return m.has && has(m.value, f);
  if (isRecord(m)) return Object.hasOwn(m, f) && m[f] !== undefined && m[f] !== null;
  return noOverload('has', m);
}

export function inList(x: unknown, l: readonly unknown[]): boolean {
  for (const e of l) if (eq(x, e)) return true;
  return false;
}
export function inMap(x: unknown, m: CelMap): boolean {
  if (typeof x === 'number') {
    if (!Number.isInteger(x)) return false;
  }
  return m.has(x);
}
export function within(x: unknown, c: unknown): boolean {
  if (Array.isArray(c)) return inList(x, c);
  if (c instanceof CelMap) return inMap(x, c);
  return noOverload('@in', x, c);
}

export function size(v: unknown): bigint {
  if (typeof v === 'string') return strSize(v);
  if (Array.isArray(v)) return BigInt(v.length);
  if (v instanceof CelMap) return BigInt(v.size);
  if (v instanceof Uint8Array) return BigInt(v.length);
  if (isRecord(v)) return BigInt(Object.keys(v).length);
  return noOverload('size', v);
}
/** Strings without surrogates (almost all data) take the UTF-16 fast paths: one unit is one code point. */
const SURROGATE = /[\uD800-\uDFFF]/;
export function strSize(s: string): bigint {
  if (!SURROGATE.test(s)) return BigInt(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return BigInt(n);
}

// ------------------------------------------------------------------------------------------- macros

/** Elements a comprehension ranges over: list elements or map keys. */
export function range(c: unknown): readonly unknown[] {
  if (Array.isArray(c)) return c;
  if (c instanceof CelMap) return c.keys();
  return noOverload('@range', c);
}
/** `all`: false wins over errors raised by other elements. */
export function all<T>(c: readonly T[], p: (x: T) => unknown): boolean {
  let err: unknown;
  for (const x of c) {
    try {
      const r = p(x);
      if (r === false) return false;
      if (r !== true) err ??= noOverloadError('all', r);
    } catch (e) {
      err ??= e;
    }
  }
  if (err !== undefined) throw err;
  return true;
}
/** `exists`: true wins over errors raised by other elements. */
export function exists<T>(c: readonly T[], p: (x: T) => unknown): boolean {
  let err: unknown;
  for (const x of c) {
    try {
      const r = p(x);
      if (r === true) return true;
      if (r !== false) err ??= noOverloadError('exists', r);
    } catch (e) {
      err ??= e;
    }
  }
  if (err !== undefined) throw err;
  return false;
}
export function existsOne<T>(c: readonly T[], p: (x: T) => unknown): boolean {
  let n = 0;
  for (const x of c) {
    const r = p(x);
    if (r === true) n++;
    else if (r !== false) noOverload('exists_one', r);
  }
  return n === 1;
}
export function mapList<T, R>(c: readonly T[], f: (x: T) => R): R[] {
  const out: R[] = new Array<R>(c.length);
  for (let i = 0; i < c.length; i++) out[i] = f(c[i] as T);
  return out;
}
export function mapFilter<T, R>(c: readonly T[], p: (x: T) => unknown, f: (x: T) => R): R[] {
  const out: R[] = [];
  for (const x of c) if (bool(p(x))) out.push(f(x));
  return out;
}
export function filter<T>(c: readonly T[], p: (x: T) => unknown): T[] {
  const out: T[] = [];
  for (const x of c) if (bool(p(x))) out.push(x);
  return out;
}

// ------------------------------------------------------------------- checked reads of dyn values

function expect<T>(ok: boolean, v: unknown, want: string): T {
  if (!ok) return celFail('noMatchingOverload', `no such overload: expected ${want}, got ${typeName(v)}`);
  return v as T;
}
export const asStr = (v: unknown): string => expect(typeof v === 'string', v, 'string');
export const asInt = (v: unknown): bigint => expect(typeof v === 'bigint', v, 'int');
export const asUint = (v: unknown): U64 => expect(v instanceof U64, v, 'uint');
export const asDbl = (v: unknown): number => expect(typeof v === 'number', v, 'double');
export const asBool = (v: unknown): boolean => expect(typeof v === 'boolean', v, 'bool');
export const asBytes = (v: unknown): Uint8Array => expect(v instanceof Uint8Array, v, 'bytes');
export const asList = (v: unknown): readonly unknown[] => expect(Array.isArray(v), v, 'list');
export const asMap = (v: unknown): CelMap => expect(v instanceof CelMap, v, 'map');
export const asTs = (v: unknown): Timestamp => expect(v instanceof Timestamp, v, 'timestamp');
export const asDur = (v: unknown): Duration => expect(v instanceof Duration, v, 'duration');
export const asDec = (v: unknown): Decimal => expect(v instanceof Decimal, v, 'decimal');
export const asDate = (v: unknown): PlainDate => expect(v instanceof PlainDate, v, 'date');
export const asRec = (v: unknown): Record<string, unknown> => expect(isRecord(v), v, 'record');
export const asType = (v: unknown): CelTypeValue => expect(v instanceof CelTypeValue, v, 'type');
export const asOpt = (v: unknown): Optional => expect(v instanceof Optional, v, 'optional');
export const asNull = (v: unknown): null => expect(v === null || v === undefined, v, 'null') ?? null;

// ---------------------------------------------------------------------------------------- strings

export function contains(s: string, t: string): boolean {
  return s.includes(t);
}
export function matches(s: string, re: string): boolean {
  return regex(re).test(s);
}
const regexCache = new Map<string, RegExp>();
function regex(re: string): RegExp {
  let r = regexCache.get(re);
  if (!r) {
    try {
      r = new RegExp(translateRe2(re), 'u');
    } catch {
      return celFail('badRegex', `invalid regular expression: ${display(re)}`);
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(re, r);
  }
  return r;
}
/** RE2 inline flags `(?i)`, `(?s)`, `(?m)` at the start become JS flags; the rest is shared syntax. */
function translateRe2(re: string): string {
  return re;
}

function codePoints(s: string): string[] {
  return Array.from(s);
}
export function charAt(s: string, i: bigint): string {
  const cps = codePoints(s);
  if (i < 0n || i > BigInt(cps.length)) return celFail('indexOutOfRange', `index out of range: ${i}`);
  return cps[Number(i)] ?? '';
}
export function indexOf(s: string, t: string, from?: bigint): bigint {
  const cps = codePoints(s);
  const sub = codePoints(t);
  const start = from === undefined ? 0 : Number(from);
  if (from !== undefined && (from < 0n || from > BigInt(cps.length))) return celFail('indexOutOfRange', `index out of range: ${from}`);
  for (let i = start; i + sub.length <= cps.length; i++) {
    let ok = true;
    for (let j = 0; j < sub.length; j++) if (cps[i + j] !== sub[j]) { ok = false; break; }
    if (ok) return BigInt(i);
  }
  return -1n;
}
export function lastIndexOf(s: string, t: string, from?: bigint): bigint {
  const cps = codePoints(s);
  const sub = codePoints(t);
  if (from !== undefined && (from < 0n || from > BigInt(cps.length))) return celFail('indexOutOfRange', `index out of range: ${from}`);
  let start = from === undefined ? cps.length - sub.length : Math.min(Number(from), cps.length - sub.length);
  for (let i = start; i >= 0; i--) {
    let ok = true;
    for (let j = 0; j < sub.length; j++) if (cps[i + j] !== sub[j]) { ok = false; break; }
    if (ok) return BigInt(i);
  }
  start = -1;
  return BigInt(start);
}
/**
 * Whether `s` has a code unit in `lo..hi` (an ASCII letter range) and none outside ASCII: 1 = only ASCII with
 * such a letter, 0 = only ASCII without one (nothing to change), -1 = non-ASCII text (needs the letter-wise path).
 */
function asciiLetters(s: string, lo: number, hi: number): -1 | 0 | 1 {
  let found: 0 | 1 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    if (c >= lo && c <= hi) found = 1;
  }
  return found;
}
/** Lower-cases ASCII letters only; pure-ASCII text takes the native path, text without capitals is returned as is. */
export function lowerAscii(s: string): string {
  const k = asciiLetters(s, 0x41, 0x5a);
  if (k === 0) return s;
  if (k === 1) return s.toLowerCase();
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
export function upperAscii(s: string): string {
  const k = asciiLetters(s, 0x61, 0x7a);
  if (k === 0) return s;
  if (k === 1) return s.toUpperCase();
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}
export function replace(s: string, from: string, to: string, n?: bigint): string {
  if (n === undefined || n < 0n) return s.split(from).join(to);
  if (n === 0n) return s;
  let out = '';
  let rest = s;
  let count = 0n;
  while (count < n) {
    const i = from === '' ? (count === 0n ? 0 : rest.length === 0 ? -1 : codePoints(rest)[0]!.length) : rest.indexOf(from);
    if (i < 0) break;
    if (from === '') {
      out += rest.slice(0, i) + to;
      rest = rest.slice(i);
    } else {
      out += rest.slice(0, i) + to;
      rest = rest.slice(i + from.length);
    }
    count++;
  }
  return out + rest;
}
export function split(s: string, sep: string, n?: bigint): string[] {
  if (n === 0n) return [];
  const parts = sep === '' ? codePoints(s) : s.split(sep);
  if (n === undefined || n < 0n || BigInt(parts.length) <= n) return parts;
  const k = Number(n);
  const head = parts.slice(0, k - 1);
  head.push(parts.slice(k - 1).join(sep));
  return head;
}
export function substring(s: string, start: bigint, end?: bigint): string {
  if (!SURROGATE.test(s)) {
    const len = BigInt(s.length);
    const e = end ?? len;
    if (start >= 0n && start <= len && e >= start && e <= len) return s.slice(Number(start), Number(e));
  }
  const cps = codePoints(s);
  const len = BigInt(cps.length);
  const e = end ?? len;
  if (start < 0n || start > len) return celFail('indexOutOfRange', `index out of range: ${start}`);
  if (e < 0n || e > len) return celFail('indexOutOfRange', `index out of range: ${e}`);
  if (e < start) return celFail('indexOutOfRange', `invalid substring range. start: ${start}, end: ${e}`);
  return cps.slice(Number(start), Number(e)).join('');
}
/** Unicode White_Space, as CEL's `trim`. */
function isSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}
export function trim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
export function join(l: readonly unknown[], sep = ''): string {
  for (const x of l) if (typeof x !== 'string') noOverload('join', x);
  return (l as string[]).join(sep);
}
export function truncate(s: string, n: bigint): string {
  if (n < 0n) return celFail('badArgument', `truncate() needs a non-negative length, got ${n}`);
  if (BigInt(s.length) <= n) return s;
  const cps = codePoints(s);
  return BigInt(cps.length) <= n ? s : cps.slice(0, Number(n)).join('');
}
/** `strings.quote(s)`: a CEL string literal for `s`. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        out += c >= 0xd800 && c <= 0xdfff ? '\ufffd' : ch;
    }
  }
  return `${out}"`;
}

/** `string.format(list)` of the CEL strings extension: %s %d %f %e %b %o %x %X and %%. */
export function format(fmtText: string, args: readonly unknown[]): string {
  let out = '';
  let argIndex = 0;
  for (let i = 0; i < fmtText.length; i++) {
    const ch = fmtText[i] as string;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    i++;
    if (fmtText[i] === '%') {
      out += '%';
      continue;
    }
    let precision: number | undefined;
    if (fmtText[i] === '.') {
      let j = i + 1;
      while (/\d/.test(fmtText[j] ?? '')) j++;
      precision = Number(fmtText.slice(i + 1, j));
      i = j;
    }
    const verb = fmtText[i];
    if (verb === undefined || !'sdfeboxX'.includes(verb)) return celFail('badArgument', `could not parse formatting clause: unrecognized formatting clause "${verb ?? ''}"`);
    if (argIndex >= args.length) return celFail('indexOutOfRange', `index ${argIndex} out of range`);
    out += formatClause(verb, precision, args[argIndex++]);
  }
  return out;
}

function formatClause(verb: string, precision: number | undefined, v: unknown): string {
  const special = (x: number): string | undefined => (Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : undefined);
  switch (verb) {
    case 's':
      return formatString(v, true);
    case 'd':
      if (typeof v === 'bigint') return String(v);
      if (v instanceof U64) return String(v.v);
      if (typeof v === 'number' && special(v) !== undefined) return special(v) as string;
      return celFail('badArgument', `error during formatting: decimal clause can only be used on integers, was given ${typeName(v)}`);
    case 'f':
    case 'e': {
      if (typeof v !== 'number') {
        if (typeof v === 'bigint' || v instanceof U64 || v instanceof Decimal) return formatClause(verb, precision, toDouble(v));
        return celFail('badArgument', `error during formatting: ${verb === 'f' ? 'fixed-point' : 'scientific'} clause can only be used on doubles, was given ${typeName(v)}`);
      }
      const sp = special(v);
      if (sp !== undefined) return sp;
      const p = precision ?? 6;
      if (verb === 'f') return toFixedHalfEven(v, p);
      const [m, e] = v.toExponential(p).split('e') as [string, string];
      const n = Number(e);
      return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
    }
    case 'b':
      if (typeof v === 'bigint') return v < 0n ? `-${(-v).toString(2)}` : v.toString(2);
      if (v instanceof U64) return v.v.toString(2);
      if (typeof v === 'boolean') return v ? '1' : '0';
      return celFail('badArgument', `error during formatting: only integers and bools can be formatted as binary, was given ${typeName(v)}`);
    case 'o':
      if (typeof v === 'bigint') return v < 0n ? `-${(-v).toString(8)}` : v.toString(8);
      if (v instanceof U64) return v.v.toString(8);
      return celFail('badArgument', `error during formatting: octal clause can only be used on integers, was given ${typeName(v)}`);
    default: {
      let hex: string;
      if (typeof v === 'bigint') hex = v < 0n ? `-${(-v).toString(16)}` : v.toString(16);
      else if (v instanceof U64) hex = v.v.toString(16);
      else if (typeof v === 'string') hex = Buffer.from(v, 'utf8').toString('hex');
      else if (v instanceof Uint8Array) hex = Buffer.from(v).toString('hex');
      else return celFail('badArgument', `error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given ${typeName(v)}`);
      return verb === 'X' ? hex.toUpperCase() : hex;
    }
  }
}

/** Fixed-point text of a double, ties to even on its exact binary value (as Go's strconv). */
function toFixedHalfEven(v: number, p: number): string {
  const d = Decimal.parse(exactDecimalText(v));
  return d.round(p, 'half-even').toString();
}
/** The exact decimal expansion of a double. */
function exactDecimalText(v: number): string {
  if (Number.isInteger(v)) return BigInt(v).toString();
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const bits = buf.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (exp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = exp - 1075;
  }
  // v = mant * 2^e2 with e2 < 0 here: mant * 5^-e2 / 10^-e2
  const scaled = mant * 5n ** BigInt(-e2);
  const digits = scaled.toString().padStart(-e2 + 1, '0');
  return `${sign}${digits.slice(0, digits.length + e2)}.${digits.slice(digits.length + e2)}`;
}

function formatString(v: unknown, top: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return top ? v : v;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  if (Array.isArray(v)) return `[${v.map((x) => formatString(x, false)).join(', ')}]`;
  if (v instanceof CelMap) {
    const items = v.entries().map(([k, x]) => [formatString(k, false), formatString(x, false)] as const);
    items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${items.map(([k, x]) => `${k}: ${x}`).join(', ')}}`;
  }
  if (v instanceof CelTypeValue) return v.name;
  if (isRecord(v)) return celFail('badArgument', 'error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps');
  return toStr(v);
}

/** Index/value (list) or key/value (map) pairs for two-variable comprehensions. */
export function pairs<T>(c: readonly T[]): [bigint, T][];
export function pairs(c: unknown): [unknown, unknown][];
export function pairs(c: unknown): [unknown, unknown][] {
  if (Array.isArray(c)) return c.map((x, i) => [BigInt(i), x]);
  if (c instanceof CelMap) return c.entries();
  return noOverload('@pairs', c);
}

export function reverse(s: string): string {
  return codePoints(s).reverse().join('');
}

// ------------------------------------------------------------------------------------- conversions

export function toInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof U64) return i64(v.v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v >= 9223372036854775807 || v <= -9223372036854775808) return celFail('outOfRange', 'double out of int range');
    return BigInt(Math.trunc(v));
  }
  if (typeof v === 'string') {
    if (!/^[+-]?\d+$/.test(v)) return celFail('badConversion', `cannot convert ${display(v)} to int`);
    const r = BigInt(v);
    if (r > INT64_MAX || r < INT64_MIN) return celFail('outOfRange', 'int out of range');
    return r;
  }
  if (v instanceof Timestamp) return v.seconds;
  if (v instanceof Decimal) return i64(v.trunc());
  return noOverload('int', v);
}
export function toUint(v: unknown): U64 {
  if (v instanceof U64) return v;
  if (typeof v === 'bigint') {
    if (v < 0n) return celFail('outOfRange', 'uint out of range');
    return new U64(v);
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0 || v >= 18446744073709551616) return celFail('outOfRange', 'double out of uint range');
    return new U64(BigInt(Math.trunc(v)));
  }
  if (typeof v === 'string') {
    if (!/^\+?\d+$/.test(v)) return celFail('badConversion', `cannot convert ${display(v)} to uint`);
    const r = BigInt(v);
    if (r > UINT64_MAX) return celFail('outOfRange', 'uint out of range');
    return new U64(r);
  }
  return noOverload('uint', v);
}
export function toDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof U64) return Number(v.v);
  if (v instanceof Decimal) return v.toNumber();
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
    if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^nan$/i.test(t)) return Number.NaN;
    return celFail('badConversion', `cannot convert ${display(v)} to double`);
  }
  return noOverload('double', v);
}
export function toStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return String(v);
  if (v instanceof U64) return String(v.v);
  if (typeof v === 'number') return formatDouble(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Uint8Array) return utf8Decode(v);
  if (v instanceof Timestamp || v instanceof Duration || v instanceof Decimal || v instanceof PlainDate) return v.toString();
  return noOverload('string', v);
}
/** Go's `strconv.FormatFloat(f, 'g', -1, 64)`, which CEL uses for `string(double)`. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 21) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}
export function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (['true', 'True', 'TRUE', 't', '1'].includes(v)) return true;
    if (['false', 'False', 'FALSE', 'f', '0'].includes(v)) return false;
    return celFail('badConversion', `cannot convert ${display(v)} to bool`);
  }
  return noOverload('bool', v);
}
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
export function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return encoder.encode(v);
  return noOverload('bytes', v);
}
function utf8Decode(b: Uint8Array): string {
  try {
    return decoder.decode(b);
  } catch {
    return celFail('badConversion', 'invalid UTF-8');
  }
}
export function bytes(...octets: number[]): Uint8Array {
  return Uint8Array.from(octets);
}

export function dyn<T>(v: T): T {
  return v;
}
export function type(v: unknown): CelTypeValue {
  return new CelTypeValue(typeName(v));
}
export const typeValue = (name: string): CelTypeValue => new CelTypeValue(name);

// ------------------------------------------------------------------------------- timestamps, durations

export function toTimestamp(v: unknown): Timestamp {
  if (v instanceof Timestamp) return v;
  if (typeof v === 'bigint') return new Timestamp(i64(v * 1_000_000_000n));
  if (typeof v === 'string') {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i.test(v)) return celFail('badDateText', `cannot convert ${display(v)} to timestamp`);
    return parseInstant(v, 'UTC');
  }
  return noOverload('timestamp', v);
}
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(h|m|s|ms|us|µs|ns)/gy;
const UNIT_NS: Record<string, bigint> = { h: 3_600_000_000_000n, m: 60_000_000_000n, s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, 'µs': 1000n, ns: 1n };
export function toDuration(v: unknown): Duration {
  if (v instanceof Duration) return v;
  if (typeof v !== 'string') return noOverload('duration', v);
  let text = v;
  let sign = 1n;
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? -1n : 1n;
    text = text.slice(1);
  }
  if (text === '0') return new Duration(0n);
  let total = 0n;
  DURATION_PART.lastIndex = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = DURATION_PART.exec(text)) !== null) {
    const [num = '', unit = ''] = [m[1], m[2]];
    const [ip = '0', fp = ''] = num.split('.');
    const per = UNIT_NS[unit] as bigint;
    total += BigInt(ip || '0') * per;
    if (fp) total += (BigInt(fp) * per) / 10n ** BigInt(fp.length);
    pos = DURATION_PART.lastIndex;
  }
  if (pos === 0 || pos !== text.length) return celFail('badConversion', `cannot convert ${display(v)} to duration`);
  return new Duration(sign * total);
}
export function addTsDur(t: Timestamp, d: Duration): Timestamp {
  return new Timestamp(t.ns + d.ns);
}
export function subTsDur(t: Timestamp, d: Duration): Timestamp {
  return new Timestamp(t.ns - d.ns);
}
export function subTs(a: Timestamp, b: Timestamp): Duration {
  return new Duration(a.ns - b.ns);
}
export function addDur(a: Duration, b: Duration): Duration {
  return new Duration(i64(a.ns + b.ns));
}
export function subDur(a: Duration, b: Duration): Duration {
  return new Duration(i64(a.ns - b.ns));
}

function zoneOf(tz: string | undefined): string {
  if (tz === undefined) return 'UTC';
  if (!isValidZone(tz)) return celFail('badZone', `unknown time zone ${display(tz)}`);
  return tz;
}
type TsPart = 'fullYear' | 'month' | 'dayOfYear' | 'dayOfMonth' | 'date' | 'dayOfWeek' | 'hours' | 'minutes' | 'seconds' | 'milliseconds';
/** Timestamp accessors (`getFullYear`, …) in UTC or the given zone; month, day of month (0-based) as CEL. */
export function tsGet(t: Timestamp, part: TsPart, tz?: string): bigint {
  const zone = zoneOf(tz);
  const f = fieldsInZone(t.millis, zone);
  switch (part) {
    case 'fullYear':
      return BigInt(f.year);
    case 'month':
      return BigInt(f.month - 1);
    case 'dayOfMonth':
      return BigInt(f.day - 1);
    case 'date':
      return BigInt(f.day);
    case 'dayOfYear': {
      const start = Date.UTC(f.year, 0, 1);
      return BigInt(Math.round((Date.UTC(f.year, f.month - 1, f.day) - start) / 86_400_000));
    }
    case 'dayOfWeek':
      return BigInt(new Date(Date.UTC(2000, 0, 1) + (Date.UTC(f.year, f.month - 1, f.day) - Date.UTC(2000, 0, 1))).getUTCDay());
    case 'hours':
      return BigInt(f.hour);
    case 'minutes':
      return BigInt(f.minute);
    case 'seconds':
      return BigInt(f.second);
    case 'milliseconds':
      return BigInt(Math.floor(t.nanos / 1_000_000));
  }
}
type DurPart = 'hours' | 'minutes' | 'seconds' | 'milliseconds';
export function durGet(d: Duration, part: DurPart): bigint {
  const div = part === 'hours' ? 3_600_000_000_000n : part === 'minutes' ? 60_000_000_000n : part === 'seconds' ? 1_000_000_000n : 1_000_000n;
  if (part === 'milliseconds') return (d.ns % 1_000_000_000n) / 1_000_000n;
  return d.ns / div;
}

// ---------------------------------------------------------------------------- integration library

export function decimal(v: unknown): Decimal {
  return Decimal.from(v);
}
export function round(d: Decimal, places: bigint, mode: string = 'half-up'): Decimal {
  return d.round(places, mode as RoundingMode);
}
/** `date(x, zone)`: a calendar date from text, `/Date(ms)/` or a timestamp, read in `zone`. */
export function date(v: unknown, zone: string): PlainDate {
  const z = zoneOf(zone);
  if (v instanceof PlainDate) return v;
  if (v instanceof Timestamp) return dateOf(v, z);
  if (typeof v === 'string') return parseDate(v, z);
  return noOverload('date', v);
}
/** `datetime(x, zone)`: an instant from text (offset-less text is local time in `zone`) or `/Date(ms)/`. */
export function datetime(v: unknown, zone: string): Timestamp {
  const z = zoneOf(zone);
  if (v instanceof Timestamp) return v;
  if (v instanceof PlainDate) return parseInstant(v.toString(), z);
  if (typeof v === 'string') return parseInstant(v, z);
  return noOverload('datetime', v);
}
export function formatTs(t: Timestamp, pattern: string, zone: string): string {
  return formatFields(fieldsInZone(t.millis, zoneOf(zone)), pattern);
}
export function formatDate(d: PlainDate, pattern: string): string {
  return formatFields({ year: d.year, month: d.month, day: d.day, hour: 0, minute: 0, second: 0, millisecond: 0 }, pattern);
}

export interface LookupContext {
  lookup(table: string, key: string | number): string | number | undefined;
  ref(spec: string, sourceId: string): string | undefined;
}
/** `lookup(table, key)`: the table's value (int values become CEL ints, decimal values Decimals), or null. */
export function lookup(ctx: LookupContext, table: string, key: string | bigint, valueType: 'string' | 'int' | 'decimal'): unknown {
  const v = ctx.lookup(table, typeof key === 'bigint' ? Number(key) : key);
  if (v === undefined || v === null) return null;
  if (valueType === 'int') return typeof v === 'number' ? BigInt(v) : toInt(v);
  if (valueType === 'decimal') return Decimal.from(v);
  return String(v);
}
/** Typed lookups: null when the key is absent (a table with a default never answers undefined). */
export function lookupStr(ctx: LookupContext, table: string, key: string | bigint): string | null {
  const v = ctx.lookup(table, typeof key === 'bigint' ? Number(key) : key);
  // A string value as it is: String(v) is a builtin call even when v is already text.
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? null : String(v);
}
export function lookupInt(ctx: LookupContext, table: string, key: string | bigint): bigint | null {
  const v = ctx.lookup(table, typeof key === 'bigint' ? Number(key) : key);
  return v === undefined || v === null ? null : typeof v === 'number' ? toInt(v) : toInt(String(v).trim());
}
export function lookupDec(ctx: LookupContext, table: string, key: string | bigint): Decimal | null {
  const v = ctx.lookup(table, typeof key === 'bigint' ? Number(key) : key);
  return v === undefined || v === null ? null : Decimal.from(v);
}
/** The same for tables with a default: the worker's context answers every key. */
export function lookupStrD(ctx: LookupContext, table: string, key: string | bigint): string {
  const v = ctx.lookup(table, typeof key === 'bigint' ? Number(key) : key);
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? lookupNull(table) : String(v);
}
export function lookupIntD(ctx: LookupContext, table: string, key: string | bigint): bigint {
  return lookupInt(ctx, table, key) ?? lookupNull(table);
}
export function lookupDecD(ctx: LookupContext, table: string, key: string | bigint): Decimal {
  return lookupDec(ctx, table, key) ?? lookupNull(table);
}
/** The error `nn` raises for a null value, with the message built only when it happens. */
function lookupNull(table: string): never {
  return celFail('nullValue', `lookup("${table}") is null`);
}
export function ref(ctx: LookupContext, spec: string, id: unknown): string | null {
  return ctx.ref(spec, typeof id === 'string' ? id : toStr(id)) ?? null;
}

/** `ref()` where the target requires a value: an unsynced reference is "dependency pending", which the worker retries. */
export function refRequired(ctx: LookupContext, spec: string, id: unknown): string {
  const key = typeof id === 'string' ? id : toStr(id);
  const v = ctx.ref(spec, key);
  if (v === undefined || v === null) celFail('referencePending', `reference not synced: ${spec} ${key}`);
  return v;
}

/** sha256 (hex) of the canonical text of the arguments: stable across runs, key order and number form. */
export function hash(...args: unknown[]): string {
  return digest('sha256', canonical(args), 'hex');
}
export function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return `${formatDouble(v)}d`;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof U64) return `${v.v}u`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof CelMap) return `{${v.entries().map(([k, x]) => `${canonical(k)}:${canonical(x)}`).sort().join(',')}}`;
  if (v instanceof Decimal || v instanceof PlainDate || v instanceof Timestamp || v instanceof Duration) return JSON.stringify(v.toString());
  if (v instanceof Uint8Array) return `b${JSON.stringify(Buffer.from(v).toString('base64'))}`;
  if (isRecord(v)) return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(String(v));
}

// -------------------------------------------------------------------------------------- nullability

/** Asserts a nullable value is present where an operation needs one. */
export function nn<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) return celFail('nullValue', `${what} is null`);
  return v;
}

// --------------------------------------------------------------------------------------- optionals

export const optNone = Optional.none;
export const optOf = (v: unknown): Optional => new Optional(true, v);
export function optOfNonZero(v: unknown): Optional {
  return isZero(v) ? Optional.none : new Optional(true, v);
}
function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0n || v === 0 || v === '') return true;
  if (v instanceof U64) return v.v === 0n;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof CelMap) return v.size === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  if (v instanceof Timestamp || v instanceof Duration) return v.ns === 0n;
  return false;
}
export function optValue(o: Optional): unknown {
  if (!o.has) return celFail('noSuchKey', 'optional.none() dereference');
  return o.value;
}
export function optOr(o: Optional, other: () => Optional): Optional {
  return o.has ? o : other();
}
export function optOrValue<T>(o: Optional, other: () => T): unknown {
  return o.has ? o.value : other();
}
export function optMap(o: Optional, f: (x: unknown) => unknown): Optional {
  return o.has ? new Optional(true, f(o.value)) : o;
}
export function optFlatMap(o: Optional, f: (x: unknown) => unknown): Optional {
  if (!o.has) return o;
  const r = f(o.value);
  return r instanceof Optional ? r : noOverload('optFlatMap', r);
}
function optSelect(o: Optional, f: string): Optional {
  if (!o.has) return o;
  const v = o.value;
  if (v instanceof CelMap) {
    const e = v.entry(f);
    return e ? new Optional(true, e[1]) : Optional.none;
  }
  if (isRecord(v)) return Object.hasOwn(v, f) && v[f] !== undefined ? new Optional(true, v[f]) : Optional.none;
  return noOverload(`_?._`, v);
}
function optIndex(o: Optional, k: unknown): Optional {
  if (!o.has) return o;
  const c = o.value;
  if (c instanceof CelMap) {
    const e = c.entry(k);
    return e ? new Optional(true, e[1]) : Optional.none;
  }
  if (Array.isArray(c) && typeof k === 'bigint') return k >= 0n && k < BigInt(c.length) ? new Optional(true, c[Number(k)]) : Optional.none;
  return new Optional(true, index(c, k));
}

export { Decimal } from './decimal.ts';
export { Duration, PlainDate, Timestamp } from './dates.ts';
export { CelError, isCelError } from './errors.ts';
