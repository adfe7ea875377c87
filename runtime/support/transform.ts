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
