/**
 * Structural OpenAPI v3 schemas as apiextensions-apiserver uses them for custom resources:
 * `checkStructural` enforces the structural-schema rules on a CRD version's `openAPIV3Schema`, and
 * `validateValue` validates (and prunes, and defaults) an object against one.
 *
 * Honoured keywords: type, nullable, properties, required, additionalProperties (schema), items,
 * enum, pattern, minLength/maxLength, minimum/maximum, minItems/maxItems, default,
 * x-kubernetes-preserve-unknown-fields, x-kubernetes-int-or-string, x-kubernetes-list-type: set
 * (duplicates), and value-validation-only
 * oneOf/anyOf/allOf/not. Not honoured: format, x-kubernetes-validations (CEL), list-type map keys.
 */
import { isObject, type StatusCause } from './types.ts';

export type Schema = Record<string, unknown>;

/** Every keyword JSONSchemaProps knows; anything else is an unknown field of the CRD object. */
const KNOWN = new Set([
  'id', '$schema', '$ref', 'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum',
  'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum',
  'maxProperties', 'minProperties', 'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties',
  'additionalProperties', 'patternProperties', 'dependencies', 'additionalItems', 'definitions', 'externalDocs', 'example',
  'nullable', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);
const FORBIDDEN = ['$ref', '$schema', 'id', 'definitions', 'dependencies', 'additionalItems', 'patternProperties'];
const NOT_IN_JUNCTORS = ['type', 'additionalProperties', 'description', 'default', 'nullable', 'title',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string'];
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

export interface StructuralReport {
  causes: StatusCause[];
  /** Keywords JSONSchemaProps does not have, as field paths (strict decoding errors). */
  unknownFields: string[];
}

/** Checks the structural-schema rules; `at` is the field path of the schema in the CRD. */
export function checkStructural(schema: unknown, at: string): StructuralReport {
  const report: StructuralReport = { causes: [], unknownFields: [] };
  if (!isObject(schema)) {
    report.causes.push({ type: 'FieldValueRequired', field: at, message: 'Required value: a structural schema is required' });
    return report;
  }
  if (schema.type !== 'object') report.causes.push({ type: 'FieldValueInvalid', field: `${at}.type`, message: `Invalid value: ${JSON.stringify(schema.type ?? '')}: must be object at the root` });
  walk(schema, at, false, report);
  return report;
}

function walk(s: Schema, at: string, inJunctor: boolean, r: StructuralReport): void {
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) r.unknownFields.push(`${at}.${k}`);
  for (const k of FORBIDDEN) if (k in s) r.causes.push({ type: 'FieldValueForbidden', field: `${at}.${k}`, message: 'Forbidden: must not be used in a structural schema' });
  if (s.uniqueItems === true) r.causes.push({ type: 'FieldValueForbidden', field: `${at}.uniqueItems`, message: 'Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic' });
  if (s.additionalProperties === false) r.causes.push({ type: 'FieldValueForbidden', field: `${at}.additionalProperties`, message: 'Forbidden: must not be false' });
  if ('additionalProperties' in s && 'properties' in s) r.causes.push({ type: 'FieldValueForbidden', field: `${at}.additionalProperties`, message: 'Forbidden: additionalProperties and properties are mutual exclusive' });
  if ('x-kubernetes-preserve-unknown-fields' in s && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    r.causes.push({ type: 'FieldValueInvalid', field: `${at}.x-kubernetes-preserve-unknown-fields`, message: 'Invalid value: must be true or undefined' });
  }
  if (typeof s.pattern === 'string' && !re2Compatible(s.pattern)) {
    r.causes.push({ type: 'FieldValueInvalid', field: `${at}.pattern`, message: `Invalid value: ${JSON.stringify(s.pattern)}: must be a valid regular expression (RE2: no lookaround, no backreferences)` });
  }
  if (!inJunctor && 'default' in s) {
    // Defaults must themselves be valid (and survive pruning), as apiextensions checks on create.
    const report: ValueReport = { causes: [], pruned: [] };
    validateValue(structuredClone(s.default), s, 'default', report);
    const problems = [...report.causes.map((c) => c.message), ...report.pruned.map((p) => `unknown field "${p}"`)];
    if (problems.length) r.causes.push({ type: 'FieldValueInvalid', field: `${at}.default`, message: `Invalid value: ${JSON.stringify(s.default)}: ${problems.join('; ')}` });
  }
  if (inJunctor) {
    for (const k of NOT_IN_JUNCTORS) if (k in s) r.causes.push({ type: 'FieldValueForbidden', field: `${at}.${k}`, message: 'Forbidden: must be empty to be structural' });
  } else {
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true || s['x-kubernetes-int-or-string'] === true;
    if (!preserve && (typeof s.type !== 'string' || s.type === '')) r.causes.push({ type: 'FieldValueRequired', field: `${at}.type`, message: 'Required value: must not be empty for specified object fields' });
    if (typeof s.type === 'string' && s.type !== '' && !TYPES.has(s.type)) r.causes.push({ type: 'FieldValueNotSupported', field: `${at}.type`, message: `Unsupported value: ${JSON.stringify(s.type)}` });
  }
  if (isObject(s.properties)) for (const [name, sub] of Object.entries(s.properties)) {
    if (isObject(sub)) walk(sub, `${at}.properties[${name}]`, inJunctor, r);
  }
  if (Array.isArray(s.items)) r.causes.push({ type: 'FieldValueForbidden', field: `${at}.items`, message: 'Forbidden: items must be a schema object and not an array' });
  else if (isObject(s.items)) walk(s.items, `${at}.items`, inJunctor, r);
  if (isObject(s.additionalProperties)) walk(s.additionalProperties, `${at}.additionalProperties`, inJunctor, r);
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[j];
    if (!Array.isArray(list)) continue;
    list.forEach((alt, i) => {
      if (!isObject(alt)) return;
      walk(alt, `${at}.${j}[${i}]`, true, r);
      requireCounterpart(alt, s, `${at}.${j}[${i}]`, r);
    });
  }
  if (isObject(s.not)) { walk(s.not, `${at}.not`, true, r); requireCounterpart(s.not, s, `${at}.not`, r); }
}

