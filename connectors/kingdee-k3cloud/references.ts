/**
 * Base-data references on the wire. Kingdee's Save model takes a reference as an object keyed by the
 * field the reference is made by (`"FCustId": {"FNumber": "C-1"}`), and ExecuteBillQuery reads it back
 * as a dotted column (`FCustId.FNumber`). Mappings deal in the business number itself ("C-1"): this
 * module shapes records between the two forms from the connector's own catalog (`catalog.json`), where a
 * field of type `reference` with `by: FNumber` is such a reference, in child lists and records too.
 */
import { readFileSync } from 'node:fs';

interface CatalogField {
  type: string;
  entity?: string;
  by?: string;
}

interface CatalogEntity {
  fields: Record<string, CatalogField>;
}

export interface ReferenceCatalog {
  entities: Record<string, CatalogEntity>;
}

export const KINGDEE_CATALOG = JSON.parse(readFileSync(new URL('./catalog.json', import.meta.url), 'utf8')) as ReferenceCatalog;

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The Save-model form of `record` (an entity of the catalog): plain values of reference fields become
 * `{ [by]: value }`, rows of child lists and child records likewise. Values already in object form,
 * nulls, and fields the catalog does not know pass unchanged (an empty reference is written as null by
 * the mapping, which Kingdee takes as "no reference").
 */
export function wrapReferences(record: Record<string, unknown>, entityName: string, catalog: ReferenceCatalog = KINGDEE_CATALOG): Record<string, unknown> {
  const entity = catalog.entities[entityName];
  if (!entity) return record;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(record)) {
    const def = entity.fields[k];
    if (!def) continue;
    const v = record[k];
    let shaped: unknown = v;
    if (def.type === 'reference' && def.by !== undefined && (typeof v === 'string' || typeof v === 'number')) shaped = { [def.by]: v };
    else if (def.type === 'list' && def.entity !== undefined && Array.isArray(v)) shaped = v.map((row) => (isPlainRecord(row) ? wrapReferences(row, def.entity!, catalog) : row));
    else if (def.type === 'record' && def.entity !== undefined && isPlainRecord(v)) shaped = wrapReferences(v, def.entity, catalog);
    if (shaped !== v) (out ??= { ...record })[k] = shaped;
  }
  return out ?? record;
}

/**
 * Adds the mapping form of references read as dotted columns: a row with `FCustId.FNumber: "C-1"`
 * also gets `FCustId: "C-1"` when the catalog says FCustId is a reference by FNumber (the dotted
 * column stays, for readers that asked for it by that name). Rows of child lists likewise.
 */
export function unwrapReferences(data: Record<string, unknown>, entityName: string, catalog: ReferenceCatalog = KINGDEE_CATALOG): Record<string, unknown> {
  const entity = catalog.entities[entityName];
  if (!entity) return data;
  for (const [k, v] of Object.entries(data)) {
    const dot = k.indexOf('.');
    if (dot > 0) {
      const field = k.slice(0, dot);
      const def = entity.fields[field];
      if (def?.type === 'reference' && def.by === k.slice(dot + 1) && !(field in data)) data[field] = v;
      continue;
    }
    const def = entity.fields[k];
    if (def?.type === 'list' && def.entity !== undefined && Array.isArray(v)) for (const row of v) if (isPlainRecord(row)) unwrapReferences(row, def.entity, catalog);
  }
  return data;
}
