/**
 * Zoho CRM connector.
 *
 * Reads: `GET /{Module}` sorted by Modified_Time ascending with `If-Modified-Since` one second before the
 * position (Zoho keeps whole seconds and means "strictly after"), filtered to the tie-safe position
 * client-side. Zoho cannot add an id tie-breaker to the sort, so each page restarts the query at the
 * second of its last record and carries the ids already returned in that second (no loss, no repeat,
 * whatever order Zoho gives ties); a page made only of one second's records continues with the next
 * `page` of the same query, and with `page_token` once `page` would pass the first 2,000 records.
 * Scans sort by id and page the same way. Line items (Sales_Orders, Invoices) are not in list replies:
 * each listed record of such a module is read by id for them. Upserts: `POST /{Module}/upsert` with
 * `duplicate_check_fields: [key]` (≤ 100), `trigger: []`, and results mapped back by position.
 *
 * Notifications: callbacks carry record ids only. `verifyWebhook` (synchronous, as the runtime requires)
 * checks the channel id and the echoed token in constant time and returns one event per id whose record
 * holds the id plus any `affected_values` Zoho sent. Those records are partial: the intake resolves
 * them with `resolveEvents` (one `GET /{Module}?ids=` per 100 ids) before mapping, which replaces each
 * with the full current record, or marks it deleted when Zoho no longer has it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Connector, ConnectorError, CursorPosition, ItemResult, ReadPage, SourceRecord, UpsertItem, WebhookEvent, WebhookOutcome, WebhookRequest } from '../../runtime/support/connector.ts';
import { decodeToken, encodeToken, isAfter, isPosition, maxPosition, positionOf, toUtcIso } from '../shared/cursor.ts';
import { asConnectorError, CODES, ConnectorFailure, connectorError, rethrowIfCallerAborted, resultsForFailure, roundsByKey, type ConnectorCode } from '../shared/errors.ts';
import { parseJson } from '../shared/http.ts';
import { mapLimit } from '../shared/concurrency.ts';
import { unwrapLookups, wrapLookups } from './lookups.ts';
import { ZOHO_CATALOG, ZOHO_MODULES } from './catalog.ts';
import { ZohoClient, type ZohoConfig, type ZohoErrorBody } from './client.ts';

export const ZOHO_MAX_BATCH = 100;
const MAX_PER_PAGE = 200;

interface ListReply {
  data?: Record<string, unknown>[];
  info?: { more_records?: boolean; next_page_token?: string | null };
}

/** Continuation of a readChanges query (opaque to callers). */
interface ChangeToken {
  since?: CursorPosition;
  page: number;
  pageToken?: string;
  /** Ids already returned whose Modified_Time is the second of `since`. */
  seen: string[];
  /** Highest position returned so far (the checkpoint of the last page). */
  hi?: CursorPosition;
}

const isChangeToken = (v: unknown): v is ChangeToken => {
  const t = v as ChangeToken;
  return typeof v === 'object' && v !== null && Number.isInteger(t.page) && Array.isArray(t.seen) && (t.since === undefined || isPosition(t.since)) && (t.hi === undefined || isPosition(t.hi));
};

const secondOf = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

function moduleName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', `not a Zoho module API name: ${JSON.stringify(name)}`));
  return name;
}

const BAD_MAPPING_CODES = new Set(['MAPPING_MISMATCH', 'INVALID_MODULE']);
const RETRY_CODES = new Set(['INTERNAL_ERROR']);

export class ZohoConnector implements Connector {
  readonly system = 'zoho-crm';
  readonly maxBatchSize = ZOHO_MAX_BATCH;
  readonly client: ZohoClient;
  private readonly config: ZohoConfig;
  private selfUser: Promise<string | undefined> | undefined;

  constructor(config: ZohoConfig, now: () => number = Date.now) {
    this.config = config;
    this.client = new ZohoClient(config, now);
  }

