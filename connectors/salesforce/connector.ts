/**
 * Salesforce connector: SOQL incremental reads on SystemModstamp with a tie-safe (SystemModstamp, Id)
 * position and `nextRecordsUrl` paging, Id-ordered scans, sObject Collections upsert by external id
 * (≤ 200, results mapped back by position), and Outbound Message verification with the SOAP Ack.
 */
import type {
  Connector,
  ConnectorError,
  CursorPosition,
  ItemResult,
  ReadPage,
  SourceRecord,
  UpsertItem,
  WebhookOutcome,
  WebhookRequest,
} from '../../runtime/support/connector.ts';
import { toUtcIso } from '../shared/cursor.ts';
import { asConnectorError, CODES, ConnectorFailure, connectorError, rethrowIfCallerAborted, resultsForFailure, roundsByKey } from '../shared/errors.ts';
import { parseJson } from '../shared/http.ts';
import { childElements, firstChild, isNil, parseXml, textOf, XmlError } from '../shared/xml.ts';
import { BAD_MAPPING_CODES, SalesforceClient, type SalesforceConfig, type SfErrorItem } from './client.ts';
import { ackXml } from './outbound.ts';

const NO_NAMES: ReadonlySet<string> = new Set();

export const SALESFORCE_MAX_BATCH = 200;

interface QueryReply {
  done?: boolean;
  nextRecordsUrl?: string;
  records?: Record<string, unknown>[];
}

/** SOQL literal for a string value: single quotes with backslash escapes. */
export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

/** Field and object names go into SOQL unquoted, so they must be plain identifiers. */
function soqlName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', `not a Salesforce API name: ${JSON.stringify(name)}`));
  return name;
}

/** A select-list path: a field, or one relationship level (`Product2.ProductCode`). */
function soqlPath(path: string): string {
  return path.split('.').map(soqlName).join('.');
}

/** Strips `attributes` and turns child relationship results (`{records:[…]}`, or null when empty) into arrays. */
function cleanValue(v: unknown, isChild: boolean): unknown {
  if (isChild) {
    const records = (v as { records?: unknown } | null)?.records;
    return Array.isArray(records) ? records.map((r) => cleanValue(r, false)) : [];
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'attributes') out[k] = cleanValue(o[k], false);
  return out;
}

export class SalesforceConnector implements Connector {
  readonly system = 'salesforce';
  readonly maxBatchSize = SALESFORCE_MAX_BATCH;
  readonly client: SalesforceClient;
  private readonly config: SalesforceConfig;
  private readonly describeCache = new Map<string, Promise<string[]>>();
  private readonly childRelCache = new Map<string, ReadonlySet<string>>();

  constructor(config: SalesforceConfig, now: () => number = Date.now) {
    this.config = config;
    this.client = new SalesforceClient(config, now);
  }

  private get cursorField(): string {
    return this.config.cursorField ?? 'SystemModstamp';
  }

  /** Fields to select: configured, else every field from describe. */
  private async fieldsFor(entity: string, signal?: AbortSignal): Promise<string[]> {
    const children = Object.entries(this.config.children?.[entity] ?? {}).map(
      ([rel, fields]) => `(SELECT ${[...new Set(['Id', ...fields])].map(soqlPath).join(', ')} FROM ${soqlName(rel)} ORDER BY Id)`,
    );
    return [...(await this.ownFields(entity, signal)), ...children];
  }

  private ownFields(entity: string, signal?: AbortSignal): Promise<string[]> {
    const configured = this.config.fields?.[entity];
    const must = ['Id', this.cursorField, 'LastModifiedById', 'IsDeleted'];
    if (configured) return Promise.resolve([...new Set([...must, ...configured])].map(soqlPath));
    let p = this.describeCache.get(entity);
    if (!p) {
      p = (async () => {
        const res = await this.client.call('GET', this.client.dataPath(`/sobjects/${encodeURIComponent(soqlName(entity))}/describe`), { signal });
        if (res.status !== 200) throw this.client.failureFor(res);
        const body = parseJson(res.body) as { fields?: { name?: unknown }[] } | undefined;
        const names = (body?.fields ?? []).map((f) => f.name).filter((n): n is string => typeof n === 'string');
        if (names.length === 0) throw asFailure(connectorError(CODES.badReply, 'retryable', `salesforce describe of ${entity} listed no fields`));
        return [...new Set([...must, ...names])].map(soqlName);
      })();
      p.catch(() => this.describeCache.delete(entity));
      this.describeCache.set(entity, p);
    }
    return p;
  }

