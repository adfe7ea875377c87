/** `lookup(table, key)` for transforms, over the LookupTables a worker was given. */
export interface LookupTableData {
  entries: Record<string, string | number>;
  default?: string | number;
}

export function lookupFn(tables: Readonly<Record<string, LookupTableData>>) {
  return (table: string, key: string | number): string | number | undefined => {
    const t = tables[table];
    if (!t) return undefined;
    const k = String(key);
    return Object.hasOwn(t.entries, k) ? t.entries[k] : t.default;
  };
}
