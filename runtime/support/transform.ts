/** The contract between generated transforms and the worker. */

/** One error of one target field, with the spec position of the mapping that raised it. */
export interface FieldError {
  /** Target field path, e.g. `FSaleOrderEntry[1].FQty`. */
  path: string;
  message: string;
  /** `specs/orders.yaml:24:14` — where the failing mapping is written. */
  at: string;
  code: string;
}

export type TransformResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** What a transform may read besides the source record: lookup tables and the id crosswalk. */
export interface TransformContext {
  /** `lookup(table, key)`: undefined when the key is not in the table and it has no default. */
  lookup(table: string, key: string | number): string | number | undefined;
  /** `ref(spec, sourceId)`: the target id the crosswalk of that spec holds, or undefined. */
  ref(spec: string, sourceId: string): string | undefined;
}

export interface CompiledTransform<S = Record<string, unknown>, T = Record<string, unknown>> {
  /** Returns false when the spec's filter drops the record. */
  filter(source: S, ctx: TransformContext): boolean;
  transform(source: S, ctx: TransformContext): TransformResult<T>;
}

/** A lookup table as a LookupTable document declares it: entries and an optional default. */
export interface LookupTableData {
  entries: Readonly<Record<string, string | number>>;
  default?: string | number;
}

/**
 * `TransformContext.lookup` over lookup tables (by name). The entries are copied into Maps once: a
 * transform looks up several keys per record, and a Map probe by a string whose hash it already carries
 * is cheaper than `hasOwn` plus a keyed read on an object that may hold thousands of keys.
 */
export function tableLookup(tables: ReadonlyMap<string, LookupTableData> | Readonly<Record<string, LookupTableData>>): TransformContext['lookup'] {
  const byName = new Map<string, { entries: Map<string, string | number>; default: string | number | undefined }>();
  const pairs = tables instanceof Map ? [...tables] : Object.entries(tables as Readonly<Record<string, LookupTableData>>);
  for (const [name, t] of pairs) byName.set(name, { entries: new Map(Object.entries(t.entries)), default: t.default });
  return (table, key) => {
    const t = byName.get(table);
    if (t === undefined) return undefined;
    const v = t.entries.get(typeof key === 'string' ? key : String(key));
    return v === undefined ? t.default : v;
  };
}

/** `TransformContext.ref` over known crosswalks: spec → (source id → target id). */
export function crosswalkRef(crosswalks: Readonly<Record<string, Readonly<Record<string, string>>>>): TransformContext['ref'] {
  const bySpec = new Map<string, Map<string, string>>();
  for (const [spec, ids] of Object.entries(crosswalks)) bySpec.set(spec, new Map(Object.entries(ids)));
  return (spec, sourceId) => bySpec.get(spec)?.get(sourceId);
}
