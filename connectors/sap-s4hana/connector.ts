/**
 * SAP S/4HANA OData v2 connector (A_SalesOrder with items, A_BusinessPartner, A_Product, …).
 *
 * Reads: a keyset `$filter` on the change cursor — `LastChangeDateTime gt datetimeoffset'…'`, or the
 * business partner's LastChangeDate + LastChangeTime pair — with the entity key as tie-breaker and the
 * same `$orderby`, `$top` = page limit. A gateway may split the answer (`d.__next` with `$skiptoken`,
 * its own page size); readChanges then continues with a new keyset query from the last record instead
 * of the offset-based `__next`, which would skip a row whenever another one changed mid-read. Scans
 * (key order, where changes do not move rows) follow `__next` verbatim within each `$top` window.
 * Values come back in the catalog's types: `/Date(ms)/` dates as `YYYY-MM-DD`, `/Date(ms+0000)/` as
 * ISO UTC, Edm.Decimal as strings, expanded children as arrays.
 *
 * Writes: SAP has no upsert. The business keys of a batch are looked up first (`$filter=K eq 'a' or …`,
 * with the ETags); a missing key is created (deep insert for sales orders: `to_Item`), an existing one
 * patched with `If-Match` — on 412 the entity is re-read once for its new ETag and patched again.
 * Each record is its own request, run with bounded concurrency.
 */
import type { Connector, CursorPosition, ItemResult, ReadPage, SourceRecord, UpsertItem } from '../../runtime/support/connector.ts';
import { mapLimit } from '../shared/concurrency.ts';
import { decodeToken, encodeToken, isAfter, isPosition, toUtcIso } from '../shared/cursor.ts';
import { asConnectorError, CODES, ConnectorFailure, connectorError, rethrowIfCallerAborted, roundsByKey } from '../shared/errors.ts';
import { header, parseJson, type HttpResponse } from '../shared/http.ts';
import { SAP_CATALOG, SAP_ENTITY_SETS, SERVICE_ROOT, type SapEntitySet } from './catalog.ts';
import { SapClient, type SapConfig } from './client.ts';
import { keyPredicate, odataDateTime, odataDateTimeOffset, odataString, odataTime, parseODataDate, parseODataTime } from './odata.ts';

const LOOKUP_CHUNK = 10;
const DAY = 86_400_000;

interface Existing {
  keys: Record<string, unknown>;
  etag: string | undefined;
}

function propertyName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', `not an OData property name: ${JSON.stringify(name)}`));
  return name;
}

/** Wire value → catalog type: dates as YYYY-MM-DD, instants as ISO UTC, the rest as sent. */
function fromWire(set: string, raw: Record<string, unknown>): Record<string, unknown> {
  const fields = SAP_CATALOG.entities[set]?.fields ?? {};
  const nav = SAP_ENTITY_SETS[set]?.navigation ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === '__metadata') continue;
    if (typeof v === 'object' && v !== null && '__deferred' in v) continue;
    const child = nav[k];
    if (child !== undefined) {
      const rows = (v as { results?: unknown }).results;
      if (Array.isArray(rows)) out[k] = rows.map((r) => fromWire(child, r as Record<string, unknown>));
      continue;
    }
    const ms = parseODataDate(v);
    const type = fields[k]?.type;
    if (ms !== undefined) out[k] = type === 'date' ? new Date(ms).toISOString().slice(0, 10) : new Date(ms).toISOString();
    else out[k] = v;
  }
  return out;
}

/** Catalog-typed value → OData JSON: dates to /Date(ms)/, instants to /Date(ms+0000)/, decimals to strings. */
function toWire(set: string, record: Record<string, unknown>): Record<string, unknown> {
  const fields = SAP_CATALOG.entities[set]?.fields ?? {};
  const nav = SAP_ENTITY_SETS[set]?.navigation ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const child = nav[k];
    if (child !== undefined) {
      const rows = Array.isArray(v) ? v : (v as { results?: unknown } | null)?.results;
      out[k] = Array.isArray(rows) ? rows.map((r) => toWire(child, r as Record<string, unknown>)) : v;
      continue;
    }
    const type = fields[k]?.type;
    if (v === null || v === undefined) out[k] = v ?? null;
    else if ((type === 'date' || type === 'datetime') && typeof v === 'string' && parseODataDate(v) === undefined) {
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
      out[k] = Number.isNaN(ms) ? v : type === 'date' ? odataDateTime(ms) : odataDateTimeOffset(ms);
    } else if (type === 'decimal' && typeof v === 'number') out[k] = String(v);
    else out[k] = v;
  }
  return out;
}

export class SapConnector implements Connector {
  readonly system = 'sap-s4hana';
  readonly maxBatchSize: number;
  readonly client: SapClient;
  private readonly config: SapConfig;

