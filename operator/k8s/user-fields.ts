/**
 * The part of an object its authors wrote, without what the API server filled in from CRD defaults.
 * The CRDs are a structural approximation of the JSON Schemas: a default declared on one alternative
 * (Kingdee's `auth.lcid`) can land on an object of another shape, which the compiler's exact schema
 * then rejects. Defaults are never recorded in managedFields, so keeping only the fields some manager
 * owns (the union of their FieldsV1 sets) gives back what was applied. Lists are kept whole (FieldsV1
 * may address items by key or value); without managedFields the object is taken as it is.
 */
type Fields = { [k: string]: Fields };

/** An own data property even for `__proto__`: spec data is user data, never an object's prototype. */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function mergeFields(a: Fields, b: Fields): Fields {
  const out: Fields = { ...a };
  for (const [k, v] of Object.entries(b)) setOwn(out, k, Object.hasOwn(out, k) ? mergeFields(out[k] as Fields, v) : v);
  return out;
}

export function ownedFields(managedFields: unknown, prefix: string): Fields | undefined {
  if (!Array.isArray(managedFields) || managedFields.length === 0) return undefined;
  let all: Fields = {};
  for (const m of managedFields) {
    const f = (m as { fieldsV1?: unknown; subresource?: unknown }).fieldsV1;
    if ((m as { subresource?: unknown }).subresource === 'status' || typeof f !== 'object' || f === null) continue;
    all = mergeFields(all, f as Fields);
  }
  return (all[`f:${prefix}`] as Fields | undefined) ?? {};
}

/** `value` restricted to the paths of `fields`; a path that ends (no `f:` children) keeps its whole value. */
export function pickFields(value: unknown, fields: Fields): unknown {
  const children = Object.keys(fields).filter((k) => k.startsWith('f:'));
  if (children.length === 0 || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const k of children) {
    const name = k.slice(2);
    if (!Object.hasOwn(value, name)) continue;
    setOwn(out, name, pickFields((value as Record<string, unknown>)[name], fields[k] as Fields));
  }
  return out;
}

/** The spec as its authors applied it. */
export function authoredSpec(obj: { spec?: unknown; metadata: object }): unknown {
  const fields = ownedFields((obj.metadata as { managedFields?: unknown }).managedFields, 'spec');
  return fields === undefined ? obj.spec : pickFields(obj.spec, fields);
}
