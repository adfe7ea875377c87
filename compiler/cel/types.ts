/** CEL types of the checker: constructors, printing, and the mapping from catalog fields. */
import type { FieldDef } from '../catalog/types.ts';
import type { CelType, TypedValue } from './api.ts';

export const T = {
  dyn: { kind: 'dyn' },
  null: { kind: 'null' },
  bool: { kind: 'bool' },
  int: { kind: 'int' },
  uint: { kind: 'uint' },
  double: { kind: 'double' },
  string: { kind: 'string' },
  bytes: { kind: 'bytes' },
  decimal: { kind: 'decimal' },
  date: { kind: 'date' },
  timestamp: { kind: 'timestamp' },
  duration: { kind: 'duration' },
  type: { kind: 'type' },
} as const satisfies Record<string, CelType>;

export const list = (elem: CelType): CelType => ({ kind: 'list', elem });
export const map = (key: CelType, value: CelType): CelType => ({ kind: 'map', key, value });
export const optional = (inner: CelType): CelType => ({ kind: 'optional', inner });
export const record = (entity: string): CelType => ({ kind: 'record', entity });

export function fmt(t: CelType): string {
  switch (t.kind) {
    case 'list':
      return `list(${fmt(t.elem)})`;
    case 'map':
      return `map(${fmt(t.key)}, ${fmt(t.value)})`;
    case 'record':
      return t.entity;
    case 'optional':
      return `optional(${fmt(t.inner)})`;
    case 'null':
      return 'null_type';
    default:
      return t.kind;
  }
}

export function fmtTyped(v: TypedValue): string {
  return v.nullable && v.type.kind !== 'null' ? `${fmt(v.type)}?` : fmt(v.type);
}

export function sameType(a: CelType, b: CelType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'list':
      return sameType(a.elem, (b as typeof a).elem);
    case 'map':
      return sameType(a.key, (b as typeof a).key) && sameType(a.value, (b as typeof a).value);
    case 'record':
      return a.entity === (b as typeof a).entity;
    case 'optional':
      return sameType(a.inner, (b as typeof a).inner);
    default:
      return true;
  }
}

/** Least common type of branches/elements: identical types stay, otherwise `dyn`. */
export function join2(a: CelType, b: CelType): CelType {
  if (sameType(a, b)) return a;
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (a.kind === 'list' && b.kind === 'list') return list(join2(a.elem, b.elem));
  if (a.kind === 'map' && b.kind === 'map') return map(join2(a.key, b.key), join2(a.value, b.value));
  return T.dyn;
}

export function containsDyn(t: CelType): boolean {
  switch (t.kind) {
    case 'dyn':
      return true;
    case 'list':
      return containsDyn(t.elem);
    case 'map':
      return containsDyn(t.key) || containsDyn(t.value);
    case 'optional':
      return containsDyn(t.inner);
    default:
      return false;
  }
}

export const isNumeric = (t: CelType): boolean => t.kind === 'int' || t.kind === 'uint' || t.kind === 'double';

/** CEL type of a catalog field (enum and reference read as string; a child list as a list of records). */
export function fieldType(f: FieldDef): TypedValue {
  const nullable = f.nullable === true;
  switch (f.type) {
    case 'string':
    case 'enum':
    case 'reference':
      return { type: T.string, nullable };
    case 'integer':
      return { type: T.int, nullable };
    case 'decimal':
      return { type: T.decimal, nullable };
    case 'double':
      return { type: T.double, nullable };
    case 'boolean':
      return { type: T.bool, nullable };
    case 'date':
      return { type: T.date, nullable };
    case 'datetime':
      return { type: T.timestamp, nullable };
    case 'record':
      return { type: record(f.entity), nullable };
    case 'list':
      // An absent child list reads as empty (runtime `fListN`), so it is never null.
      return { type: list(record(f.entity)), nullable: false };
  }
}

/** Text for a target field type in messages: `decimal(18, 2)`, `string(255)`, `enum(A|B)`. */
export function fmtField(f: FieldDef): string {
  switch (f.type) {
    case 'string':
      return f.maxLength === undefined ? 'string' : `string(${f.maxLength})`;
    case 'decimal':
      return f.scale === undefined ? 'decimal' : `decimal(${f.precision ?? '?'}, ${f.scale})`;
    case 'enum':
      return `enum(${f.values.join('|')})`;
    case 'reference':
    case 'record':
    case 'list':
      return `${f.type}(${f.entity})`;
    default:
      return f.type;
  }
}