  constructor(config: SapConfig, now: () => number = Date.now) {
    this.config = config;
    this.client = new SapClient(config, now);
    this.maxBatchSize = config.maxBatchSize ?? 20;
  }

  private set(name: string): SapEntitySet {
    const def = SAP_ENTITY_SETS[name];
    if (!def) throw new ConnectorFailure(connectorError(CODES.unknownEntity, 'bad-mapping', `entity set ${name} is not one the SAP connector serves (${Object.keys(SAP_ENTITY_SETS).join(', ')})`));
    return def;
  }

  private expandOf(set: string): Record<string, string> {
    const list = this.config.expand?.[set] ?? (set === 'A_SalesOrder' ? ['to_Item'] : []);
    return list.length > 0 ? { $expand: list.map(propertyName).join(',') } : {};
  }

  private idOf(def: SapEntitySet, row: Record<string, unknown>): string {
    return def.keys.map((k) => String(row[k] ?? '')).join(',');
  }

  private cursorOf(def: SapEntitySet, row: Record<string, unknown>): string | undefined {
    if (def.cursor === 'LastChangeDateTime') {
      const ms = parseODataDate(row.LastChangeDateTime);
      return ms === undefined ? (typeof row.LastChangeDateTime === 'string' ? toUtcIso(row.LastChangeDateTime) : undefined) : new Date(ms).toISOString();
    }
    if (def.cursor === 'LastChangeDate+LastChangeTime') {
      const day = parseODataDate(row.LastChangeDate);
      const time = parseODataTime(row.LastChangeTime) ?? 0;
      return day === undefined ? undefined : new Date(day + time).toISOString();
    }
    return undefined;
  }

  private toRecord(set: string, def: SapEntitySet, raw: Record<string, unknown>): SourceRecord {
    const id = this.idOf(def, raw);
    const cursor = this.cursorOf(def, raw);
    const etag = (raw.__metadata as { etag?: unknown } | undefined)?.etag;
    const rec: SourceRecord = { id, version: cursor ?? (typeof etag === 'string' ? etag : id), data: fromWire(set, raw) };
    if (cursor !== undefined) rec.cursor = cursor;
    if (typeof raw.LastChangedByUser === 'string' && raw.LastChangedByUser.toUpperCase() === this.config.username.toUpperCase()) rec.echo = true;
    return rec;
  }

  /** Keyset filter for "after this position" in the entity's cursor. */
  private afterFilter(def: SapEntitySet, pos: CursorPosition): { filter: string; orderby: string } {
    const key = propertyName(def.keys[0] as string);
    if (def.keys.length !== 1) throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', 'incremental reads need an entity set with a single key'));
    const ms = Date.parse(pos.at);
    if (Number.isNaN(ms)) throw new ConnectorFailure(connectorError(CODES.badReply, 'bad-mapping', `cursor position "${pos.at}" is not an ISO-8601 instant`));
    const id = odataString(pos.id);
    if (def.cursor === 'LastChangeDateTime') {
      const t = `datetimeoffset'${new Date(ms).toISOString()}'`;
      return {
        filter: pos.id === '' ? `LastChangeDateTime ge ${t}` : `(LastChangeDateTime gt ${t} or (LastChangeDateTime eq ${t} and ${key} gt ${id}))`,
        orderby: `LastChangeDateTime asc,${key} asc`,
      };
    }
    if (def.cursor === 'LastChangeDate+LastChangeTime') {
      const d = `datetime'${new Date(Math.floor(ms / DAY) * DAY).toISOString().slice(0, 19)}'`;
      const t = `time'${odataTime(ms % DAY)}'`;
      const sameDay = pos.id === '' ? `LastChangeTime ge ${t}` : `(LastChangeTime gt ${t} or (LastChangeTime eq ${t} and ${key} gt ${id}))`;
      return { filter: `(LastChangeDate gt ${d} or (LastChangeDate eq ${d} and ${sameDay}))`, orderby: `LastChangeDate asc,LastChangeTime asc,${key} asc` };
    }
    throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', 'this entity set has no change cursor: reconcile it with scan instead'));
  }

  private orderOf(def: SapEntitySet): string {
    const key = propertyName(def.keys[0] as string);
    if (def.cursor === 'LastChangeDateTime') return `LastChangeDateTime asc,${key} asc`;
    if (def.cursor === 'LastChangeDate+LastChangeTime') return `LastChangeDate asc,LastChangeTime asc,${key} asc`;
    throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', 'this entity set has no change cursor: reconcile it with scan instead'));
  }

