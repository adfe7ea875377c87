/**
 * Phase 2, schema validation (SS2xxx): each loaded document against its kind's JSON Schema with ajv (draft
 * 2020-12, strict, allErrors, formats), every error mapped to the YAML node it is about.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../model.ts';
import type { AjvError } from './ajv-types.ts';
import { collapseAlternatives } from './alternatives.ts';
import { dropMisspeltRequired, mapAjvError, pruneSameValue } from './map-errors.ts';
import { SchemaSet } from './schemas.ts';

export { SchemaSet } from './schemas.ts';

let defaultSet: SchemaSet | undefined;

/** All schema problems of one document (empty when it is valid). Never throws. */
export function validateDocument(doc: LoadedDocument, schemas: SchemaSet = (defaultSet ??= new SchemaSet())): Diagnostic[] {
  const schema = schemas.get(doc.kind);
  if ('problem' in schema) {
    return [{ code: 'SS2014', severity: 'error', summary: `No usable schema for kind ${doc.kind}; the document was not schema-checked`, detail: schema.problem, range: doc.locate(['kind']) }];
  }
  if (schema.validate(doc.value)) return [];
  const raw = (schema.validate.errors ?? []) as AjvError[];
  const { errors, diagnostics } = collapseAlternatives(raw, doc, schema.root());
  const out = [...diagnostics];
  for (const e of pruneSameValue(dropMisspeltRequired(errors))) {
    const d = mapAjvError(e, doc);
    if (d) out.push(d);
  }
  return dedupe(out);
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.code}|${d.range?.start.offset}|${d.range?.end.offset}|${d.summary}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
