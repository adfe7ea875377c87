/** The Yonyou U8 catalog (catalog.json) as typed data: entity fields drive emulator checks and cursor names. */
import { readFileSync } from 'node:fs';

export interface U8CatalogField {
  type: string;
  maxLength?: number;
  entity?: string;
  by?: string;
  readOnly?: boolean;
  requiredOnCreate?: boolean;
}

export interface U8CatalogEntity {
  keys: string[];
  cursor?: string;
  child?: boolean;
  fields: Record<string, U8CatalogField>;
}

export const U8_CATALOG = JSON.parse(readFileSync(new URL('./catalog.json', import.meta.url), 'utf8')) as { entities: Record<string, U8CatalogEntity> };

/** Top-level entities (customer, inventory, saleorder, dispatchlist). */
export const U8_ENTITIES: Record<string, U8CatalogEntity> = Object.fromEntries(Object.entries(U8_CATALOG.entities).filter(([, e]) => e.child !== true));

/** China Standard Time, the offset of every U8 time (no DST). */
export const CST_MINUTES = 480;

/** "2026-03-01T10:00:00.000" / ISO → U8's "2026-03-01 10:00:00". */
export function u8Time(local: string): string {
  return local.slice(0, 19).replace('T', ' ');
}