  private async getCollection(def: SapEntitySet, url: string, signal?: AbortSignal): Promise<{ rows: Record<string, unknown>[]; next?: string }> {
    const res = await this.client.call('GET', def.service, url, { signal });
    if (res.status !== 200) throw this.client.failureFor(res);
    const d = (parseJson(res.body) as { d?: { results?: unknown; __next?: unknown } } | undefined)?.d;
    if (!d || !Array.isArray(d.results)) throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', 'sap-s4hana collection reply lacks d.results'));
    const out: { rows: Record<string, unknown>[]; next?: string } = { rows: d.results as Record<string, unknown>[] };
    if (typeof d.__next === 'string') out.next = d.__next;
    return out;
  }

  /** A `__next` link is followed only inside the configured system and the same service. */
  private checkedNext(def: SapEntitySet, next: string): string {
    const root = new URL(`${SERVICE_ROOT}${def.service}/`, this.config.baseUrl);
    const target = new URL(next, root);
    if (target.origin !== root.origin || !target.pathname.startsWith(root.pathname)) throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', 'sap-s4hana __next points outside the service'));
    return target.toString();
  }

  async readChanges(entity: string, since: CursorPosition | undefined, page: { next?: string; limit: number }, signal?: AbortSignal): Promise<ReadPage> {
    try {
      const def = this.set(entity);
      let from = since;
      if (page.next !== undefined) {
        from = decodeToken(page.next, isPosition);
        if (!from) throw new ConnectorFailure(connectorError(CODES.badReply, 'bad-mapping', 'page token is not an SAP position'));
      }
      const limit = Math.max(1, Math.min(5000, page.limit));
      const params: Record<string, string> = { ...(from ? { $filter: this.afterFilter(def, from).filter } : {}), $orderby: this.orderOf(def), $top: String(limit), ...this.expandOf(entity) };
      const got = await this.getCollection(def, this.client.url(def.service, entity, params), signal);
      const records = got.rows.map((r) => this.toRecord(entity, def, r)).filter((r) => isAfter(r, from));
      const out: ReadPage = { records };
      const last = records[records.length - 1];
      if (last?.cursor !== undefined) {
        out.checkpoint = { at: last.cursor, id: last.id };
        if (got.rows.length >= limit || got.next !== undefined) out.next = encodeToken(out.checkpoint);
      }
      return out;
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  async *scan(entity: string, opts: { pageSize: number; signal?: AbortSignal }): AsyncIterable<SourceRecord[]> {
    const top = Math.max(1, Math.min(5000, opts.pageSize));
    let after: string | undefined;
    for (;;) {
      let got = 0;
      let last: SourceRecord | undefined;
      let url: string | undefined;
      let def: SapEntitySet;
      try {
        def = this.set(entity);
        const key = propertyName(def.keys[0] as string);
        if (def.keys.length !== 1) throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', 'scans need an entity set with a single key'));
        url = this.client.url(def.service, entity, { ...(after !== undefined ? { $filter: `${key} gt ${odataString(after)}` } : {}), $orderby: `${key} asc`, $top: String(top), ...this.expandOf(entity) });
      } catch (e) {
        throw new ConnectorFailure(asConnectorError(this.system, e));
      }
      while (url !== undefined) {
        let page;
        try {
          page = await this.getCollection(def, url, opts.signal);
          url = page.next !== undefined ? this.checkedNext(def, page.next) : undefined;
        } catch (e) {
          rethrowIfCallerAborted(opts.signal);
          throw new ConnectorFailure(asConnectorError(this.system, e));
        }
        const records = page.rows.map((r) => this.toRecord(entity, def, r));
        got += records.length;
        if (records.length > 0) {
          last = records[records.length - 1];
          yield records;
        }
      }
      if (got < top || last === undefined) return;
      after = last.id;
    }
  }

  /** Existing entities by business key value, with their ETags. */
  private async lookup(entity: string, def: SapEntitySet, keyField: string, keys: string[], signal?: AbortSignal): Promise<Map<string, Existing[]>> {
    const found = new Map<string, Existing[]>();
    const unique = [...new Set(keys)];
    const select = [...new Set([...def.keys, keyField])].map(propertyName).join(',');
    for (let i = 0; i < unique.length; i += LOOKUP_CHUNK) {
      const chunk = unique.slice(i, i + LOOKUP_CHUNK);
      let url: string | undefined = this.client.url(def.service, entity, { $filter: chunk.map((k) => `${keyField} eq ${odataString(k)}`).join(' or '), $select: select });
      while (url !== undefined) {
        const page = await this.getCollection(def, url, signal);
        for (const r of page.rows) {
          const k = String(r[keyField]);
          const etag = (r.__metadata as { etag?: unknown } | undefined)?.etag;
          found.set(k, [...(found.get(k) ?? []), { keys: Object.fromEntries(def.keys.map((n) => [n, r[n]])), etag: typeof etag === 'string' ? etag : undefined }]);
        }
        url = page.next !== undefined ? this.checkedNext(def, page.next) : undefined;
      }
    }
    return found;
  }

  async findKeys(entity: string, keyField: string, keys: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
    try {
      const def = this.set(entity);
      propertyName(keyField);
      const found = await this.lookup(entity, def, keyField, [...keys], signal);
      return new Map([...found].map(([k, matches]) => [k, this.idOf(def, (matches[0] as Existing).keys)]));
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  async upsertBatch(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    const results: ItemResult[] = new Array<ItemResult>(items.length);
    let def: SapEntitySet;
    let existing: Map<string, Existing[]>;
    try {
      def = this.set(entity);
      propertyName(keyField);
      existing = await this.lookup(entity, def, keyField, items.map((i) => i.key), signal);
    } catch (e) {
      rethrowIfCallerAborted(signal);
      const error = asConnectorError(this.system, e);
      return items.map((it): ItemResult => (error.class === 'retryable' || error.class === 'throttled' ? { key: it.key, status: 'retry', error } : { key: it.key, status: 'reject', error }));
    }
    for (const round of roundsByKey(items)) {
      const out = await mapLimit(round, this.config.concurrency ?? 4, (c) => this.upsertOne(entity, def, keyField, c.item, existing, signal));
      round.forEach((c, j) => (results[c.index] = out[j] as ItemResult));
    }
    return results;
  }

  private failed(key: string, res: HttpResponse): ItemResult {
    const error = this.client.failureFor(res).error;
    return error.class === 'retryable' || error.class === 'throttled' ? { key, status: 'retry', error } : { key, status: 'reject', error };
  }

  private async upsertOne(entity: string, def: SapEntitySet, keyField: string, item: UpsertItem, existing: Map<string, Existing[]>, signal?: AbortSignal): Promise<ItemResult> {
    const matches = existing.get(item.key) ?? [];
    if (matches.length > 1) {
      return { key: item.key, status: 'reject', error: connectorError(CODES.ambiguousKey, 'rejected', `${matches.length} ${entity} entities have ${keyField} ${item.key}`, { vendorCode: 'AMBIGUOUS_KEY' }) };
    }
    const record = { ...item.record, [keyField]: item.record[keyField] ?? item.key };
    try {
      const match = matches[0];
      if (!match) {
        const res = await this.client.call('POST', def.service, this.client.url(def.service, entity), { body: toWire(entity, record), signal });
        if (res.status !== 201) return this.failed(item.key, res);
        const d = (parseJson(res.body) as { d?: Record<string, unknown> } | undefined)?.d;
        if (!d) return { key: item.key, status: 'retry', error: connectorError(CODES.badReply, 'retryable', 'sap-s4hana created an entity but returned no d') };
        const etag = header(res, 'etag') ?? (d.__metadata as { etag?: string } | undefined)?.etag;
        existing.set(item.key, [{ keys: Object.fromEntries(def.keys.map((n) => [n, d[n]])), etag }]);
        return { key: item.key, status: 'ok', targetId: this.idOf(def, d), created: true };
      }
      // Children are not replaced by PATCH in OData v2: only header properties are updated.
      const changes = toWire(entity, Object.fromEntries(Object.entries(record).filter(([k]) => def.navigation?.[k] === undefined)));
      const path = `${entity}${keyPredicate(def.keys, match.keys)}`;
      let etag = match.etag;
      for (let attempt = 0; ; attempt++) {
        const res = await this.client.call('PATCH', def.service, this.client.url(def.service, path), { body: changes, headers: etag !== undefined ? { 'if-match': etag } : {}, signal });
        if (res.status === 204 || res.status === 200) {
          existing.set(item.key, [{ keys: match.keys, etag: header(res, 'etag') ?? etag }]);
          return { key: item.key, status: 'ok', targetId: this.idOf(def, match.keys), created: false };
        }
        if (res.status !== 412 || attempt >= 1) return this.failed(item.key, res);
        // Changed since our look-up: read the current ETag once and apply the update on top of it.
        const current = await this.client.call('GET', def.service, this.client.url(def.service, path), { signal });
        if (current.status !== 200) return this.failed(item.key, current);
        etag = header(current, 'etag') ?? ((parseJson(current.body) as { d?: { __metadata?: { etag?: string } } } | undefined)?.d?.__metadata?.etag);
      }
    } catch (e) {
      rethrowIfCallerAborted(signal);
      const error = asConnectorError(this.system, e);
      return error.class === 'retryable' || error.class === 'throttled' ? { key: item.key, status: 'retry', error } : { key: item.key, status: 'reject', error };
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function createSapConnector(config: SapConfig, now?: () => number): SapConnector {
  return new SapConnector(config, now);
}