/** The API server compiles patterns with Go's RE2, which has no lookaround and no backreferences. */
function re2Compatible(pattern: string): boolean {
  if (/\(\?<?[=!]/.test(pattern) || /\\[1-9]/.test(pattern)) return false;
  try { new RegExp(pattern, 'u'); return true; } catch { return false; }
}

/** A property or items named inside a junctor must also be specified in the structural part. */
function requireCounterpart(alt: Schema, outer: Schema, at: string, r: StructuralReport): void {
  if (isObject(alt.properties)) for (const [name, sub] of Object.entries(alt.properties)) {
    const counterpart = isObject(outer.properties) ? outer.properties[name] : undefined;
    if (!isObject(counterpart)) {
      r.causes.push({ type: 'FieldValueRequired', field: `${at}.properties[${name}]`, message: 'Required value: must have a structural counterpart outside of the logical junctors' });
    } else if (isObject(sub)) requireCounterpart(sub, counterpart, `${at}.properties[${name}]`, r);
  }
  if (isObject(alt.items)) {
    if (!isObject(outer.items)) r.causes.push({ type: 'FieldValueRequired', field: `${at}.items`, message: 'Required value: must have a structural counterpart outside of the logical junctors' });
    else requireCounterpart(alt.items, outer.items, `${at}.items`, r);
  }
}

export interface ValueReport {
  causes: StatusCause[];
  /** Fields dropped because the schema does not declare them (pruning). */
  pruned: string[];
}

/**
 * Validates `value` against `schema`, returning the pruned and defaulted value. `path` is the field
 * path used in causes (`spec.source.connection`, `spec.triggers[0]`).
 */
export function validateValue(value: unknown, schema: Schema, path: string, report: ValueReport, mutate = true): unknown {
  if (value === null) {
    if (schema.nullable === true) return null;
    if (mutate && path.includes('.')) return undefined; // apiextensions drops nulls for non-nullable fields
  }
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const type = typeof schema.type === 'string' ? schema.type : undefined;
  const field = path;
  if (intOrString) {
    if (!(typeof value === 'string' || Number.isInteger(value))) report.causes.push(typeCause(field, value, 'integer or string'));
  } else if (type && !hasType(value, type)) {
    report.causes.push(typeCause(field, value, type));
    return value;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    report.causes.push({ type: 'FieldValueNotSupported', field, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !pattern(schema.pattern).test(value)) {
      report.causes.push({ type: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${field} in body should match '${schema.pattern}'` });
    }
    if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) report.causes.push({ type: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${field} in body should be at least ${schema.minLength} chars long` });
    if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) report.causes.push({ type: 'FieldValueTooLong', field, message: `Too long: may not be more than ${schema.maxLength} bytes` });
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) report.causes.push({ type: 'FieldValueInvalid', field, message: `Invalid value: ${value}: ${field} in body should be greater than or equal to ${schema.minimum}` });
    if (typeof schema.maximum === 'number' && value > schema.maximum) report.causes.push({ type: 'FieldValueInvalid', field, message: `Invalid value: ${value}: ${field} in body should be less than or equal to ${schema.maximum}` });
  }
  let out: unknown = value;
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) report.causes.push({ type: 'FieldValueInvalid', field, message: `Invalid value: ${value.length}: ${field} in body should have at least ${schema.minItems} items` });
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) report.causes.push({ type: 'FieldValueTooMany', field, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
    if (schema['x-kubernetes-list-type'] === 'set') {
      const seen = new Set<string>();
      value.forEach((v, i) => {
        const key = JSON.stringify(v);
        if (seen.has(key)) report.causes.push({ type: 'FieldValueDuplicate', field: `${path}[${i}]`, message: `Duplicate value: ${key}` });
        seen.add(key);
      });
    }
    if (isObject(schema.items)) {
      const items = schema.items;
      out = value.map((v, i) => validateValue(v, items, `${path}[${i}]`, report, mutate)).filter((v) => v !== undefined);
    }
  } else if (isObject(value) && (type === 'object' || type === undefined)) {
    out = validateObject(value, schema, path, report, mutate);
  }
  validateJunctors(out, schema, path, report);
  return out;
}