  /** Names of the configured child relationships of an entity (asked once per record read, built once). */
  private childRelationships(entity: string | undefined): ReadonlySet<string> {
    if (entity === undefined) return NO_NAMES;
    let names = this.childRelCache.get(entity);
    if (names === undefined) this.childRelCache.set(entity, (names = new Set(Object.keys(this.config.children?.[entity] ?? {}))));
    return names;
  }

  private toRecord(raw: Record<string, unknown>, selfUser: string | undefined, entity?: string): SourceRecord {
    const childRels = this.childRelationships(entity);
    const data: Record<string, unknown> = {};
    // Keys, not entries: a page of 2,000 records would build a pair per field.
    for (const k of Object.keys(raw)) if (k !== 'attributes') data[k] = cleanValue(raw[k], childRels.has(k));
    const id = String(data.Id);
    const stamp = typeof data[this.cursorField] === 'string' ? toUtcIso(data[this.cursorField] as string) : undefined;
    const rec: SourceRecord = { id, version: stamp ?? id, data };
    if (stamp !== undefined) rec.cursor = stamp;
    if (selfUser !== undefined && data.LastModifiedById === selfUser) rec.echo = true;
    if (data.IsDeleted === true || data.IsDeleted === 'true') rec.deleted = true;
    return rec;
  }

  private async queryPage(pathOrQuery: { next: string } | { soql: string; all?: boolean }, batchSize: number, signal?: AbortSignal): Promise<{ records: Record<string, unknown>[]; next?: string }> {
    const path = 'next' in pathOrQuery ? pathOrQuery.next : `${this.client.dataPath(pathOrQuery.all ? '/queryAll' : '/query')}?q=${encodeURIComponent(pathOrQuery.soql)}`;
    if ('next' in pathOrQuery && !pathOrQuery.next.startsWith('/services/data/')) {
      throw asFailure(connectorError(CODES.badReply, 'bad-mapping', 'page token is not a Salesforce nextRecordsUrl'));
    }
    const res = await this.client.call('GET', path, { headers: { 'sforce-query-options': `batchSize=${batchSize}` }, signal });
    if (res.status !== 200) throw this.client.failureFor(res);
    const body = parseJson(res.body) as QueryReply | undefined;
    if (!body || !Array.isArray(body.records)) throw asFailure(connectorError(CODES.badReply, 'retryable', 'salesforce query reply lacks records'));
    const out: { records: Record<string, unknown>[]; next?: string } = { records: body.records };
    if (body.done === false && typeof body.nextRecordsUrl === 'string') out.next = body.nextRecordsUrl;
    return out;
  }

  async readChanges(entity: string, since: CursorPosition | undefined, page: { next?: string; limit: number }, signal?: AbortSignal): Promise<ReadPage> {
    try {
      const batchSize = Math.min(2000, Math.max(200, page.limit));
      let result;
      if (page.next !== undefined) result = await this.queryPage({ next: page.next }, batchSize, signal);
      else {
        const fields = await this.fieldsFor(entity, signal);
        const c = soqlName(this.cursorField);
        let where = '';
        if (since) {
          const at = toUtcIso(since.at);
          if (at === undefined) throw asFailure(connectorError(CODES.badReply, 'bad-mapping', `cursor position "${since.at}" is not an ISO-8601 instant`));
          // Tie-safe: later timestamps, or the same timestamp with a greater Id.
          where = since.id === '' ? ` WHERE ${c} >= ${at}` : ` WHERE (${c} > ${at} OR (${c} = ${at} AND Id > ${soqlString(since.id)}))`;
        }
        // queryAll also returns rows in the recycle bin, so deletions flow as records with deleted: true.
        const all = this.config.includeDeleted ?? true;
        result = await this.queryPage({ soql: `SELECT ${fields.join(', ')} FROM ${soqlName(entity)}${where} ORDER BY ${c} ASC, Id ASC`, all }, batchSize, signal);
      }
      const self = await this.client.userId(signal);
      const records = result.records.map((r) => this.toRecord(r, self, entity));
      const out: ReadPage = { records };
      if (result.next !== undefined) out.next = result.next;
      const last = records[records.length - 1];
      if (last?.cursor !== undefined) out.checkpoint = { at: last.cursor, id: last.id };
      return out;
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw asFailure(asConnectorError(this.system, e));
    }
  }

