/** Examples are data: their input must look like the source entity, their expectations name mapped fields. */
import type { Catalog, EntityDef, FieldDef } from '../catalog/types.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { DataPath, FieldMapping, LoadedDocument, SyncSpecBody } from '../model.ts';
import { closest } from '../diagnostics/did-you-mean.ts';
import { entityIn } from './scope.ts';
import type { ResolvedEndpoint } from './types.ts';

type Example = NonNullable<SyncSpecBody['examples']>[number];

export function checkExamples(
  doc: LoadedDocument,
  body: SyncSpecBody,
  source: ResolvedEndpoint,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const paths = fieldPaths(body.fields);
  (body.examples ?? []).forEach((example: Example, i) => {
    const at: DataPath = ['spec', 'examples', i];
    if (isRecord(example.input)) {
      checkRecord(doc, source.catalog, source.entityName, source.entity, example.input, [...at, 'input'], out);
    }
    if (example.expect === undefined && example.expectErrors === undefined && example.expectFiltered === undefined) {
      out.push({
        code: 'SS3211',
        severity: 'error',
        summary: `example "${example.name}" has no expect, expectErrors or expectFiltered`,
        range: doc.locate(at),
      });
    }
    if (example.expectFiltered === true && body.filter === undefined) {
      out.push({
        code: 'SS3212',
        severity: 'error',
        summary: `example "${example.name}" expects to be filtered but the spec has no filter`,
        range: doc.locate([...at, 'expectFiltered'], 'key'),
      });
    }
    for (const key of Object.keys(example.expectErrors ?? {}).sort()) {
      const shape = key.replace(/\[\d+\]/g, '[]');
      // An unmapped first segment is the semantic checks' SS3017; this catches the rest of the path.
      const first = /^[^.[]+/.exec(key)?.[0] ?? key;
      if (!paths.has(shape) && Object.hasOwn(body.fields, first)) {
        const d: Diagnostic = {
          code: 'SS3210',
          severity: 'error',
          summary: `expectErrors names "${key}", which the mapping does not write`,
          range: doc.locate([...at, 'expectErrors', key], 'key'),
        };
        const suggestion = closest(shape, paths);
        if (suggestion !== undefined) d.suggestion = suggestion;
        out.push(d);
      }
    }
  });
  return out;
}

/** Every target field path the spec writes (`FSaleOrderEntry`, `FSaleOrderEntry[].FQty`), compiled or not. */
function fieldPaths(mappings: Record<string, FieldMapping>, prefix = '', out = new Set<string>()): Set<string> {
  for (const [name, mapping] of Object.entries(mappings)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    out.add(path);
    if (typeof mapping === 'object' && mapping !== null && 'each' in mapping) fieldPaths(mapping.fields, `${path}[]`, out);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkRecord(
  doc: LoadedDocument,
  catalog: Catalog,
  entityName: string,
  entity: EntityDef,
  data: Record<string, unknown>,
  path: DataPath,
  out: Diagnostic[],
): void {
  const known = Object.keys(entity.fields);
  for (const key of Object.keys(data).sort()) {
    const def = Object.hasOwn(entity.fields, key) ? entity.fields[key] : undefined;
    if (!def) {
      const d: Diagnostic = {
        code: 'SS3208',
        severity: 'warning',
        summary: `example input field "${key}" is not a field of ${entityName}`,
        range: doc.locate([...path, key], 'key'),
      };
      const suggestion = closest(key, known.filter((k) => !Object.hasOwn(data, k)));
      if (suggestion !== undefined) {
        d.suggestion = suggestion;
        d.detail = `Did you mean "${suggestion}"?`;
      }
      out.push(d);
      continue;
    }
    checkValue(doc, catalog, entityName, key, def, data[key], [...path, key], out);
  }
}

function checkValue(
  doc: LoadedDocument,
  catalog: Catalog,
  entityName: string,
  key: string,
  def: FieldDef,
  value: unknown,
  path: DataPath,
  out: Diagnostic[],
): void {
  if (value === null) {
    if (def.nullable !== true) {
      out.push(wrongType(doc, path, `${entityName}.${key} is not nullable, but the example gives null`));
    }
    return;
  }
  if (def.type === 'record' || def.type === 'list') {
    const child = entityIn(catalog, def.entity);
    if (def.type === 'record') {
      if (!isRecord(value)) out.push(wrongType(doc, path, `${entityName}.${key} is a ${def.entity} record; give an object`));
      else if (child) checkRecord(doc, catalog, def.entity, child, value, path, out);
      return;
    }
    if (!Array.isArray(value)) {
      out.push(wrongType(doc, path, `${entityName}.${key} is a list of ${def.entity}; give an array`));
      return;
    }
    value.forEach((row, i) => {
      if (!isRecord(row)) out.push(wrongType(doc, [...path, i], `${entityName}.${key}[${i}] must be a ${def.entity} object`));
      else if (child) checkRecord(doc, catalog, def.entity, child, row, [...path, i], out);
    });
    return;
  }
  const problem = scalarProblem(def, value);
  if (problem !== undefined) out.push(wrongType(doc, path, `${entityName}.${key} ${problem}`));
}

/** The wire shape a system sends a scalar in; `undefined` when `value` fits. */
export function scalarProblem(def: FieldDef, value: unknown): string | undefined {
  switch (def.type) {
    case 'string':
    case 'reference':
      return typeof value === 'string' || (def.type === 'reference' && isRecord(value)) ? undefined : `is text, not ${kindOf(value)}`;
    case 'enum':
      return typeof value === 'string' && def.values.includes(value) ? undefined : `is one of ${def.values.join(', ')}`;
    case 'date':
    case 'datetime':
      return typeof value === 'string' || typeof value === 'number' ? undefined : `is a ${def.type} in text, not ${kindOf(value)}`;
    case 'integer':
      return Number.isSafeInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value)) ? undefined : `is an integer, not ${kindOf(value)}`;
    case 'decimal':
    case 'double':
      return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value))
        ? undefined
        : `is a number, not ${kindOf(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `is true or false, not ${kindOf(value)}`;
    case 'record':
    case 'list':
      return undefined;
  }
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function wrongType(doc: LoadedDocument, path: DataPath, summary: string): Diagnostic {
  return { code: 'SS3209', severity: 'error', summary, range: doc.locate(path) };
}
