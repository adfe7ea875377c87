/**
 * JSON Schema (draft 2020-12, as in `schemas/`) → Kubernetes structural OpenAPI v3 schema, in small
 * pure steps. The rules are apiextensions' "structural schema" rules:
 * - every node of the structural part has a `type` (or x-kubernetes-preserve-unknown-fields /
 *   x-kubernetes-int-or-string);
 * - `oneOf`/`anyOf`/`allOf`/`not` carry value validation only (no type, description, default,
 *   additionalProperties, nullable), and each property they name exists in the structural part;
 * - no `$ref`, `definitions`, `$schema`, `$id`, `patternProperties`, `dependencies`, `uniqueItems: true`,
 *   `additionalProperties: false`.
 *
 * What cannot be said structurally becomes permissive and is reported as a loosening (SS6003):
 * mixed-type alternatives turn into x-kubernetes-preserve-unknown-fields, `if`/`then` conditions
 * are dropped after merging their shapes, recursion below `maxDepth` is preserved, not described.
 * The compiler still enforces the full JSON Schema; the CRD is the API server's first line.
 */
export type JsonSchema = Record<string, unknown>;

export interface Loosening {
  /** JSON path of the field in the CRD schema, e.g. `.spec.fields.*`. */
  path: string;
  why: string;
}

export interface ConvertContext {
  defs: Record<string, JsonSchema>;
  maxDepth: number;
  loosened: Loosening[];
}

const isObj = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Formats the API server knows; others are dropped (it would reject or ignore them). */
const K8S_FORMATS = new Set(['bsonobjectid', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5',
  'isbn', 'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'password', 'date', 'duration', 'datetime', 'date-time',
  'int32', 'int64', 'float', 'double']);
/** Keywords that describe but do not constrain: a part with only these does not shape the merge. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', '$comment', 'default']);
/** Keywords carried over unchanged when present. */
const VALUE_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf'];