  async *scan(entity: string, opts: { pageSize: number; signal?: AbortSignal }): AsyncIterable<SourceRecord[]> {
    const fields = await this.fieldsFor(entity, opts.signal);
    const size = Math.max(1, Math.min(2000, opts.pageSize));
    let after: string | undefined;
    for (;;) {
      const where = after === undefined ? '' : ` WHERE Id > ${soqlString(after)}`;
      let page;
      try {
        page = await this.queryPage({ soql: `SELECT ${fields.join(', ')} FROM ${soqlName(entity)}${where} ORDER BY Id ASC LIMIT ${size}` }, Math.max(200, size), opts.signal);
      } catch (e) {
        rethrowIfCallerAborted(opts.signal);
        throw asFailure(asConnectorError(this.system, e));
      }
      const self = await this.client.userId(opts.signal);
      const records = page.records.map((r) => this.toRecord(r, self, entity));
      if (records.length > 0) yield records;
      if (records.length < size) return;
      after = (records[records.length - 1] as SourceRecord).id;
    }
  }

  async upsertBatch(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    const results: ItemResult[] = new Array<ItemResult>(items.length);
    // A key twice in one request is DUPLICATE_EXTERNAL_ID for both: send repeats in later rounds, in order.
    for (const round of roundsByKey(items)) {
      for (let i = 0; i < round.length; i += SALESFORCE_MAX_BATCH) {
        const chunk = round.slice(i, i + SALESFORCE_MAX_BATCH);
        const chunkResults = await this.upsertChunk(entity, keyField, chunk.map((c) => c.item), signal);
        chunk.forEach((c, j) => (results[c.index] = chunkResults[j] as ItemResult));
      }
    }
    return results;
  }

  private async upsertChunk(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    let res;
    try {
      const path = this.client.dataPath(`/composite/sobjects/${encodeURIComponent(soqlName(entity))}/${encodeURIComponent(soqlName(keyField))}`);
      res = await this.client.call('PATCH', path, {
        body: { allOrNone: false, records: items.map((it) => ({ attributes: { type: entity }, ...it.record, [keyField]: it.record[keyField] ?? it.key })) },
        headers: { 'sforce-call-options': `client=${this.config.callClient ?? 'syncspec'}` },
        signal,
      });
      if (res.status !== 200) return resultsForFailure(items, this.client.failureFor(res).error);
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return resultsForFailure(items, asConnectorError(this.system, e));
    }
    const body = parseJson(res.body);
    return items.map((item, i): ItemResult => {
      const r = Array.isArray(body) ? (body[i] as { id?: string; success?: boolean; created?: boolean; errors?: SfErrorItem[] } | undefined) : undefined;
      if (!r) return { key: item.key, status: 'retry', error: connectorError(CODES.badReply, 'retryable', `salesforce returned no result for record ${i}`) };
      if (r.success === true && typeof r.id === 'string') {
        return r.created === undefined ? { key: item.key, status: 'ok', targetId: r.id } : { key: item.key, status: 'ok', targetId: r.id, created: r.created };
      }
      return itemFailure(item.key, r.errors?.[0]);
    });
  }

