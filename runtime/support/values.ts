/**
 * Run-time representation of CEL values in generated code:
 * int → bigint, uint → U64, double → number, string, bool, null, bytes → Uint8Array, list → array,
 * map → CelMap, timestamp/duration → Timestamp/Duration, decimal → Decimal, date → PlainDate,
 * type → CelTypeValue, optional → Optional, catalog records → plain objects read by own property only.
 */
import { Decimal } from './decimal.ts';
import { Duration, PlainDate, Timestamp } from './dates.ts';
import { celFail } from './errors.ts';

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

/** CEL `uint`: an unsigned 64-bit integer, kept apart from `int` so `type()` and overloads can tell them apart. */
export class U64 {
  readonly v: bigint;
  constructor(v: bigint) {
    if (v < 0n || v > UINT64_MAX) celFail('overflow', 'unsigned integer overflow');
    this.v = v;
  }
  toString(): string {
    return `${this.v}u`;
  }
}

export class CelTypeValue {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  toString(): string {
    return this.name;
  }
}

export class Optional {
  readonly has: boolean;
  readonly value: unknown;
  constructor(has: boolean, value: unknown) {
    this.has = has;
    this.value = value;
  }
  static readonly none = new Optional(false, undefined);
}

type MapKey = bigint | string | boolean;

/** A CEL map: keys int/uint/bool/string; numerically equal int, uint and double keys find the same entry. */
export class CelMap {
  readonly #entries = new Map<MapKey | `u${string}`, [unknown, unknown]>();
  static normKey(k: unknown): MapKey | `u${string}` | undefined {
    if (typeof k === 'string' || typeof k === 'boolean' || typeof k === 'bigint') return k;
    if (k instanceof U64) return k.v <= INT64_MAX ? k.v : `u${k.v}`;
    if (typeof k === 'number' && Number.isInteger(k)) {
      const b = BigInt(k);
      return b <= INT64_MAX && b >= INT64_MIN ? b : b <= UINT64_MAX && b >= 0n ? `u${b}` : undefined;
    }
    return undefined;
  }
  static fromEntries(entries: Iterable<readonly [unknown, unknown]>): CelMap {
    const m = new CelMap();
    for (const [k, v] of entries) {
      if (!(typeof k === 'string' || typeof k === 'boolean' || typeof k === 'bigint' || k instanceof U64)) celFail('badArgument', `unsupported key type ${typeName(k)}`);
      const nk = CelMap.normKey(k);
      if (nk === undefined) celFail('badArgument', 'unsupported map key');
      if (m.#entries.has(nk)) celFail('badArgument', `Failed with repeated key: ${display(k)}`);
      m.#entries.set(nk, [k, v]);
    }
    return m;
  }
  get size(): number {
    return this.#entries.size;
  }
  has(k: unknown): boolean {
    const nk = CelMap.normKey(k);
    return nk !== undefined && this.#entries.has(nk);
  }
  /** The entry, or undefined when the key is absent. */
  entry(k: unknown): [unknown, unknown] | undefined {
    const nk = CelMap.normKey(k);
    return nk === undefined ? undefined : this.#entries.get(nk);
  }
  keys(): unknown[] {
    return [...this.#entries.values()].map((e) => e[0]);
  }
  entries(): [unknown, unknown][] {
    return [...this.#entries.values()];
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype || (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === null);
}

/** CEL type name of a run-time value. */
export function typeName(v: unknown): string {
  switch (typeof v) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'undefined':
      return 'null_type';
    case 'object':
      if (v === null) return 'null_type';
      if (v instanceof U64) return 'uint';
      if (Array.isArray(v)) return 'list';
      if (v instanceof CelMap) return 'map';
      if (v instanceof Uint8Array) return 'bytes';
      if (v instanceof Timestamp) return 'google.protobuf.Timestamp';
      if (v instanceof Duration) return 'google.protobuf.Duration';
      if (v instanceof Decimal) return 'decimal';
      if (v instanceof PlainDate) return 'date';
      if (v instanceof CelTypeValue) return 'type';
      if (v instanceof Optional) return 'optional_type';
      return 'map';
    default:
      return typeof v;
  }
}

export function display(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return String(v);
  if (v instanceof U64) return `${v.v}u`;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeName(v);
}