  private get maxPageRecords(): number {
    return this.config.maxPageRecords ?? 2000;
  }

  private fieldsFor(module: string): string[] {
    const configured = this.config.fields?.[module];
    const catalog = ZOHO_MODULES[module];
    if (!configured && !catalog) throw new ConnectorFailure(connectorError(CODES.unknownEntity, 'bad-mapping', `module ${module} is neither in the Zoho catalog nor configured with fields`));
    const base = configured ?? Object.entries(catalog?.fields ?? {}).filter(([n, f]) => n !== 'id' && f.type !== 'list' && f.type !== 'record').map(([n]) => n);
    const fields = [...new Set([...base, 'Modified_Time', 'Modified_By'])];
    if (fields.length > 50) throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', `zoho reads at most 50 fields per call; ${module} asks for ${fields.length}`));
    return fields;
  }

  /** The user syncspec writes as (configured, else the token's current user). */
  private userId(signal?: AbortSignal): Promise<string | undefined> {
    if (this.config.integrationUserId !== undefined) return Promise.resolve(this.config.integrationUserId);
    if (!this.selfUser) {
      const p = (async () => {
        const res = await this.client.call('GET', `${this.client.crmPath('users')}?type=CurrentUser`, { signal });
        if (res.status !== 200) throw this.client.failureFor(res);
        const id = (parseJson(res.body) as { users?: { id?: unknown }[] } | undefined)?.users?.[0]?.id;
        return typeof id === 'string' ? id : undefined;
      })();
      p.catch(() => {
        if (this.selfUser === p) this.selfUser = undefined;
      });
      this.selfUser = p;
    }
    return this.selfUser;
  }

  private toRecord(raw: Record<string, unknown>, self: string | undefined): SourceRecord {
    const id = String(raw.id);
    const cursor = typeof raw.Modified_Time === 'string' ? toUtcIso(raw.Modified_Time) : undefined;
    const rec: SourceRecord = { id, version: cursor ?? id, data: raw };
    if (cursor !== undefined) rec.cursor = cursor;
    const by = raw.Modified_By as { id?: unknown } | null | undefined;
    if (self !== undefined && by?.id === self) rec.echo = true;
    return rec;
  }

  /** One list call; 204 and 304 are empty pages. Line items are added record by record. */
  private async list(module: string, params: Record<string, string>, headers: Record<string, string>, signal?: AbortSignal): Promise<{ rows: Record<string, unknown>[]; more: boolean; nextPageToken?: string }> {
    const res = await this.client.call('GET', `${this.client.crmPath(moduleName(module))}?${new URLSearchParams(params).toString()}`, { headers, signal });
    if (res.status === 204 || res.status === 304) return { rows: [], more: false };
    if (res.status !== 200) throw this.client.failureFor(res);
    const body = parseJson(res.body) as ListReply | undefined;
    if (!body || !Array.isArray(body.data)) throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', 'zoho list reply lacks data'));
    // Lookups read as {name, id} appear in the mapping form (the id), line items too.
    const rows = (await this.withLineItems(module, body.data, signal)).map((r) => unwrapLookups(r, moduleName(module)));
    const out: { rows: Record<string, unknown>[]; more: boolean; nextPageToken?: string } = { rows, more: body.info?.more_records === true };
    if (typeof body.info?.next_page_token === 'string') out.nextPageToken = body.info.next_page_token;
    return out;
  }