function validateObject(value: Record<string, unknown>, schema: Schema, path: string, report: ValueReport, mutate: boolean): Record<string, unknown> {
  const props = isObject(schema.properties) ? schema.properties : undefined;
  const extra = isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = props?.[k];
    const childPath = path ? `${path}.${k}` : k;
    if (isObject(sub)) {
      const r = validateValue(v, sub, childPath, report, mutate);
      if (r !== undefined) out[k] = r;
    } else if (extra) {
      const r = validateValue(v, extra, childPath, report, mutate);
      if (r !== undefined) out[k] = r;
    } else if (preserve || !mutate) {
      out[k] = v;
    } else {
      report.pruned.push(childPath);
    }
  }
  if (mutate && props) for (const [k, sub] of Object.entries(props)) {
    if (!(k in out) && isObject(sub) && 'default' in sub) out[k] = structuredClone(sub.default);
  }
  if (Array.isArray(schema.required)) for (const k of schema.required) {
    if (typeof k === 'string' && !(k in out)) report.causes.push({ type: 'FieldValueRequired', field: path ? `${path}.${k}` : k, message: 'Required value' });
  }
  return out;
}

function validateJunctors(value: unknown, schema: Schema, path: string, report: ValueReport): void {
  const passes = (alt: unknown): boolean => {
    if (!isObject(alt)) return true;
    const r: ValueReport = { causes: [], pruned: [] };
    validateValue(value, alt, path, r, false);
    return r.causes.length === 0;
  };
  if (Array.isArray(schema.oneOf)) {
    const n = schema.oneOf.filter(passes).length;
    if (n !== 1) report.causes.push({ type: 'FieldValueInvalid', field: path, message: `Invalid value: ${n === 0 ? 'must validate one and only one schema (oneOf). Found none valid' : `must validate one and only one schema (oneOf). Found ${n} valid alternatives`}` });
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some(passes)) report.causes.push({ type: 'FieldValueInvalid', field: path, message: 'Invalid value: must validate at least one schema (anyOf)' });
  if (Array.isArray(schema.allOf) && !schema.allOf.every(passes)) report.causes.push({ type: 'FieldValueInvalid', field: path, message: 'Invalid value: must validate all the schemas (allOf)' });
  if (isObject(schema.not) && passes(schema.not)) report.causes.push({ type: 'FieldValueInvalid', field: path, message: 'Invalid value: must not validate the schema (not)' });
}

const patterns = new Map<string, RegExp>();
function pattern(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    // Unicode mode first (code points, like RE2); some escapes RE2 takes are errors there, so fall back.
    try { re = new RegExp(source, 'u'); } catch { re = new RegExp(source); }
    patterns.set(source, re);
  }
  return re;
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'object': return isObject(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number';
    case 'boolean': return typeof v === 'boolean';
    default: return true;
  }
}

function typeCause(field: string, value: unknown, type: string): StatusCause {
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  return { type: 'FieldValueTypeInvalid', field, message: `Invalid value: ${JSON.stringify(actual)}: ${field} in body must be of type ${type}: ${JSON.stringify(actual)}` };
}