/** Resolves `$ref` (`#/$defs/x`) with sibling keywords overriding, e.g. a local `description`. */
function resolve(node: JsonSchema, ctx: ConvertContext, stack: readonly string[]): { schema: JsonSchema; stack: readonly string[]; recursive: boolean } {
  let schema = node;
  let refs = stack;
  while (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace(/^#\/\$defs\//, '');
    const target = ctx.defs[name];
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    if (refs.includes(name)) return { schema: target, stack: refs, recursive: true };
    const { $ref: _ref, ...siblings } = schema;
    schema = { ...target, ...siblings };
    refs = [...refs, name];
  }
  return { schema, stack: refs, recursive: false };
}

function typeOf(s: JsonSchema): string | undefined {
  if (typeof s.type === 'string') return s.type;
  if (Array.isArray(s.type)) {
    const nonNull = s.type.filter((t) => t !== 'null');
    return nonNull.length === 1 ? String(nonNull[0]) : undefined;
  }
  if (typeof s.const === 'string') return 'string';
  if (Array.isArray(s.enum) && s.enum.every((e) => typeof e === 'string')) return 'string';
  return undefined;
}

const preserve = (description: unknown): JsonSchema => ({
  ...(typeof description === 'string' ? { description } : {}),
  'x-kubernetes-preserve-unknown-fields': true,
});

/** Converts one node at `path`; `depth` counts object nesting for the recursion guard. */
export function toStructural(node: JsonSchema, ctx: ConvertContext, path: string, depth = 0, stack: readonly string[] = []): JsonSchema {
  const r = resolve(node, ctx, stack);
  if (r.recursive || depth > ctx.maxDepth) {
    ctx.loosened.push({ path, why: r.recursive ? 'recursive definition: nested levels are kept without validation' : `deeper than ${ctx.maxDepth} levels: kept without validation` });
    return typeOf(r.schema) === 'object' ? { type: 'object', ...preserve(node.description ?? r.schema.description) } : preserve(node.description ?? r.schema.description);
  }
  const s = r.schema;
  const parts = collectParts(s, ctx, r.stack, 'base');
  const types = new Set(parts.map((p) => typeOf(p.schema)).filter((t) => t !== undefined));
  if (types.size > 1) {
    if (types.size === 2 && types.has('integer') && types.has('string')) {
      return { ...(typeof s.description === 'string' ? { description: s.description } : {}), 'x-kubernetes-int-or-string': true };
    }
    ctx.loosened.push({ path, why: `alternatives of different types (${[...types].sort().join(', ')}): any value is kept` });
    return preserve(s.description);
  }
  if (hasConditionals(s)) ctx.loosened.push({ path, why: 'if/then conditions are not expressible in a CRD schema: shapes merged, conditions checked by the compiler only' });
  const shaping = parts.filter((part) => Object.keys(part.schema).some((k) => !ANNOTATIONS.has(k)));
  const merged = shaping.reduce((acc, part) => mergeShapes(acc, part.schema), {} as JsonSchema);
  const properties = mergeProperties(shaping);
  if (properties) merged.properties = properties; else delete merged.properties;
  if (typeof s.description === 'string') merged.description = s.description;
  if (types.size === 1) merged.type = [...types][0];
  // The node's own constraints hold whatever alternative matches (a conjunction): reinstate them.
  const base = stripJunctors(s);
  for (const k of [...VALUE_KEYWORDS, 'format', 'enum', 'const', 'exclusiveMinimum', 'exclusiveMaximum']) if (k in base) merged[k] = base[k];
  // Only an unconditional default may become a CRD default: one from an alternative would be filled
  // into objects of every other shape too.
  if ('default' in base) merged.default = base.default; else delete merged.default;
  const required = requiredOf(s, ctx, r.stack);
  if (required.length) merged.required = required; else delete merged.required;
  const out = convertKeywords(merged, ctx, path, depth, r.stack);
  const alternatives = [...(Array.isArray(s.oneOf) ? s.oneOf : []), ...(Array.isArray(s.anyOf) ? s.anyOf : [])].filter(isObj).map((a) => resolve(a, ctx, r.stack).schema);
  const junctor = validationOnly(alternatives, out);
  if (junctor) Object.assign(out, junctor);
  return out;
}

/**
 * Keys every valid value has: the node's own and its allOf parts' (conjunction) plus those all of
 * its oneOf/anyOf alternatives share (disjunction). `then` branches apply conditionally: none.
 */
function requiredOf(s: JsonSchema, ctx: ConvertContext, stack: readonly string[]): string[] {
  const own = new Set((Array.isArray(s.required) ? s.required : []).filter((k): k is string => typeof k === 'string'));
  for (const c of Array.isArray(s.allOf) ? s.allOf : []) {
    if (!isObj(c) || 'if' in c || CONDITIONAL in c) continue;
    const r = resolve(c, ctx, stack);
    if (!r.recursive) for (const k of requiredOf(r.schema, ctx, r.stack)) own.add(k);
  }
  const alternatives = [...(Array.isArray(s.oneOf) ? s.oneOf : []), ...(Array.isArray(s.anyOf) ? s.anyOf : []), ...(Array.isArray(s[MERGED]) ? s[MERGED] : [])].filter(isObj);
  if (alternatives.length) {
    const sets = alternatives.map((a) => { const r = resolve(a, ctx, stack); return new Set(r.recursive ? [] : requiredOf(r.schema, ctx, r.stack)); });
    for (const k of sets[0] ?? []) if (sets.every((set) => set.has(k))) own.add(k);
  }
  return [...own];
}

function hasConditionals(s: JsonSchema): boolean {
  return Array.isArray(s.allOf) && s.allOf.some((c) => isObj(c) && 'if' in c);
}

/** How a shape relates to its node: always holds, one of several alternatives, or holds under a condition. */
type Role = 'base' | 'alt' | 'cond';
interface Part { schema: JsonSchema; role: Role }

/** Marks alternatives synthesised when shapes declare one property differently (see mergeProperties). */
const MERGED = 'x-syncspec-merge';
/** Marks a conditional (formerly `then`) shape synthesised by mergeProperties. */
const CONDITIONAL = 'x-syncspec-conditional';

/**
 * The shapes a value of this node may take: the node without junctors, every oneOf/anyOf
 * alternative, every allOf part and every `then`/`else` branch, flattened recursively (a nested
 * oneOf inside an alternative contributes its own alternatives), each with its role.
 */
function collectParts(s: JsonSchema, ctx: ConvertContext, stack: readonly string[], role: Role): Part[] {
  const parts: Part[] = [{ schema: stripJunctors(s), role }];
  const altRole: Role = role === 'cond' ? 'cond' : 'alt';
  const nested: [unknown, Role][] = [
    ...[...(Array.isArray(s.oneOf) ? s.oneOf : []), ...(Array.isArray(s.anyOf) ? s.anyOf : []), ...(Array.isArray(s[MERGED]) ? s[MERGED] : [])].map((n): [unknown, Role] => [n, altRole]),
  ];
  for (const c of Array.isArray(s.allOf) ? s.allOf : []) {
    if (!isObj(c)) continue;
    if ('if' in c) nested.push(...[c.then, c.else].filter(isObj).map((n): [unknown, Role] => [n, 'cond']));
    else if (CONDITIONAL in c) nested.push([c[CONDITIONAL], 'cond']);
    else nested.push([c, role]);
  }
  for (const [n, r0] of nested) {
    if (!isObj(n)) continue;
    const r = resolve(n, ctx, stack);
    if (r.recursive) continue;
    parts.push(...collectParts(r.schema, ctx, r.stack, r0));
  }
  return parts.filter((p) => Object.keys(p.schema).length > 0);
}

/**
 * Properties of all shapes together. A property every shape declares alike is kept as is; one
 * declared differently becomes a node whose allOf holds the unconditional and conditional
 * declarations and whose MERGED list holds the alternatives' — so `requiredOf` unites the first
 * and intersects the last, and the shapes merge recursively when that node is converted.
 */
function mergeProperties(parts: Part[]): JsonSchema | undefined {
  const byName = new Map<string, Record<Role, JsonSchema[]>>();
  for (const p of parts) {
    if (!isObj(p.schema.properties)) continue;
    for (const [k, v] of Object.entries(p.schema.properties)) {
      if (!isObj(v)) continue;
      const entry = byName.get(k) ?? { base: [], alt: [], cond: [] };
      entry[p.role].push(v);
      byName.set(k, entry);
    }
  }
  if (byName.size === 0) return undefined;
  const out: JsonSchema = {};
  for (const [k, defs] of byName) {
    const all = [...defs.base, ...defs.alt, ...defs.cond];
    const distinct = new Set(all.filter((d) => Object.keys(d).length > 0).map(withoutAnnotations));
    if (distinct.size <= 1) {
      const def = all.find((d) => Object.keys(d).length > 0) ?? {};
      // A default is unconditional when the base shape declares it, or when every alternative shape
      // does (and no conditional one is involved); otherwise it would be filled into other shapes too.
      const altShapes = parts.filter((p) => p.role === 'alt' && isObj(p.schema.properties));
      const everyAlternative = defs.cond.length === 0 && altShapes.length > 0 && defs.alt.length === altShapes.length && defs.alt.every((d) => 'default' in d);
      const unconditional = defs.base.some((d) => 'default' in d) || everyAlternative;
      if ('default' in def && !unconditional) {
        const { default: _dropped, ...rest } = def;
        out[k] = rest;
      } else out[k] = def;
      continue;
    }
    const description = all.find((d) => typeof d.description === 'string')?.description;
    out[k] = {
      ...(description !== undefined ? { description } : {}),
      allOf: [...defs.base, ...defs.cond.map((d) => ({ [CONDITIONAL]: d }))],
      ...(defs.alt.length ? { [MERGED]: defs.alt } : {}),
    };
  }
  return out;
}

function withoutAnnotations(s: JsonSchema): string {
  return JSON.stringify(Object.fromEntries(Object.entries(s).filter(([k]) => !ANNOTATIONS.has(k) || k === 'default')));
}

function stripJunctors(s: JsonSchema): JsonSchema {
  const { oneOf: _o, anyOf: _a, allOf: _l, [MERGED]: _m, ...rest } = s;
  return rest;
}

/** Union of two shapes' own keywords (properties are merged by mergeProperties); scalars keep what both agree on. */
function mergeShapes(a: JsonSchema, b: JsonSchema): JsonSchema {
  if (Object.keys(a).length === 0) return { ...b };
  const out: JsonSchema = { ...a };
  delete out.required; // computed by requiredOf, which knows conjunction from disjunction
  if (a.additionalProperties === false || b.additionalProperties === false) out.additionalProperties = false;
  // Scalar constraints survive a merge only when both shapes agree; enums and consts unite.
  const enumOf = (x: JsonSchema): unknown[] | undefined => ('const' in x ? [x.const] : Array.isArray(x.enum) ? x.enum : undefined);
  const ea = enumOf(a);
  const eb = enumOf(b);
  delete out.const;
  if (ea && eb) out.enum = [...ea, ...eb.filter((v) => !ea.some((x) => JSON.stringify(x) === JSON.stringify(v)))];
  else delete out.enum;
  for (const k of [...VALUE_KEYWORDS, 'format', 'default', 'exclusiveMinimum', 'exclusiveMaximum']) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) delete out[k];
  }
  for (const k of ['type', 'description', 'minProperties', 'maxProperties', 'additionalProperties']) if (out[k] === undefined && b[k] !== undefined) out[k] = b[k];
  return out;
}

