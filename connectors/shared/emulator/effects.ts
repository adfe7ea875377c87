/**
 * Counts every write effect an emulator applies, per entity and business key, so tests can prove
 * "no duplicate effect": a key created twice, or updated more often than the flow sent it, shows here.
 */
export type EffectKind = 'create' | 'update' | 'delete';

export interface EffectRow {
  entity: string;
  key: string;
  creates: number;
  updates: number;
  deletes: number;
}

export class EffectCounter {
  private readonly rowsByKey = new Map<string, EffectRow>();

  record(entity: string, key: string, kind: EffectKind): void {
    const id = `${entity}\u0000${key}`;
    let row = this.rowsByKey.get(id);
    if (!row) {
      row = { entity, key, creates: 0, updates: 0, deletes: 0 };
      this.rowsByKey.set(id, row);
    }
    if (kind === 'create') row.creates++;
    else if (kind === 'update') row.updates++;
    else row.deletes++;
  }

  get(entity: string, key: string): EffectRow {
    return { ...(this.rowsByKey.get(`${entity}\u0000${key}`) ?? { entity, key, creates: 0, updates: 0, deletes: 0 }) };
  }

  /** Sorted by entity then key: deterministic output for tests and the admin endpoint. */
  rows(entity?: string): EffectRow[] {
    return [...this.rowsByKey.values()]
      .filter((r) => entity === undefined || r.entity === entity)
      .map((r) => ({ ...r }))
      .sort((a, b) => (a.entity === b.entity ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.entity < b.entity ? -1 : 1));
  }

  reset(): void {
    this.rowsByKey.clear();
  }
}
