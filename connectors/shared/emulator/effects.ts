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
  /** Entity → key → row: no key string is built per write (a backfill records a million of them). */
  private readonly byEntity = new Map<string, Map<string, EffectRow>>();

  record(entity: string, key: string, kind: EffectKind): void {
    let rows = this.byEntity.get(entity);
    if (!rows) this.byEntity.set(entity, (rows = new Map()));
    let row = rows.get(key);
    if (!row) {
      row = { entity, key, creates: 0, updates: 0, deletes: 0 };
      rows.set(key, row);
    }
    if (kind === 'create') row.creates++;
    else if (kind === 'update') row.updates++;
    else row.deletes++;
  }

  get(entity: string, key: string): EffectRow {
    return { ...(this.byEntity.get(entity)?.get(key) ?? { entity, key, creates: 0, updates: 0, deletes: 0 }) };
  }

  /** Sorted by entity then key: deterministic output for tests and the admin endpoint. */
  rows(entity?: string): EffectRow[] {
    const entities = entity === undefined ? [...this.byEntity.keys()] : [entity];
    return entities
      .flatMap((e) => [...(this.byEntity.get(e)?.values() ?? [])])
      .map((r) => ({ ...r }))
      .sort((a, b) => (a.entity === b.entity ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.entity < b.entity ? -1 : 1));
  }

  reset(): void {
    this.byEntity.clear();
  }
}
