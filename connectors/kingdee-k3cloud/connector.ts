/**
 * Kingdee K3Cloud connector: incremental reads with ExecuteBillQuery on FModifyDate (offset-less China
 * Standard Time, converted to UTC for the cursor) with a keyset filter on (FModifyDate, pk), pk-ordered
 * scans, and idempotent upserts: look the business numbers up first, then BatchSave with pk 0 (create)
 * or the real id (update), results mapped back by DIndex.
 */
import type { Connector, CursorPosition, ItemResult, ReadPage, SourceRecord, UpsertItem } from '../../runtime/support/connector.ts';
import { decodeToken, encodeToken, isAfter, isPosition, localToUtcIso, utcToLocal } from '../shared/cursor.ts';
import { asConnectorError, CODES, ConnectorFailure, connectorError, rethrowIfCallerAborted, resultsForFailure, roundsByKey } from '../shared/errors.ts';
import { DEFAULT_KINGDEE_FORMS, KingdeeClient, statusOf, type KdStatus, type KingdeeConfig, type KingdeeFormConfig } from './client.ts';
import { unwrapReferences, wrapReferences } from './references.ts';

const CURSOR = 'FModifyDate';

/** FilterString literal: single quotes, a quote doubled. */
export function kdString(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

function kdName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', `not a Kingdee field key: ${JSON.stringify(name)}`));
  return name;
}

export class KingdeeConnector implements Connector {
  readonly system = 'kingdee-k3cloud';
  readonly maxBatchSize: number;
  readonly client: KingdeeClient;
  private readonly config: KingdeeConfig;
  private readonly offset: number;

  constructor(config: KingdeeConfig, now: () => number = Date.now) {
    this.config = config;
    this.client = new KingdeeClient(config, now);
    this.offset = config.utcOffsetMinutes ?? 480;
    this.maxBatchSize = config.maxBatchSize ?? 100;
  }

  private form(formId: string): KingdeeFormConfig {
    const f = this.config.forms?.[formId] ?? DEFAULT_KINGDEE_FORMS[formId];
    if (!f) throw new ConnectorFailure(connectorError(CODES.unknownEntity, 'bad-mapping', `form ${formId} is not configured on this Kingdee connection`));
    return f;
  }

  private get maxLimit(): number {
    return this.config.maxQueryLimit ?? 2000;
  }

  /** Runs ExecuteBillQuery and returns rows, throwing on errors nested in the array. */
  private async query(formId: string, data: Record<string, unknown>, signal?: AbortSignal): Promise<unknown[][]> {
    const json = await this.client.call('ExecuteBillQuery', formId, { FormId: formId, TopRowCount: 0, ...data }, signal);
    const nested = statusOf(json);
    if (nested) throw new ConnectorFailure(statusError(nested, CODES.queryRejected));
    if (!Array.isArray(json) || !json.every(Array.isArray)) throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', 'kingdee query reply is not an array of rows'));
    return json as unknown[][];
  }

  private toRecord(f: KingdeeFormConfig, keys: string[], row: unknown[]): SourceRecord {
    const data: Record<string, unknown> = {};
    keys.forEach((k, i) => (data[k] = row[i] ?? null));
    const id = String(data[f.pk]);
    const local = data[CURSOR];
    const cursor = typeof local === 'string' ? localToUtcIso(local, this.offset) : undefined;
    const rec: SourceRecord = { id, version: cursor ?? id, data };
    if (cursor !== undefined) rec.cursor = cursor;
    if (data.FModifierId !== undefined && data.FModifierId !== null && data.FModifierId === this.config.username) rec.echo = true;
    return rec;
  }

