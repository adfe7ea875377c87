/** Small in-test implementations of the connector and transform contracts, and a plan builder. */
import type { Plan } from '../../compiler/plan/types.ts';
import type { Connector, ItemResult, ReadPage, SourceRecord, UpsertItem, CursorPosition } from '../../runtime/support/connector.ts';
import type { CompiledTransform, TransformContext } from '../../runtime/support/transform.ts';

export function makePlan(over: Partial<Plan> & { name: string }): Plan {
  return {
    apiVersion: 'syncspec.dev/v1',
    version: '1.0.0',
    owner: 'test@example.com',
    file: `specs/${over.name}.yaml`,
    source: { connection: 'crm', system: 'salesforce', entity: 'Account', key: 'Id' },
    target: { connection: 'erp', system: 'kingdee-k3cloud', entity: 'BD_Customer', key: 'FNumber' },
    triggers: [{ webhook: { events: ['created', 'updated'] } }],
    delivery: { mode: 'upsert', batchSize: 10, maxWaitMs: 1000, retry: { attempts: 3, initialMs: 1000, maxMs: 60_000 }, deadLetter: true },
    lookups: [],
    refs: [],
    fields: [
      { field: 'FNumber', at: `specs/${over.name}.yaml:10:14` },
      { field: 'FName', at: `specs/${over.name}.yaml:11:12` },
    ],
    hash: 'test',
    ...over,
  };
}

/** Maps Account {Id, Name, Active} → BD_Customer {FNumber, FName}; a Name of "BAD" is a field error; Active=false is filtered. */
export const accountTransform: CompiledTransform = {
  filter: (s) => s.Active !== false,
  transform: (s, ctx: TransformContext) => {
    if (s.Name === 'BAD') return { ok: false, errors: [{ path: 'FName', message: 'name must not be BAD', at: 'specs/accounts.yaml:11:12', code: 'SS5117' }] };
    const parent = typeof s.ParentId === 'string' ? ctx.ref('parents', s.ParentId) : undefined;
    return { ok: true, value: { FNumber: s.Id, FName: s.Name, ...(parent !== undefined ? { FParentId: parent } : {}) } };
  },
};

export type Reply = (item: UpsertItem, call: number) => ItemResult;

/** A target that records every write and answers per item through `reply` (or throws when `fail` is set). */
export class MemoryConnector implements Connector {
  readonly system: string;
  readonly maxBatchSize: number;
  readonly calls: UpsertItem[][] = [];
  readonly records = new Map<string, Record<string, unknown>>();
  readonly writes = new Map<string, number>();
  reply: Reply = (item) => ({ key: item.key, status: 'ok', targetId: `T-${item.key}` });
  fail: Error | undefined;
  source: SourceRecord[] = [];
  pageSize = 2;

  constructor(system = 'kingdee-k3cloud', maxBatchSize = 100) {
    this.system = system;
    this.maxBatchSize = maxBatchSize;
  }

  async readChanges(_entity: string, since: CursorPosition | undefined, page: { next?: string; limit: number }): Promise<ReadPage> {
    const all = this.source
      .filter((r) => since === undefined || (r.cursor ?? '') >= since.at)
      .sort((a, b) => ((a.cursor ?? '') < (b.cursor ?? '') ? -1 : (a.cursor ?? '') > (b.cursor ?? '') ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const start = page.next ? Number(page.next) : 0;
    const size = Math.min(page.limit, this.pageSize);
    const records = all.slice(start, start + size);
    return start + size < all.length ? { records, next: String(start + size) } : { records };
  }

  async *scan(): AsyncIterable<SourceRecord[]> {
    yield [...this.source].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async upsertBatch(_entity: string, _keyField: string, items: readonly UpsertItem[]): Promise<ItemResult[]> {
    const call = this.calls.length;
    this.calls.push([...items]);
    if (this.fail) throw this.fail;
    return items.map((item) => {
      const r = this.reply(item, call);
      if (r.status === 'ok') {
        this.records.set(item.key, item.record);
        this.writes.set(item.key, (this.writes.get(item.key) ?? 0) + 1);
      }
      return r;
    });
  }

  async close(): Promise<void> {}
}
