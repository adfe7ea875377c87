/**
 * Jiandaoyun v5 connector: incremental reads filter `updateTime` and page by `data_id` (the list is in
 * data-id order, not time order, so the safe checkpoint — the highest position seen — is given only on
 * the last page), data-id scans, upserts by business key (look the key widget up, then `data/update`
 * or `batch_create` with a derived `transaction_id` so a retried batch creates nothing twice), and
 * push verification (`X-JDY-Signature`, timestamp window, `X-JDY-DeliverId`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Connector, CursorPosition, ItemResult, ReadPage, SourceRecord, UpsertItem, WebhookOutcome, WebhookRequest } from '../../runtime/support/connector.ts';
import { decodeToken, encodeToken, instantMs, isAfter, isPosition, maxPosition, positionOf, toUtcIso } from '../shared/cursor.ts';
import { asConnectorError, CODES, ConnectorFailure, connectorError, rethrowIfCallerAborted, resultsForFailure, roundsByKey } from '../shared/errors.ts';
import { JiandaoyunClient, type JiandaoyunConfig, type JiandaoyunFormRef } from './client.ts';

export const JDY_MAX_BATCH = 100;
/** Parallel data/update calls per batch (the endpoint allows 20/s; the token bucket of the worker paces above that). */
const UPDATE_CONCURRENCY = 4;
const LIST_LIMIT = 100;

interface PageToken {
  dataId: string;
  max: CursorPosition | null;
  /** Server time when the pass began (ms), from the first page's Date header. */
  fence: number | null;
}
const isPageToken = (v: unknown): v is PageToken =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as PageToken).dataId === 'string' &&
  ((v as PageToken).max === null || isPosition((v as PageToken).max)) &&
  ((v as PageToken).fence === null || typeof (v as PageToken).fence === 'number');

/** Margin for the server's Date header (whole seconds) against its record clock. */
const FENCE_MARGIN_MS = 5_000;

/** Deterministic UUID (RFC 4122 layout, version 5 style) from text: the same batch always gets the same transaction_id. */
export function derivedUuid(text: string): string {
  const h = createHash('sha1').update(text, 'utf8').digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Wraps flat widget values as the write API wants them: `{"_widget_x": {"value": …}}`. */
export function wrapValues(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const already = typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && 'value' in v;
    if (already) out[k] = v;
    else if (Array.isArray(v)) out[k] = { value: v.map((row) => (typeof row === 'object' && row !== null ? wrapValues(row as Record<string, unknown>) : row)) };
    else out[k] = { value: v };
  }
  return out;
}

/**
 * Only a complete pass has seen every change up to the highest position read — and not even that: the
 * list runs in data-id order, so a record edited during the pass behind the read position is missed
 * while a later one may carry a newer updateTime. Capping the checkpoint at the pass start (server
 * clock) makes the next pass re-read those; the inbox drops what it already has by (id, version).
 */
function capAtFence(max: CursorPosition, fence: number | null): CursorPosition {
  if (fence === null || instantMs(max.at) < fence) return max;
  return { at: new Date(fence).toISOString(), id: '' };
}

export class JiandaoyunConnector implements Connector {
  readonly system = 'jiandaoyun';
  readonly maxBatchSize = JDY_MAX_BATCH;
  readonly client: JiandaoyunClient;
  private readonly config: JiandaoyunConfig;
  private readonly now: () => number;

  constructor(config: JiandaoyunConfig, now: () => number = Date.now) {
    this.config = config;
    this.now = now;
    this.client = new JiandaoyunClient(config, now);
  }

  private form(entity: string): JiandaoyunFormRef {
    const configured = this.config.forms?.[entity];
    if (configured) return configured;
    const m = /^([0-9a-f]{24})\/([0-9a-f]{24})$/i.exec(entity);
    if (m) return { appId: m[1] as string, entryId: m[2] as string };
    throw new ConnectorFailure(connectorError(CODES.unknownEntity, 'bad-mapping', `form ${entity} is not configured on this Jiandaoyun connection`));
  }

