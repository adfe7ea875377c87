/** The Zoho CRM catalog (catalog.json) as typed data: module fields drive read field lists and emulator checks. */
import { readFileSync } from 'node:fs';

export interface ZohoCatalogField {
  type: string;
  maxLength?: number;
  values?: string[];
  entity?: string;
  /** Field of the referenced record a `reference` is made by (`id`). */
  by?: string;
  readOnly?: boolean;
  requiredOnCreate?: boolean;
}

export interface ZohoCatalogEntity {
  keys: string[];
  cursor?: string;
  child?: boolean;
  fields: Record<string, ZohoCatalogField>;
}

export const ZOHO_CATALOG = JSON.parse(readFileSync(new URL('./catalog.json', import.meta.url), 'utf8')) as { entities: Record<string, ZohoCatalogEntity> };

/** Modules (non-child catalog entities) by API name. */
export const ZOHO_MODULES: Record<string, ZohoCatalogEntity> = Object.fromEntries(Object.entries(ZOHO_CATALOG.entities).filter(([, e]) => e.child !== true));