  /**
   * Reads the entry rows of these records with one query per entry collection and attaches them as
   * arrays (`data.FSaleOrderEntry = [{FEntryID, FMaterialId.FNumber, …}]`), in entry-id order.
   */
  private async attachEntries(formId: string, f: KingdeeFormConfig, records: SourceRecord[], signal?: AbortSignal): Promise<void> {
    if (records.length === 0) return;
    for (const [entry, def] of Object.entries(f.entries ?? {})) {
      const entryId = `${kdName(entry)}_${kdName(def.pk)}`;
      const keys = [kdName(f.pk), entryId, ...def.fields.map(kdName)];
      const ids = records.map((r) => r.id).filter((id) => /^\d{1,15}$/.test(id));
      const byParent = new Map<string, Record<string, unknown>[]>();
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        let start = 0;
        for (;;) {
          const rows = await this.query(formId, { FieldKeys: keys.join(','), FilterString: `${f.pk} IN (${chunk.join(',')})`, OrderString: `${f.pk} ASC,${entryId} ASC`, StartRow: start, Limit: this.maxLimit }, signal);
          for (const row of rows) {
            if (row[1] === null || row[1] === undefined || row[1] === 0) continue; // a bill without entry rows
            const item: Record<string, unknown> = { [def.pk]: row[1] };
            def.fields.forEach((k, j) => (item[k] = row[j + 2] ?? null));
            const parent = String(row[0]);
            let list = byParent.get(parent);
            if (!list) byParent.set(parent, (list = []));
            list.push(item);
          }
          if (rows.length < this.maxLimit) break;
          start += rows.length;
        }
      }
      for (const r of records) r.data[entry] = byParent.get(r.id) ?? [];
    }
    // References read as `FCustId.FNumber` columns also appear as the mapping form `FCustId`.
    for (const r of records) unwrapReferences(r.data, formId);
  }

  private keys(f: KingdeeFormConfig): string[] {
    return [...new Set([f.pk, f.number, CURSOR, ...f.fields])].map(kdName);
  }

  async readChanges(entity: string, since: CursorPosition | undefined, page: { next?: string; limit: number }, signal?: AbortSignal): Promise<ReadPage> {
    try {
      const f = this.form(entity);
      const from = page.next !== undefined ? decodeToken(page.next, isPosition) : since;
      if (page.next !== undefined && from === undefined) throw new ConnectorFailure(connectorError(CODES.badReply, 'bad-mapping', 'page token is not a Kingdee position'));
      let filter = '';
      if (from) {
        const local = utcToLocal(from.at, this.offset);
        if (local === undefined) throw new ConnectorFailure(connectorError(CODES.badReply, 'bad-mapping', `cursor position "${from.at}" is not an ISO-8601 instant`));
        // Tie-safe keyset: later modify dates, or the same one with a greater primary key.
        filter = /^\d{1,15}$/.test(from.id)
          ? `(${CURSOR} > ${kdString(local)} OR (${CURSOR} = ${kdString(local)} AND ${kdName(f.pk)} > ${from.id}))`
          : `${CURSOR} >= ${kdString(local)}`;
      }
      const limit = Math.max(1, Math.min(this.maxLimit, page.limit));
      const keys = this.keys(f);
      const rows = await this.query(entity, { FieldKeys: keys.join(','), FilterString: filter, OrderString: `${CURSOR} ASC,${f.pk} ASC`, StartRow: 0, Limit: limit }, signal);
      const records = rows.map((r) => this.toRecord(f, keys, r)).filter((r) => isAfter(r, from && from.id !== '' ? from : undefined));
      await this.attachEntries(entity, f, records, signal);
      const out: ReadPage = { records };
      const last = rows.length > 0 ? this.toRecord(f, keys, rows[rows.length - 1] as unknown[]) : undefined;
      if (rows.length >= limit && last?.cursor !== undefined) out.next = encodeToken({ at: last.cursor, id: last.id });
      if (last?.cursor !== undefined) out.checkpoint = { at: last.cursor, id: last.id };
      return out;
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  async *scan(entity: string, opts: { pageSize: number; signal?: AbortSignal; fields?: readonly string[] }): AsyncIterable<SourceRecord[]> {
    const f = this.form(entity);
    const keys = [...new Set([...this.keys(f), ...(opts.fields ?? []).map(kdName)])];
    const limit = Math.max(1, Math.min(this.maxLimit, opts.pageSize));
    let after: string | undefined;
    for (;;) {
      let records: SourceRecord[];
      try {
        const rows = await this.query(entity, { FieldKeys: keys.join(','), FilterString: after === undefined ? '' : `${f.pk} > ${after}`, OrderString: `${f.pk} ASC`, StartRow: 0, Limit: limit }, opts.signal);
        records = rows.map((r) => this.toRecord(f, keys, r));
        await this.attachEntries(entity, f, records, opts.signal);
      } catch (e) {
        rethrowIfCallerAborted(opts.signal);
        throw new ConnectorFailure(asConnectorError(this.system, e));
      }
      if (records.length > 0) yield records;
      if (records.length < limit) return;
      after = (records[records.length - 1] as SourceRecord).id;
    }
  }

  /** Existing primary keys by business number (a number may match several rows). */
  private async lookup(formId: string, f: KingdeeFormConfig, keyField: string, keys: string[], signal?: AbortSignal): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += 200) {
      const chunk = unique.slice(i, i + 200);
      const org = f.perOrg && this.config.useOrgNumber !== undefined ? ` AND FUseOrgId.FNumber = ${kdString(this.config.useOrgNumber)}` : '';
      const rows = await this.query(formId, { FieldKeys: `${kdName(f.pk)},${kdName(keyField)}`, FilterString: `${keyField} IN (${chunk.map(kdString).join(',')})${org}`, OrderString: `${f.pk} ASC`, StartRow: 0, Limit: this.maxLimit }, signal);
      for (const [pk, num] of rows) {
        const list = found.get(String(num)) ?? [];
        list.push(String(pk));
        found.set(String(num), list);
      }
    }
    return found;
  }

  async upsertBatch(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    const results: ItemResult[] = new Array<ItemResult>(items.length);
    let existing: Map<string, string[]>;
    let f: KingdeeFormConfig;
    try {
      f = this.form(entity);
      kdName(keyField);
      // Kingdee has no upsert: know which numbers exist, so a retried batch updates instead of creating twice.
      existing = await this.lookup(entity, f, keyField, items.map((i) => i.key), signal);
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return resultsForFailure(items, asConnectorError(this.system, e));
    }
    for (const round of roundsByKey(items)) {
      for (let i = 0; i < round.length; i += this.maxBatchSize) {
        const chunk = round.slice(i, i + this.maxBatchSize);
        const send: { item: UpsertItem; index: number; pk: string }[] = [];
        for (const c of chunk) {
          const ids = existing.get(c.item.key) ?? [];
          if (ids.length > 1) {
            results[c.index] = { key: c.item.key, status: 'reject', error: connectorError(CODES.ambiguousKey, 'rejected', `${ids.length} ${entity} records have ${keyField} ${c.item.key}`, { vendorCode: 'DUPLICATE_NUMBER' }) };
          } else send.push({ ...c, pk: ids[0] ?? '0' });
        }
        if (send.length === 0) continue;
        const out = await this.save(entity, f, keyField, send, signal);
        send.forEach((s, j) => {
          const r = out[j] as ItemResult;
          results[s.index] = r;
          if (r.status === 'ok') existing.set(s.item.key, [r.targetId]);
        });
      }
    }
    return results;
  }

  private async save(formId: string, f: KingdeeFormConfig, keyField: string, send: { item: UpsertItem; pk: string }[], signal?: AbortSignal): Promise<ItemResult[]> {
    // Mappings yield base-data references as business numbers; the Save model wants `{FNumber: …}`.
    const models = send.map((s) => ({ ...wrapReferences(s.item.record, formId), [keyField]: s.item.record[keyField] ?? s.item.key, [f.pk]: Number(s.pk) }));
    let json;
    try {
      json = await this.client.call('BatchSave', formId, { Model: models, NeedUpDateFields: [], IsDeleteEntry: 'true', IsVerifyBaseDataField: 'true', BatchCount: 1 }, signal);
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return resultsForFailure(send.map((s) => s.item), asConnectorError(this.system, e));
    }
    const status = statusOf(json);
    if (!status) return resultsForFailure(send.map((s) => s.item), connectorError(CODES.badReply, 'retryable', 'kingdee BatchSave reply has no ResponseStatus'));
    const unindexed = status.errors.filter((e) => typeof e.DIndex !== 'number');
    // By model index once, not a search of the whole reply per model.
    const successes = new Map<number, (typeof status.successes)[number]>();
    for (const x of status.successes) if (!successes.has(Number(x.DIndex))) successes.set(Number(x.DIndex), x);
    return send.map((s, i): ItemResult => {
      const ok = successes.get(i);
      if (ok && ok.Id !== undefined) return { key: s.item.key, status: 'ok', targetId: String(ok.Id), created: s.pk === '0' };
      const errs = status.errors.filter((e) => Number(e.DIndex) === i);
      if (errs.length > 0 || unindexed.length > 0) {
        const error = statusError({ ...status, errors: errs.length > 0 ? errs : unindexed }, CODES.rejected);
        return error.class === 'retryable' ? { key: s.item.key, status: 'retry', error } : { key: s.item.key, status: 'reject', error };
      }
      return { key: s.item.key, status: 'retry', error: connectorError(CODES.badReply, 'retryable', `kingdee returned no result for model ${i}`) };
    });
  }

  async findKeys(entity: string, keyField: string, keys: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
    try {
      const f = this.form(entity);
      kdName(keyField);
      const found = await this.lookup(entity, f, keyField, [...keys], signal);
      return new Map([...found].map(([k, ids]) => [k, ids[0] as string]));
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  /**
   * Delete by business number: look the primary keys up (per use organisation), then `Delete` by Ids,
   * results mapped back by DIndex. Audited documents refuse (Kingdee wants UnAudit first): rejected.
   */
  async deleteBatch(entity: string, keyField: string, keys: readonly string[], signal?: AbortSignal): Promise<ItemResult[]> {
    let existing: Map<string, string[]>;
    try {
      const f = this.form(entity);
      kdName(keyField);
      existing = await this.lookup(entity, f, keyField, [...keys], signal);
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return resultsForFailure(keys.map((key) => ({ key })), asConnectorError(this.system, e));
    }
    const results: ItemResult[] = keys.map((key) => ({ key, status: 'ok', targetId: '' }));
    const send = keys.flatMap((key, index) => (existing.get(key) ?? []).map((pk) => ({ key, index, pk })));
    for (let i = 0; i < send.length; i += this.maxBatchSize) {
      const chunk = send.slice(i, i + this.maxBatchSize);
      let status: KdStatus | undefined;
      try {
        status = statusOf(await this.client.call('Delete', entity, { CreateOrgId: 0, Numbers: [], Ids: chunk.map((c) => c.pk).join(',') }, signal));
      } catch (e) {
        rethrowIfCallerAborted(signal);
        const error = asConnectorError(this.system, e);
        for (const c of chunk) results[c.index] = error.class === 'retryable' || error.class === 'throttled' ? { key: c.key, status: 'retry', error } : { key: c.key, status: 'reject', error };
        continue;
      }
      chunk.forEach((c, j) => {
        const errs = status?.errors.filter((e) => Number(e.DIndex) === j) ?? [];
        if (!status) results[c.index] = { key: c.key, status: 'retry', error: connectorError(CODES.badReply, 'retryable', 'kingdee Delete reply has no ResponseStatus') };
        else if (errs.length > 0) {
          const error = statusError({ ...status, errors: errs }, CODES.rejected);
          results[c.index] = error.class === 'retryable' ? { key: c.key, status: 'retry', error } : { key: c.key, status: 'reject', error };
        } else if (results[c.index]?.status === 'ok') results[c.index] = { key: c.key, status: 'ok', targetId: c.pk };
      });
    }
    return results;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** A business failure reported with HTTP 200: metadata errors naming a field are mapping problems. */
function statusError(s: KdStatus, fallback: typeof CODES.rejected | typeof CODES.queryRejected) {
  const message = s.errors.map((e) => (e.FieldName ? `${e.FieldName}: ${e.Message ?? ''}` : (e.Message ?? ''))).join('; ') || 'IsSuccess false without errors';
  const vendorCode = `MsgCode ${s.msgCode ?? '?'}`;
  if (s.msgCode === 1) return connectorError(CODES.sessionLost, 'retryable', message, { vendorCode });
  if (s.msgCode === 9 && s.errors.some((e) => e.FieldName)) return connectorError(CODES.badMapping, 'bad-mapping', message, { vendorCode });
  if (fallback === CODES.queryRejected) return connectorError(CODES.queryRejected, 'bad-mapping', message, { vendorCode });
  return connectorError(CODES.rejected, 'rejected', message, { vendorCode });
}

export function createKingdeeConnector(config: KingdeeConfig, now?: () => number): KingdeeConnector {
  return new KingdeeConnector(config, now);
}