  private toRecord(row: Record<string, unknown>, deleted = false): SourceRecord {
    const id = String(row._id);
    const cursor = typeof row.updateTime === 'string' ? toUtcIso(row.updateTime) : undefined;
    const rec: SourceRecord = { id, version: cursor ?? id, data: row };
    if (cursor !== undefined) rec.cursor = cursor;
    if (deleted) rec.deleted = true;
    const updater = row.updater as { username?: unknown } | null | undefined;
    const self = [this.config.dataCreator, this.config.integrationUsername].filter((u) => u !== undefined);
    if (typeof updater?.username === 'string' && self.includes(updater.username)) rec.echo = true;
    return rec;
  }

  private async list(f: JiandaoyunFormRef, body: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>[]> {
    return (await this.listWithDate(f, body, signal)).rows;
  }

  private async listWithDate(f: JiandaoyunFormRef, body: Record<string, unknown>, signal?: AbortSignal): Promise<{ rows: Record<string, unknown>[]; serverTimeMs: number | undefined }> {
    const reply = await this.client.callWithDate('entry/data/list', { app_id: f.appId, entry_id: f.entryId, ...body }, signal);
    if (!Array.isArray(reply.json.data)) throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', 'jiandaoyun data/list reply lacks data[]'));
    return { rows: reply.json.data as Record<string, unknown>[], serverTimeMs: reply.serverTimeMs };
  }

  async readChanges(entity: string, since: CursorPosition | undefined, page: { next?: string; limit: number }, signal?: AbortSignal): Promise<ReadPage> {
    try {
      const f = this.form(entity);
      const token = page.next !== undefined ? decodeToken(page.next, isPageToken) : { dataId: '', max: null, fence: null };
      if (!token) throw new ConnectorFailure(connectorError(CODES.badReply, 'bad-mapping', 'page token is not a Jiandaoyun position'));
      const limit = Math.max(1, Math.min(LIST_LIMIT, page.limit));
      const body: Record<string, unknown> = { limit };
      if (token.dataId !== '') body.data_id = token.dataId;
      if (since) body.filter = { rel: 'and', cond: [{ field: 'updateTime', type: 'datetime', method: 'range', value: [toUtcIso(since.at) ?? since.at, null] }] };
      const { rows, serverTimeMs } = await this.listWithDate(f, body, signal);
      const fence = token.fence ?? (serverTimeMs === undefined ? null : serverTimeMs - FENCE_MARGIN_MS);
      const records = rows.map((r) => this.toRecord(r)).filter((r) => isAfter(r, since && since.id !== '' ? since : undefined));
      const max = records.map(positionOf).reduce(maxPosition, token.max ?? undefined);
      const out: ReadPage = { records };
      if (rows.length >= limit) out.next = encodeToken({ dataId: String((rows[rows.length - 1] as Record<string, unknown>)._id), max: max ?? null, fence });
      else if (max) out.checkpoint = capAtFence(max, fence);
      return out;
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  async *scan(entity: string, opts: { pageSize: number; signal?: AbortSignal }): AsyncIterable<SourceRecord[]> {
    const f = this.form(entity);
    const limit = Math.max(1, Math.min(LIST_LIMIT, opts.pageSize));
    let after = '';
    for (;;) {
      let rows;
      try {
        rows = await this.list(f, after === '' ? { limit } : { limit, data_id: after }, opts.signal);
      } catch (e) {
        rethrowIfCallerAborted(opts.signal);
        throw new ConnectorFailure(asConnectorError(this.system, e));
      }
      if (rows.length > 0) yield rows.map((r) => this.toRecord(r));
      if (rows.length < limit) return;
      after = String((rows[rows.length - 1] as Record<string, unknown>)._id);
    }
  }

  /** Data ids by key widget value, paging through the `in` filter (≤ 200 values, ≤ 100 rows a page). */
  private async lookup(f: JiandaoyunFormRef, keyField: string, keys: string[], signal?: AbortSignal): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += 200) {
      const chunk = unique.slice(i, i + 200);
      let after = '';
      for (;;) {
        const body: Record<string, unknown> = { limit: LIST_LIMIT, fields: [keyField], filter: { rel: 'and', cond: [{ field: keyField, method: 'in', value: chunk }] } };
        if (after !== '') body.data_id = after;
        const rows = await this.list(f, body, signal);
        for (const r of rows) {
          const k = String(r[keyField]);
          found.set(k, [...(found.get(k) ?? []), String(r._id)]);
        }
        if (rows.length < LIST_LIMIT) break;
        after = String((rows[rows.length - 1] as Record<string, unknown>)._id);
      }
    }
    return found;
  }

  async findKeys(entity: string, keyField: string, keys: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
    try {
      const found = await this.lookup(this.form(entity), keyField, [...keys], signal);
      return new Map([...found].map(([k, ids]) => [k, ids[0] as string]));
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  async upsertBatch(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    const results: ItemResult[] = new Array<ItemResult>(items.length);
    let f: JiandaoyunFormRef;
    let existing: Map<string, string[]>;
    try {
      f = this.form(entity);
      existing = await this.lookup(f, keyField, items.map((i) => i.key), signal);
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return resultsForFailure(items, asConnectorError(this.system, e));
    }
    for (const round of roundsByKey(items)) {
      const creates: { item: UpsertItem; index: number }[] = [];
      const updates: { item: UpsertItem; index: number; dataId: string }[] = [];
      for (const c of round) {
        const ids = existing.get(c.item.key) ?? [];
        if (ids.length > 1) {
          results[c.index] = { key: c.item.key, status: 'reject', error: connectorError(CODES.ambiguousKey, 'rejected', `${ids.length} rows have ${keyField} ${c.item.key}`, { vendorCode: 'DUPLICATE_KEY' }) };
        } else if (ids.length === 1) updates.push({ ...c, dataId: ids[0] as string });
        else creates.push(c);
      }
      // data/update takes one record per call: a few in parallel (each key once per round, so order holds).
      let nextUpdate = 0;
      await Promise.all(
        Array.from({ length: Math.min(UPDATE_CONCURRENCY, updates.length) }, async () => {
          while (nextUpdate < updates.length) {
            const u = updates[nextUpdate++] as (typeof updates)[number];
            results[u.index] = await this.update(f, u.dataId, keyField, u.item, signal);
          }
        }),
      );
      for (let i = 0; i < creates.length; i += JDY_MAX_BATCH) {
        const chunk = creates.slice(i, i + JDY_MAX_BATCH);
        const out = await this.create(f, keyField, chunk.map((c) => c.item), signal);
        chunk.forEach((c, j) => {
          const r = out[j] as ItemResult;
          results[c.index] = r;
          if (r.status === 'ok') existing.set(c.item.key, [r.targetId]);
        });
      }
    }
    return results;
  }

  private payload(keyField: string, item: UpsertItem): Record<string, unknown> {
    return wrapValues({ ...item.record, [keyField]: item.record[keyField] ?? item.key });
  }

  private async update(f: JiandaoyunFormRef, dataId: string, keyField: string, item: UpsertItem, signal?: AbortSignal): Promise<ItemResult> {
    try {
      await this.client.call('entry/data/update', { app_id: f.appId, entry_id: f.entryId, data_id: dataId, data: this.payload(keyField, item), is_start_trigger: false }, signal);
      return { key: item.key, status: 'ok', targetId: dataId, created: false };
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return resultsForFailure([item], asConnectorError(this.system, e))[0] as ItemResult;
    }
  }

  /** batch_create is all or nothing: when a record is refused, create one by one to find which. */
  private async create(f: JiandaoyunFormRef, keyField: string, items: UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    const attempt = async (batch: UpsertItem[]): Promise<ItemResult[]> => {
      const body: Record<string, unknown> = {
        app_id: f.appId,
        entry_id: f.entryId,
        data_list: batch.map((it) => this.payload(keyField, it)),
        transaction_id: derivedUuid(batch.map((it) => it.idempotencyKey).join('\n')),
        is_start_workflow: false,
      };
      if (this.config.dataCreator !== undefined) body.data_creator = this.config.dataCreator;
      const reply = await this.client.call('entry/data/batch_create', body, signal);
      const ids = Array.isArray(reply.success_ids) ? reply.success_ids : [];
      return batch.map((it, i): ItemResult =>
        typeof ids[i] === 'string'
          ? { key: it.key, status: 'ok', targetId: ids[i], created: true }
          : { key: it.key, status: 'retry', error: connectorError(CODES.badReply, 'retryable', `jiandaoyun returned no id for record ${i}`) });
    };
    try {
      return await attempt(items);
    } catch (e) {
      rethrowIfCallerAborted(signal);
      const error = asConnectorError(this.system, e);
      if (items.length === 1 || error.class === 'retryable' || error.class === 'throttled') return resultsForFailure(items, error);
    }
    const out: ItemResult[] = [];
    for (const it of items) {
      try {
        out.push(...(await attempt([it])));
      } catch (e) {
        rethrowIfCallerAborted(signal);
        out.push(...resultsForFailure([it], asConnectorError(this.system, e)));
      }
    }
    return out;
  }

  verifyWebhook(req: WebhookRequest): WebhookOutcome {
    const secret = this.config.webhookSecret;
    if (secret === undefined) return { ok: false, status: 403, code: CODES.webhookSignature, message: 'no webhookSecret configured for this Jiandaoyun connection' };
    const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
    const signature = one(req.headers['x-jdy-signature']);
    const deliveryId = one(req.headers['x-jdy-deliverid']);
    const { timestamp, nonce } = req.query;
    if (req.method !== 'POST' || signature === undefined || timestamp === undefined || nonce === undefined || deliveryId === undefined || deliveryId === '') {
      return { ok: false, status: 400, code: CODES.webhookMalformed, message: 'push lacks X-JDY-Signature, X-JDY-DeliverId, timestamp or nonce' };
    }
    const payload = req.body.toString('utf8');
    const expected = createHash('sha1').update(`${nonce}:${payload}:${secret}:${timestamp}`, 'utf8').digest('hex');
    const given = Buffer.from(signature.toLowerCase(), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, 'utf8'))) {
      return { ok: false, status: 401, code: CODES.webhookSignature, message: 'X-JDY-Signature does not match the payload' };
    }
    const window = (this.config.webhookWindowSeconds ?? 300) * 1000;
    const sentAt = Number(timestamp) * 1000;
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(this.now() - sentAt) > window) {
      return { ok: false, status: 401, code: CODES.webhookStale, message: `push timestamp ${timestamp} is outside the ${window / 1000} s window` };
    }
    let body: { op?: unknown; data?: unknown };
    try {
      body = JSON.parse(payload) as { op?: unknown; data?: unknown };
    } catch {
      return { ok: false, status: 400, code: CODES.webhookMalformed, message: 'push body is not JSON' };
    }
    const reply = { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' };
    if (body.op === 'data_test' || body.op === 'form_update') return { ok: true, events: [], reply };
    const data = body.data as Record<string, unknown> | undefined;
    if (typeof body.op !== 'string' || !['data_create', 'data_update', 'data_remove', 'data_recover'].includes(body.op) || typeof data !== 'object' || data === null || typeof data._id !== 'string') {
      return { ok: false, status: 400, code: CODES.webhookMalformed, message: `push op ${JSON.stringify(body.op)} without a data row` };
    }
    return { ok: true, events: [{ deliveryId, record: this.toRecord(data, body.op === 'data_remove') }], reply };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function createJiandaoyunConnector(config: JiandaoyunConfig, now?: () => number): JiandaoyunConnector {
  return new JiandaoyunConnector(config, now);
}