function convertKeywords(s: JsonSchema, ctx: ConvertContext, path: string, depth: number, stack: readonly string[]): JsonSchema {
  const out: JsonSchema = {};
  const type = typeOf(s);
  if (typeof s.description === 'string') out.description = s.description;
  if (type) out.type = type;
  if (Array.isArray(s.type) && s.type.includes('null')) out.nullable = true;
  if (typeof s.format === 'string' && K8S_FORMATS.has(s.format)) out.format = s.format;
  if ('const' in s) out.enum = [s.const];
  else if (Array.isArray(s.enum)) out.enum = s.enum.filter((e) => e !== null);
  if ('default' in s) out.default = s.default;
  for (const k of VALUE_KEYWORDS) if (typeof s[k] === 'number' || (k === 'pattern' && typeof s[k] === 'string')) out[k] = s[k];
  if (typeof s.exclusiveMinimum === 'number') { out.minimum = s.exclusiveMinimum; out.exclusiveMinimum = true; }
  if (typeof s.exclusiveMaximum === 'number') { out.maximum = s.exclusiveMaximum; out.exclusiveMaximum = true; }
  if (type === 'object') {
    if (isObj(s.properties) && Object.keys(s.properties).length > 0) {
      const props: JsonSchema = {};
      for (const [k, v] of Object.entries(s.properties)) if (isObj(v)) props[k] = toStructural(v, ctx, `${path}.${k}`, depth + 1, stack);
      out.properties = props;
      if (Array.isArray(s.required) && s.required.length) out.required = [...s.required];
    } else if (isObj(s.additionalProperties)) {
      out.additionalProperties = toStructural(s.additionalProperties, ctx, `${path}.*`, depth + 1, stack);
    } else {
      // An object the schema leaves open ("any object"): without this the API server would prune it empty.
      out['x-kubernetes-preserve-unknown-fields'] = true;
    }
    if (s.additionalProperties === true && out.properties) out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  if (type === 'array' && isObj(s.items)) {
    out.items = toStructural(s.items, ctx, `${path}[*]`, depth + 1, stack);
    const itemType = isObj(out.items) ? out.items.type : undefined;
    if (s.uniqueItems === true && (itemType === 'string' || itemType === 'integer' || itemType === 'number')) out['x-kubernetes-list-type'] = 'set';
  }
  return out;
}

/**
 * The alternatives of a oneOf/anyOf as value validation only: `required` plus discriminating enums.
 * Kept as `oneOf` when any two alternatives stay mutually exclusive after the weakening (a differing
 * enum, or one requires a key the other, being closed, cannot have); otherwise `anyOf`, which
 * never rejects a valid object.
 */
function validationOnly(alternatives: JsonSchema[], structural: JsonSchema): JsonSchema | undefined {
  if (alternatives.length < 2 || structural.type !== 'object') return undefined;
  const props = isObj(structural.properties) ? structural.properties : {};
  const weak = alternatives.map((alt) => {
    const w: JsonSchema = {};
    if (Array.isArray(alt.required) && alt.required.length) w.required = alt.required.filter((k) => typeof k === 'string' && k in props);
    if (isObj(alt.properties)) {
      const p: JsonSchema = {};
      for (const [k, v] of Object.entries(alt.properties)) {
        if (!(k in props) || !isObj(v)) continue;
        if ('const' in v) p[k] = { enum: [v.const] };
        else if (Array.isArray(v.enum)) p[k] = { enum: v.enum };
      }
      if (Object.keys(p).length) w.properties = p;
    }
    return w;
  });
  if (weak.every((w) => Object.keys(w).length === 0)) return undefined;
  const exclusive = (i: number, j: number): boolean => {
    const a = alternatives[i] ?? {};
    const b = alternatives[j] ?? {};
    const enumsOf = (w: JsonSchema): Record<string, unknown[]> => Object.fromEntries(Object.entries(isObj(w.properties) ? w.properties : {}).map(([k, v]) => [k, isObj(v) && Array.isArray(v.enum) ? v.enum : []]));
    const ea = enumsOf(weak[i] ?? {});
    const eb = enumsOf(weak[j] ?? {});
    for (const k of Object.keys(ea)) if (eb[k] && !(ea[k] ?? []).some((x) => (eb[k] ?? []).includes(x)) && (weak[i]?.required as string[] | undefined)?.includes(k) && (weak[j]?.required as string[] | undefined)?.includes(k)) return true;
    const closedWithout = (req: unknown, other: JsonSchema): boolean =>
      Array.isArray(req) && other.additionalProperties === false && req.some((k) => !(isObj(other.properties) && k in other.properties));
    return closedWithout(weak[i]?.required, b) || closedWithout(weak[j]?.required, a);
  };
  let allExclusive = true;
  for (let i = 0; i < weak.length; i++) for (let j = i + 1; j < weak.length; j++) if (!exclusive(i, j)) allExclusive = false;
  return allExclusive ? { oneOf: weak } : { anyOf: weak };
}