  /**
   * Sales orders, invoices and quotes carry their line items (subforms) only in single-record reads:
   * for modules whose catalog has list fields, each listed record is read by id (bounded concurrency).
   */
  private async withLineItems(module: string, rows: Record<string, unknown>[], signal?: AbortSignal): Promise<Record<string, unknown>[]> {
    const lists = Object.entries(ZOHO_MODULES[module]?.fields ?? {}).filter(([, f]) => f.type === 'list').map(([n]) => n);
    if (lists.length === 0 || rows.length === 0) return rows;
    return mapLimit(rows, 4, async (row) => {
      const res = await this.client.call('GET', this.client.crmPath(`${module}/${encodeURIComponent(String(row.id))}`), { signal });
      if (res.status === 204) return row; // deleted since the list call: the next poll sees the deletion
      if (res.status !== 200) throw this.client.failureFor(res);
      const full = (parseJson(res.body) as { data?: Record<string, unknown>[] } | undefined)?.data?.[0];
      if (!full) throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', `zoho returned no ${module} record ${String(row.id)}`));
      return { ...row, ...Object.fromEntries(lists.map((n) => [n, full[n] ?? []])) };
    });
  }

  /** `page` while it stays inside the first maxPageRecords, else the reply's page_token. */
  private pageParams(page: number, perPage: number, pageToken: string | undefined): Record<string, string> {
    if (page * perPage > this.maxPageRecords) {
      if (pageToken === undefined) throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', `zoho gave no page_token to read past record ${this.maxPageRecords}`));
      return { page_token: pageToken };
    }
    return { page: String(page) };
  }

