/**
 * Lookup fields on the wire. Zoho reads a lookup as `{"name": "Acme", "id": "5725…"}` and writes it as
 * `{"id": "5725…"}`; mappings deal in the id itself (the catalog types these fields `reference` by
 * `id`, a CEL string). This shapes records between the two forms from the connector's own catalog,
 * line items (subform rows) included.
 */
import { ZOHO_CATALOG } from './catalog.ts';

type Catalog = typeof ZOHO_CATALOG;

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The write form: plain ids of lookup fields become `{ id }`; values already objects, and nulls, pass. */
export function wrapLookups(record: Record<string, unknown>, entity: string, catalog: Catalog = ZOHO_CATALOG): Record<string, unknown> {
  const fields = catalog.entities[entity]?.fields;
  if (!fields) return record;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(record)) {
    const def = fields[k];
    let shaped: unknown = v;
    if (def?.type === 'reference' && def.by !== undefined && (typeof v === 'string' || typeof v === 'number')) shaped = { [def.by]: String(v) };
    else if (def?.type === 'list' && def.entity !== undefined && Array.isArray(v)) shaped = v.map((row) => (isPlainRecord(row) ? wrapLookups(row, def.entity!, catalog) : row));
    if (shaped !== v) (out ??= { ...record })[k] = shaped;
  }
  return out ?? record;
}

/** The mapping form, in place: lookup objects become their id (`Account_Name: {name, id}` → the id). */
export function unwrapLookups(row: Record<string, unknown>, entity: string, catalog: Catalog = ZOHO_CATALOG): Record<string, unknown> {
  const fields = catalog.entities[entity]?.fields;
  if (!fields) return row;
  for (const [k, v] of Object.entries(row)) {
    const def = fields[k];
    if (def?.type === 'reference' && def.by !== undefined && isPlainRecord(v)) {
      const id = v[def.by];
      if (typeof id === 'string' || typeof id === 'number') row[k] = String(id);
    } else if (def?.type === 'list' && def.entity !== undefined && Array.isArray(v)) {
      for (const item of v) if (isPlainRecord(item)) unwrapLookups(item, def.entity, catalog);
    }
  }
  return row;
}
