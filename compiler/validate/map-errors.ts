/**
 * ajv error → Diagnostic, by keyword and params (never by message text), pointed at the precise YAML node:
 * the key for unknown properties and names, the value for type/enum/pattern problems, the parent's key for a
 * missing property.
 */
import { closest } from '../diagnostics/did-you-mean.ts';
import type { Diagnostic, SourceRange } from '../diagnostics/diagnostic.ts';
import { markSensitive } from '../diagnostics/sensitive.ts';
import type { DataPath, LoadedDocument } from '../model.ts';
import { isRecord, jsonType, toDataPath, type AjvError } from './ajv-types.ts';

const showValue = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}…` : s;
};

function describe(e: AjvError): string {
  const d = e.parentSchema?.description;
  return typeof d === 'string' ? ` ${d}` : '';
}

/** Keys that hold credentials (client_secret, apiKey, password, …): their values are never quoted back. */
const SECRET_KEY = /(?:pass(?:word|wd|phrase)|pwd|secret|token|api[-_\s]?key|private[-_\s]?key|credentials?|authorization)$/i;

export function mapAjvError(e: AjvError, doc: LoadedDocument): Diagnostic | undefined {
  const d = describeError(e, doc);
  // Under a credential key the value itself is masked in the source line, not just left out of the summary.
  return d && secretPath(toDataPath(e.instancePath, doc.value)) && typeof e.data === 'string' ? markSensitive(d) : d;
}

function secretPath(path: DataPath): boolean {
  return path.some((seg) => typeof seg === 'string' && SECRET_KEY.test(seg));
}

function describeError(e: AjvError, doc: LoadedDocument): Diagnostic | undefined {
  const path = toDataPath(e.instancePath, doc.value);
  const name = nameOf(path);
  const secret = secretPath(path);
  const show = (v: unknown): string => (secret && typeof v === 'string' ? 'the value' : showValue(v));
  const at = (p: DataPath, part: 'key' | 'value' = 'value'): SourceRange => doc.locate(p, part);
  const p = e.params as Record<string, unknown>;
  const err = (code: string, summary: string, range: SourceRange, detail?: string, suggestion?: string): Diagnostic => ({
    code,
    severity: 'error',
    summary,
    range,
    ...(detail ? { detail: detail.trim() } : {}),
    ...(suggestion !== undefined ? { suggestion } : {}),
  });

  switch (e.keyword) {
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const prop = String(p.additionalProperty ?? p.unevaluatedProperty);
      const allowed = isRecord(e.parentSchema?.properties) ? Object.keys(e.parentSchema.properties) : [];
      const used = isRecord(e.data) ? keysOf(e.data) : new Set<string>();
      const suggestion = closest(prop, allowed.filter((k) => !used.has(k)));
      return err(
        'SS2001',
        `Unknown property "${prop}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
        at([...path, prop], 'key'),
        allowed.length > 0 ? `Allowed ${path.length > 0 ? `under "${name}"` : 'at the top level'}: ${allowed.join(', ')}.` : `"${name}" takes no properties.`,
        suggestion,
      );
    }
    case 'required':
    case 'dependentRequired': {
      const missing = String(p.missingProperty);
      const propSchema = isRecord(e.parentSchema?.properties) ? e.parentSchema.properties[missing] : undefined;
      const desc = isRecord(propSchema) && typeof propSchema.description === 'string' ? ` "${missing}": ${propSchema.description}` : '';
      const because = e.keyword === 'dependentRequired' ? ` (required because "${String(p.property)}" is set)` : '';
      return err('SS2002', `Missing required property "${missing}"${path.length > 0 ? ` in "${name}"` : ''}${because}`, path.length > 0 ? at(path, 'key') : firstLine(at([])), desc);
    }
    case 'type': {
      const expected = Array.isArray(p.type) ? p.type.join(' or ') : String(p.type);
      return err('SS2003', `"${name}" must be ${expected}, not ${jsonType(e.data)}`, at(path), describe(e) || undefined);
    }
    case 'enum': {
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues : [];
      const suggestion = typeof e.data === 'string' ? closest(e.data, allowed.filter((x): x is string => typeof x === 'string')) : undefined;
      return err('SS2004', `${show(e.data)} is not an allowed value for "${name}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, at(path), `Allowed values: ${allowed.map(show).join(', ')}.${describe(e)}`, suggestion);
    }
    case 'const':
      return err('SS2004', `"${name}" must be ${show(p.allowedValue)}, not ${show(e.data)}`, at(path), describe(e) || undefined, typeof p.allowedValue === 'string' ? p.allowedValue : undefined);
    case 'pattern':
      if (e.propertyName !== undefined) break;
      return err('SS2005', `${show(e.data)} does not match the pattern for "${name}": ${String(p.pattern)}`, at(path), describe(e) || undefined);
    case 'format':
      if (e.propertyName !== undefined) break;
      return err('SS2006', `${show(e.data)} is not a valid ${String(p.format)} for "${name}"`, at(path), describe(e) || undefined);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return err('SS2007', `"${name}" is ${show(e.data)}; it must be ${String(p.comparison)} ${String(p.limit)}`, at(path), describe(e) || undefined);
    case 'multipleOf':
      return err('SS2007', `"${name}" is ${show(e.data)}; it must be a multiple of ${String(p.multipleOf)}`, at(path), describe(e) || undefined);
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties': {
      if (e.propertyName !== undefined) break;
      const unit = e.keyword.endsWith('Length') ? 'characters' : e.keyword.endsWith('Items') ? 'items' : 'properties';
      const bound = e.keyword.startsWith('min') ? 'at least' : 'at most';
      const actual = typeof e.data === 'string' ? [...e.data].length : Array.isArray(e.data) ? e.data.length : isRecord(e.data) ? Object.keys(e.data).length : 0;
      const keys = isRecord(e.data) && actual <= 6 ? ` (${Object.keys(e.data).map((k) => `"${k}"`).join(', ')})` : '';
      return err('SS2008', `"${name}" has ${actual} ${unit}${unit === 'properties' ? keys : ''}; it must have ${bound} ${String(p.limit)}`, at(path), describe(e) || undefined);
    }
    case 'uniqueItems': {
      const j = Number(p.j);
      const i = Number(p.i);
      const first = Math.min(i, j);
      const second = Math.max(i, j);
      const item = Array.isArray(e.data) ? e.data[second] : undefined;
      return err('SS2011', `${show(item)} appears twice in "${name}" (items ${first + 1} and ${second + 1})`, at([...path, second]), describe(e) || undefined);
    }
    case 'propertyNames':
      return err('SS2012', `Property name "${String(p.propertyName)}" is not allowed in "${name}"`, at([...path, String(p.propertyName)], 'key'), describe(e) || undefined);
    case 'if':
      return undefined; // the failing `then`/`else` branch has its own errors
    case 'false schema':
      return err('SS2001', `"${name}" is not allowed here`, at(path, 'key'));
    default:
      break;
  }
  if (e.propertyName !== undefined) return undefined; // inner errors of propertyNames: the propertyNames error names it
  return err('SS2013', `"${name}" breaks the schema rule "${e.keyword}"`, at(path), `Rule parameters: ${show(e.params)}.${describe(e)}`);
}

/** Key sets of objects with many errors are built once, not once per error. */
const keySets = new WeakMap<object, Set<string>>();
function keysOf(o: Record<string, unknown>): Set<string> {
  let set = keySets.get(o);
  if (!set) keySets.set(o, (set = new Set(Object.keys(o))));
  return set;
}

/** How a user names the node: the property name, or `triggers[1]` for a list item. */
export function nameOf(path: DataPath): string {
  const last = path[path.length - 1];
  if (last === undefined) return 'document';
  if (typeof last === 'number') return `${path.length > 1 ? String(path[path.length - 2]) : ''}[${last}]`;
  return last;
}

function firstLine(r: SourceRange): SourceRange {
  return r.end.line === r.start.line ? r : { file: r.file, start: r.start, end: r.start };
}

/**
 * A misspelt property ("trigers") also makes the one it should have been ("triggers") missing; the unknown
 * property diagnostic already suggests it, so the missing-property error is dropped.
 */
export function dropMisspeltRequired(errors: readonly AjvError[]): AjvError[] {
  const unknownAt = new Map<string, string[]>();
  for (const o of errors) {
    if (o.keyword !== 'additionalProperties') continue;
    const prop = String((o.params as { additionalProperty?: unknown }).additionalProperty);
    const list = unknownAt.get(o.instancePath);
    if (list) list.push(prop);
    else unknownAt.set(o.instancePath, [prop]);
  }
  return errors.filter((e) => {
    if (e.keyword !== 'required') return true;
    const missing = String((e.params as { missingProperty?: unknown }).missingProperty);
    return !(unknownAt.get(e.instancePath) ?? []).some((prop) => closest(prop, [missing]) === missing);
  });
}

/** One problem per value: a type error hides the others at the same place; a pattern error hides a length error. */
export function pruneSameValue(errors: readonly AjvError[]): AjvError[] {
  const byPath = new Map<string, Set<string>>();
  for (const e of errors) {
    const keys = byPath.get(e.instancePath);
    if (keys) keys.add(e.keyword);
    else byPath.set(e.instancePath, new Set([e.keyword]));
  }
  return errors.filter((e) => {
    const keys = byPath.get(e.instancePath) ?? new Set<string>();
    if (keys.has('type') && e.keyword !== 'type') return false;
    if (keys.has('pattern') && (e.keyword === 'minLength' || e.keyword === 'maxLength')) return false;
    if ((keys.has('enum') || keys.has('const')) && (e.keyword === 'pattern' || e.keyword.endsWith('Length'))) return false;
    return true;
  });
}