  async readChanges(entity: string, since: CursorPosition | undefined, page: { next?: string; limit: number }, signal?: AbortSignal): Promise<ReadPage> {
    try {
      const module = moduleName(entity);
      const fields = this.fieldsFor(module);
      let token: ChangeToken;
      if (page.next !== undefined) {
        const t = decodeToken(page.next, isChangeToken);
        if (!t) throw new ConnectorFailure(connectorError(CODES.badReply, 'bad-mapping', 'page token is not a Zoho change token'));
        token = t;
      } else token = since ? { since, page: 1, seen: [] } : { page: 1, seen: [] };
      if (token.since && Number.isNaN(Date.parse(token.since.at))) throw new ConnectorFailure(connectorError(CODES.badReply, 'bad-mapping', `cursor position "${token.since.at}" is not an ISO-8601 instant`));
      const perPage = Math.max(1, Math.min(MAX_PER_PAGE, page.limit));
      const headers: Record<string, string> = {};
      if (token.since) headers['if-modified-since'] = new Date((secondOf(token.since.at) - 1) * 1000).toISOString().replace('.000Z', '+00:00');
      const params = { fields: fields.join(','), per_page: String(perPage), sort_by: 'Modified_Time', sort_order: 'asc', ...this.pageParams(token.page, perPage, token.pageToken) };
      const reply = await this.list(module, params, headers, signal);
      const self = await this.userId(signal);
      const raw = reply.rows.map((r) => this.toRecord(r, self));
      const seen = new Set(token.seen);
      const records = raw.filter((r) => isAfter(r, token.since) && !seen.has(r.id));
      const hiAll = records.map(positionOf).reduce(maxPosition, token.hi);
      const out: ReadPage = { records };
      const last = raw[raw.length - 1];
      if (!reply.more || last?.cursor === undefined) {
        if (hiAll) out.checkpoint = hiAll;
        return out;
      }
      const lastSecond = secondOf(last.cursor);
      if (token.since === undefined || lastSecond > secondOf(token.since.at)) {
        // Restart at the last record's second: every earlier second is complete, so it is a safe checkpoint.
        const at = new Date(lastSecond * 1000).toISOString();
        const next: ChangeToken = { since: { at, id: '' }, page: 1, seen: records.filter((r) => secondOf(r.cursor as string) === lastSecond).map((r) => r.id) };
        if (hiAll) next.hi = hiAll;
        out.next = encodeToken(next);
        const safe = records.filter((r) => secondOf(r.cursor as string) < lastSecond).map(positionOf).reduce(maxPosition, token.hi);
        if (safe) out.checkpoint = safe;
      } else {
        // The whole page is one second: read further into the same query.
        const next: ChangeToken = { since: token.since, page: token.page + 1, seen: [...seen, ...records.map((r) => r.id)] };
        if (reply.nextPageToken !== undefined) next.pageToken = reply.nextPageToken;
        if (hiAll) next.hi = hiAll;
        out.next = encodeToken(next);
        if (token.hi) out.checkpoint = token.hi;
      }
      return out;
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  async *scan(entity: string, opts: { pageSize: number; signal?: AbortSignal }): AsyncIterable<SourceRecord[]> {
    const perPage = Math.max(1, Math.min(MAX_PER_PAGE, opts.pageSize));
    let pageNo = 1;
    let pageToken: string | undefined;
    for (;;) {
      let reply;
      let self;
      try {
        const module = moduleName(entity);
        const params = { fields: this.fieldsFor(module).join(','), per_page: String(perPage), sort_by: 'id', sort_order: 'asc', ...this.pageParams(pageNo, perPage, pageToken) };
        reply = await this.list(module, params, {}, opts.signal);
        self = await this.userId(opts.signal);
      } catch (e) {
        rethrowIfCallerAborted(opts.signal);
        throw new ConnectorFailure(asConnectorError(this.system, e));
      }
      const records = reply.rows.map((r) => this.toRecord(r, self));
      if (records.length > 0) yield records;
      if (!reply.more) return;
      pageNo++;
      pageToken = reply.nextPageToken;
    }
  }

  async upsertBatch(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    const results: ItemResult[] = new Array<ItemResult>(items.length);
    // A key twice in one call would race against itself inside Zoho: repeats go in later rounds, in order.
    for (const round of roundsByKey(items)) {
      for (let i = 0; i < round.length; i += ZOHO_MAX_BATCH) {
        const chunk = round.slice(i, i + ZOHO_MAX_BATCH);
        const out = await this.upsertChunk(entity, keyField, chunk.map((c) => c.item), signal);
        chunk.forEach((c, j) => (results[c.index] = out[j] as ItemResult));
      }
    }
    return results;
  }

  private async upsertChunk(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    let res;
    try {
      const module = moduleName(entity);
      res = await this.client.call('POST', this.client.crmPath(`${module}/upsert`), {
        // `trigger: []` keeps Zoho workflows from firing on syncspec's own writes.
        body: { data: items.map((it) => ({ ...wrapLookups(it.record, module), [keyField]: it.record[keyField] ?? it.key })), duplicate_check_fields: [keyField], trigger: [] },
        signal,
      });
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return resultsForFailure(items, asConnectorError(this.system, e));
    }
    const body = parseJson(res.body) as { data?: unknown } | undefined;
    // 201/200/207 carry one result per record; so does a 400 where every record failed.
    if (!Array.isArray(body?.data) || (res.status !== 200 && res.status !== 201 && res.status !== 207 && res.status !== 400)) {
      return resultsForFailure(items, this.client.failureFor(res).error);
    }
    const data = body.data as (Record<string, unknown> | undefined)[];
    return items.map((item, i): ItemResult => {
      const r = data[i];
      if (!r) return { key: item.key, status: 'retry', error: connectorError(CODES.badReply, 'retryable', `zoho returned no result for record ${i}`) };
      const details = (r.details ?? {}) as Record<string, unknown>;
      if (r.code === 'SUCCESS' && typeof details.id === 'string') return { key: item.key, status: 'ok', targetId: details.id, created: r.action === 'insert' };
      return itemFailure(item.key, entity, keyField, r as ZohoErrorBody);
    });
  }

  /** Current records by id (≤ 100 per call), for callbacks that carry ids only. */
  async fetchByIds(entity: string, ids: readonly string[], signal?: AbortSignal): Promise<SourceRecord[]> {
    try {
      const module = moduleName(entity);
      const fields = this.fieldsFor(module).join(',');
      const self = await this.userId(signal);
      const out: SourceRecord[] = [];
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += ZOHO_MAX_BATCH) {
        const reply = await this.list(module, { ids: unique.slice(i, i + ZOHO_MAX_BATCH).join(','), fields }, {}, signal);
        out.push(...reply.rows.map((r) => this.toRecord(r, self)));
      }
      return out;
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  /**
   * Replaces the partial records of verified callback events with the current records (same delivery
   * ids). A record Zoho no longer has, or a delete callback, becomes `deleted: true`.
   */
  async resolveEvents(entity: string, events: readonly WebhookEvent[], signal?: AbortSignal): Promise<WebhookEvent[]> {
    const wanted = events.filter((e) => e.record.deleted !== true).map((e) => e.record.id);
    const current = new Map((await this.fetchByIds(entity, wanted, signal)).map((r) => [r.id, r]));
    return events.map((e): WebhookEvent => {
      const found = e.record.deleted === true ? undefined : current.get(e.record.id);
      return found ? { deliveryId: e.deliveryId, record: found } : { deliveryId: e.deliveryId, record: { id: e.record.id, version: e.record.version, deleted: true, data: { id: e.record.id } } };
    });
  }

  /** The worker's hook for id-only callbacks (see `Connector.resolveWebhookEvents`). */
  resolveWebhookEvents(entity: string, events: readonly WebhookEvent[], signal?: AbortSignal): Promise<WebhookEvent[]> {
    return this.resolveEvents(entity, events, signal);
  }

  /**
   * Registers (or replaces) the configured notification channel of a module: create/edit/delete
   * events to `notifyUrl`, with the affected field values. Returns the channel expiry Zoho granted;
   * channels expire within a day, so the worker renews them ahead of time.
   */
  async watch(opts: { module: string; notifyUrl: string; expiresAt?: string; signal?: AbortSignal }): Promise<{ channelId: string; expiry: string }> {
    const channel = this.config.channels?.find((c) => c.module === opts.module) ?? this.config.channels?.find((c) => c.module === undefined);
    if (!channel) throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', `no notification channel configured for module ${opts.module}`));
    const module = moduleName(opts.module);
    const res = await this.client.call('POST', this.client.crmPath('actions/watch'), {
      body: {
        watch: [{ channel_id: channel.channelId, events: [`${module}.create`, `${module}.edit`, `${module}.delete`], token: channel.token, notify_url: opts.notifyUrl, return_affected_field_values: true, ...(opts.expiresAt !== undefined ? { channel_expiry: opts.expiresAt } : {}) }],
      },
      signal: opts.signal,
    });
    const first = (parseJson(res.body) as { watch?: (ZohoErrorBody & { details?: { events?: { channel_expiry?: string }[] } })[] } | undefined)?.watch?.[0];
    if (first !== undefined && typeof first.code === 'string' && first.code !== 'SUCCESS') {
      // A refused channel is configuration (event names, token length, expiry beyond a day).
      const field = typeof first.details?.api_name === 'string' ? ` (${first.details.api_name})` : '';
      throw new ConnectorFailure(connectorError(CODES.queryRejected, 'bad-mapping', `zoho refused watch channel ${channel.channelId}: ${first.code}${field}`, { vendorCode: first.code }));
    }
    if (res.status !== 200 || first?.code !== 'SUCCESS') throw this.client.failureFor(res);
    return { channelId: channel.channelId, expiry: first.details?.events?.[0]?.channel_expiry ?? '' };
  }

  verifyWebhook(req: WebhookRequest): WebhookOutcome {
    if (req.method !== 'POST') return { ok: false, status: 405, code: CODES.webhookMalformed, message: 'zoho notifications are POSTed' };
    const body = parseJson(req.body.toString('utf8')) as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, status: 400, code: CODES.webhookMalformed, message: 'notification body is not a JSON object' };
    const channelId = typeof body.channel_id === 'number' || typeof body.channel_id === 'string' ? String(body.channel_id) : undefined;
    const channel = this.config.channels?.find((c) => c.channelId === channelId);
    // Zoho does not sign callbacks: the token it echoes back is the only proof of origin.
    if (!channel || typeof body.token !== 'string' || !sameSecret(body.token, channel.token)) {
      return { ok: false, status: 403, code: CODES.webhookSignature, message: channel ? 'notification token does not match the channel' : `notification for unknown channel ${JSON.stringify(channelId ?? null)}` };
    }
    if (channel.module !== undefined && body.module !== channel.module) return { ok: false, status: 403, code: CODES.webhookSignature, message: `channel ${channel.channelId} does not watch ${String(body.module)}` };
    const op = body.operation;
    const ids = body.ids;
    const serverTime = body.server_time;
    if ((op !== 'insert' && op !== 'update' && op !== 'delete') || !Array.isArray(ids) || !ids.every((i) => typeof i === 'string' && i !== '') || typeof serverTime !== 'number') {
      return { ok: false, status: 400, code: CODES.webhookMalformed, message: 'notification lacks operation, ids or server_time' };
    }
    const affected = new Map<string, Record<string, unknown>>();
    if (Array.isArray(body.affected_values)) {
      for (const a of body.affected_values as { record_id?: unknown; values?: unknown }[]) {
        if (typeof a?.record_id === 'string' && typeof a.values === 'object' && a.values !== null) affected.set(a.record_id, a.values as Record<string, unknown>);
      }
    }
    const version = new Date(serverTime).toISOString();
    const events = (ids as string[]).map((id): WebhookEvent => {
      const record: SourceRecord = { id, version, data: { ...affected.get(id), id } };
      if (op === 'delete') record.deleted = true;
      return { deliveryId: `zoho:${channel.channelId}:${serverTime}:${op}:${id}`, record };
    });
    return { ok: true, events, reply: { status: 200, contentType: 'application/json', body: '{"status":"success"}' } };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Constant-time comparison of two secrets of any length (hash first, so lengths leak nothing). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Field names of a module and of its line items (errors inside line items name the item's field). */
function knownFields(module: string): Set<string> {
  const fields = ZOHO_MODULES[module]?.fields ?? {};
  const names = new Set(Object.keys(fields));
  for (const f of Object.values(fields)) if (f.type === 'list') for (const n of Object.keys(ZOHO_CATALOG.entities[f.entity ?? '']?.fields ?? {})) names.add(n);
  return names;
}

function itemFailure(key: string, module: string, keyField: string, r: ZohoErrorBody): ItemResult {
  const code = typeof r.code === 'string' ? r.code : 'UNKNOWN';
  const apiName = typeof r.details?.api_name === 'string' ? r.details.api_name : undefined;
  const message = `${code}: ${r.message ?? 'no message'}${apiName ? ` [${apiName}]` : ''}`;
  const err = (c: ConnectorCode, cls: ConnectorError['class']): ConnectorError => connectorError(c, cls, message, { vendorCode: code });
  if (RETRY_CODES.has(code)) return { key, status: 'retry', error: err(CODES.server, 'retryable') };
  if (code === 'TOO_MANY_REQUESTS') return { key, status: 'retry', error: err(CODES.throttled, 'throttled') };
  if (code === 'DUPLICATE_DATA' && apiName === keyField) return { key, status: 'reject', error: err(CODES.ambiguousKey, 'rejected') };
  // A field the catalog does not know is a mapping problem; a bad value for a known field is the record's.
  const unknownField = apiName !== undefined && ZOHO_MODULES[module] !== undefined && !knownFields(module).has(apiName);
  if (BAD_MAPPING_CODES.has(code) || (code === 'INVALID_DATA' && unknownField)) return { key, status: 'reject', error: err(CODES.badMapping, 'bad-mapping') };
  return { key, status: 'reject', error: err(CODES.rejected, 'rejected') };
}

export function createZohoConnector(config: ZohoConfig, now?: () => number): ZohoConnector {
  return new ZohoConnector(config, now);
}