  async findKeys(entity: string, keyField: string, keys: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
    try {
      const found = new Map<string, string>();
      const unique = [...new Set(keys)];
      // 200 literals keep the SOQL well under its 100,000-character limit for any key length in practice.
      for (let i = 0; i < unique.length; i += SALESFORCE_MAX_BATCH) {
        const chunk = unique.slice(i, i + SALESFORCE_MAX_BATCH);
        let page: { records: Record<string, unknown>[]; next?: string } | undefined = await this.queryPage(
          { soql: `SELECT Id, ${soqlName(keyField)} FROM ${soqlName(entity)} WHERE ${soqlName(keyField)} IN (${chunk.map(soqlString).join(',')})` },
          2000,
          signal,
        );
        while (page) {
          for (const r of page.records) if (typeof r.Id === 'string' && r[keyField] !== null && r[keyField] !== undefined) found.set(String(r[keyField]), r.Id);
          page = page.next !== undefined ? await this.queryPage({ next: page.next }, 2000, signal) : undefined;
        }
      }
      return found;
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  /**
   * Delete by external id: look the record ids up, then `DELETE /sobjects/{Type}/{Id}` each (to the
   * recycle bin). A key with no record, or one already deleted (404 ENTITY_IS_DELETED), is done.
   */
  async deleteBatch(entity: string, keyField: string, keys: readonly string[], signal?: AbortSignal): Promise<ItemResult[]> {
    let ids: Map<string, string>;
    try {
      ids = await this.findKeys(entity, keyField, keys, signal);
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return resultsForFailure(keys.map((key) => ({ key })), asConnectorError(this.system, e));
    }
    const results: ItemResult[] = [];
    for (const key of keys) {
      const id = ids.get(key);
      if (id === undefined) {
        results.push({ key, status: 'ok', targetId: '' });
        continue;
      }
      try {
        const res = await this.client.call('DELETE', this.client.dataPath(`/sobjects/${encodeURIComponent(soqlName(entity))}/${encodeURIComponent(id)}`), { signal });
        const gone = res.status === 404 && /ENTITY_IS_DELETED|NOT_FOUND/.test(res.body);
        if (res.status === 204 || gone) results.push({ key, status: 'ok', targetId: id });
        else {
          const error = this.client.failureFor(res).error;
          results.push(error.class === 'retryable' || error.class === 'throttled' ? { key, status: 'retry', error } : { key, status: 'reject', error });
        }
      } catch (e) {
        rethrowIfCallerAborted(signal);
        const error = asConnectorError(this.system, e);
        results.push(error.class === 'retryable' || error.class === 'throttled' ? { key, status: 'retry', error } : { key, status: 'reject', error });
      }
    }
    return results;
  }

  verifyWebhook(req: WebhookRequest): WebhookOutcome {
    if (req.method !== 'POST') return { ok: false, status: 405, code: CODES.webhookMalformed, message: 'outbound messages are POSTed' };
    let root;
    try {
      root = parseXml(req.body.toString('utf8'), { maxBytes: 8 * 1024 * 1024 });
    } catch (e) {
      return { ok: false, status: 400, code: CODES.webhookMalformed, message: `outbound message is not acceptable XML: ${e instanceof XmlError ? e.message : 'parse error'}` };
    }
    const body = root.local === 'Envelope' ? firstChild(root, 'Body') : undefined;
    const notifications = body ? firstChild(body, 'notifications') : undefined;
    if (!notifications) return { ok: false, status: 400, code: CODES.webhookMalformed, message: 'SOAP body has no notifications element' };
    const orgEl = firstChild(notifications, 'OrganizationId');
    const org = orgEl ? textOf(orgEl).trim() : '';
    const expected = this.config.organizationId;
    // Salesforce does not sign outbound messages: the organisation id (over TLS) is the sender check.
    if (expected === undefined || org.slice(0, 15) !== expected.slice(0, 15)) {
      return { ok: false, status: 403, code: CODES.webhookSignature, message: expected === undefined ? 'no organizationId configured for outbound messages' : 'outbound message is from another organisation' };
    }
    const events = [];
    for (const n of childElements(notifications, 'Notification')) {
      const idEl = firstChild(n, 'Id');
      const sobj = firstChild(n, 'sObject');
      if (!idEl || !sobj) return { ok: false, status: 400, code: CODES.webhookMalformed, message: 'Notification without Id or sObject' };
      const data: Record<string, unknown> = {};
      for (const f of childElements(sobj)) data[f.local] = isNil(f) ? null : textOf(f);
      if (typeof data.Id !== 'string' || data.Id === '') return { ok: false, status: 400, code: CODES.webhookMalformed, message: 'sObject without Id' };
      const self = this.config.integrationUserId;
      const rec = this.toRecord(data, self);
      events.push({ deliveryId: textOf(idEl).trim(), record: rec });
    }
    return { ok: true, events, reply: { status: 200, contentType: 'text/xml; charset=utf-8', body: ackXml(true) } };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function itemFailure(key: string, e: SfErrorItem | undefined): ItemResult {
  const code = e?.statusCode ?? e?.errorCode ?? 'UNKNOWN';
  const message = `${code}: ${e?.message ?? 'no message'}${e?.fields?.length ? ` [${e.fields.join(', ')}]` : ''}`;
  if (code === 'UNABLE_TO_LOCK_ROW' || code === 'ALL_OR_NONE_OPERATION_ROLLED_BACK' || code === 'SERVER_UNAVAILABLE') {
    return { key, status: 'retry', error: connectorError(CODES.server, 'retryable', message, { vendorCode: code }) };
  }
  if (code === 'REQUEST_LIMIT_EXCEEDED') return { key, status: 'retry', error: connectorError(CODES.throttled, 'throttled', message, { vendorCode: code }) };
  if (BAD_MAPPING_CODES.has(code)) return { key, status: 'reject', error: connectorError(CODES.badMapping, 'bad-mapping', message, { vendorCode: code }) };
  if (code === 'DUPLICATE_EXTERNAL_ID') return { key, status: 'reject', error: connectorError(CODES.ambiguousKey, 'rejected', message, { vendorCode: code }) };
  return { key, status: 'reject', error: connectorError(CODES.rejected, 'rejected', message, { vendorCode: code }) };
}

function asFailure(error: ConnectorError): ConnectorFailure {
  return new ConnectorFailure(error);
}

export function createSalesforceConnector(config: SalesforceConfig, now?: () => number): SalesforceConnector {
  return new SalesforceConnector(config, now);
}
