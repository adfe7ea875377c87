/**
 * Yonyou U8 OpenAPI connector.
 *
 * Reads: `batch_get` with the entity's modified-since parameter (CST text of the position's second) and
 * `page_index` paging. U8 lists by code, not by modification time, so — as for Jiandaoyun — a query
 * reads to its end and only its last page carries the checkpoint (the highest position seen); times
 * are converted from offset-less China Standard Time to UTC. Scans page the same list in code order.
 *
 * Writes: one document per call, so a batch fans out with bounded concurrency (a key repeated in a
 * batch is written in order, in later rounds). Each item: `get?id=<code>` decides add or edit; a trade
 * id is taken per item version and reused when the worker retries that version after an unknown
 * outcome (U8 recognises a used trade id and answers with the first outcome instead of writing again);
 * the add/edit answers with a result URL that is polled while it reports `30025 操作正在执行`.
 */
import type { Connector, CursorPosition, ItemResult, ReadPage, SourceRecord, UpsertItem } from '../../runtime/support/connector.ts';
import { mapLimit } from '../shared/concurrency.ts';
import { decodeToken, encodeToken, isAfter, isPosition, localToUtcIso, maxPosition, positionOf, utcToLocal } from '../shared/cursor.ts';
import { asConnectorError, CODES, ConnectorFailure, connectorError, rethrowIfCallerAborted, roundsByKey } from '../shared/errors.ts';
import { CST_MINUTES, U8_ENTITIES, u8Time } from './catalog.ts';
import { errorOfReply, U8_ERRCODES, U8Client, type U8Config, type U8Reply } from './client.ts';

interface ChangeToken {
  since?: CursorPosition;
  page: number;
  hi?: CursorPosition;
}

const isChangeToken = (v: unknown): v is ChangeToken => {
  const t = v as ChangeToken;
  return typeof v === 'object' && v !== null && Number.isInteger(t.page) && (t.since === undefined || isPosition(t.since)) && (t.hi === undefined || isPosition(t.hi));
};

/** Trade ids kept for retries of an unknown outcome; bounded so a long outage cannot grow it without end. */
const MAX_PENDING_TRADES = 10_000;

export class U8Connector implements Connector {
  readonly system = 'yonyou-u8';
  readonly maxBatchSize: number;
  readonly client: U8Client;
  private readonly config: U8Config;
  private readonly offset: number;
  /** entity + idempotencyKey → trade id of a write whose outcome is not known yet. */
  private readonly pendingTrades = new Map<string, string>();

  constructor(config: U8Config, now: () => number = Date.now, wait?: (ms: number, signal?: AbortSignal) => Promise<void>) {
    this.config = config;
    this.client = new U8Client(config, now, wait);
    this.offset = config.utcOffsetMinutes ?? CST_MINUTES;
    this.maxBatchSize = config.maxBatchSize ?? 20;
  }

  private entity(name: string): { name: string; cursor: string } {
    const e = U8_ENTITIES[name];
    if (!e) throw new ConnectorFailure(connectorError(CODES.unknownEntity, 'bad-mapping', `entity ${name} is not a U8 OpenAPI entity (customer, inventory, saleorder, dispatchlist)`));
    return { name, cursor: e.cursor ?? 'modifydate' };
  }

  private toRecord(cursorField: string, row: Record<string, unknown>): SourceRecord {
    const id = String(row.code);
    const local = row[cursorField];
    const cursor = typeof local === 'string' ? localToUtcIso(local, this.offset) : undefined;
    const rec: SourceRecord = { id, version: cursor ?? id, data: row };
    if (cursor !== undefined) rec.cursor = cursor;
    if (this.config.operator !== undefined && row.modifyperson === this.config.operator) rec.echo = true;
    return rec;
  }

  private async batchGet(entity: string, params: Record<string, string>, signal?: AbortSignal): Promise<{ rows: Record<string, unknown>[]; pageCount: number }> {
    const reply = await this.client.call(`/api/${entity}/batch_get`, params, { signal });
    if (reply.errcode !== U8_ERRCODES.ok) {
      const e = errorOfReply(reply, `batch_get ${entity}`);
      // A refused list call is a query the spec asked for, not a record problem.
      throw new ConnectorFailure(e.class === 'rejected' ? { ...e, code: CODES.queryRejected, class: 'bad-mapping' } : e);
    }
    const rows = reply[entity];
    if (!Array.isArray(rows)) throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', `yonyou-u8 batch_get reply lacks "${entity}"`));
    return { rows: rows as Record<string, unknown>[], pageCount: Number(reply.page_count ?? 0) };
  }

  async readChanges(entity: string, since: CursorPosition | undefined, page: { next?: string; limit: number }, signal?: AbortSignal): Promise<ReadPage> {
    try {
      const e = this.entity(entity);
      let token: ChangeToken;
      if (page.next !== undefined) {
        const t = decodeToken(page.next, isChangeToken);
        if (!t) throw new ConnectorFailure(connectorError(CODES.badReply, 'bad-mapping', 'page token is not a U8 change token'));
        token = t;
      } else token = since ? { since, page: 1 } : { page: 1 };
      const perPage = Math.max(1, Math.min(500, page.limit));
      const params: Record<string, string> = { page_index: String(token.page), rows_per_page: String(perPage) };
      if (token.since) {
        const local = utcToLocal(token.since.at, this.offset);
        if (local === undefined) throw new ConnectorFailure(connectorError(CODES.badReply, 'bad-mapping', `cursor position "${token.since.at}" is not an ISO-8601 instant`));
        params[this.config.modifiedSinceParams?.[entity] ?? `${e.cursor}_begin`] = u8Time(local);
      }
      const { rows, pageCount } = await this.batchGet(entity, params, signal);
      const records = rows.map((r) => this.toRecord(e.cursor, r)).filter((r) => isAfter(r, token.since));
      const hi = records.map(positionOf).reduce(maxPosition, token.hi);
      const out: ReadPage = { records };
      if (token.page < pageCount && rows.length > 0) {
        const next: ChangeToken = token.since ? { since: token.since, page: token.page + 1 } : { page: token.page + 1 };
        if (hi) next.hi = hi;
        out.next = encodeToken(next);
      } else if (hi) out.checkpoint = hi;
      return out;
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  async *scan(entity: string, opts: { pageSize: number; signal?: AbortSignal }): AsyncIterable<SourceRecord[]> {
    const perPage = Math.max(1, Math.min(500, opts.pageSize));
    for (let pageIndex = 1; ; pageIndex++) {
      let got;
      let cursor;
      try {
        cursor = this.entity(entity).cursor;
        got = await this.batchGet(entity, { page_index: String(pageIndex), rows_per_page: String(perPage) }, opts.signal);
      } catch (e) {
        rethrowIfCallerAborted(opts.signal);
        throw new ConnectorFailure(asConnectorError(this.system, e));
      }
      const records = got.rows.map((r) => this.toRecord(cursor, r));
      if (records.length > 0) yield records;
      if (pageIndex >= got.pageCount || records.length === 0) return;
    }
  }

  async upsertBatch(entity: string, keyField: string, items: readonly UpsertItem[], signal?: AbortSignal): Promise<ItemResult[]> {
    const results: ItemResult[] = new Array<ItemResult>(items.length);
    try {
      this.entity(entity);
      if (keyField !== 'code') throw new ConnectorFailure(connectorError(CODES.badMapping, 'bad-mapping', `U8 documents are keyed by "code", not "${keyField}"`));
    } catch (e) {
      const error = asConnectorError(this.system, e);
      return items.map((it) => ({ key: it.key, status: 'reject', error }));
    }
    for (const round of roundsByKey(items)) {
      const out = await mapLimit(round, this.config.concurrency ?? 4, (c) => this.upsertOne(entity, c.item, signal));
      round.forEach((c, j) => (results[c.index] = out[j] as ItemResult));
    }
    return results;
  }

  /** U8 reads one record per call (`/api/<entity>/get`); its id is the code itself. */
  async findKeys(entity: string, _keyField: string, keys: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
    try {
      const unique = [...new Set(keys)];
      const found = await mapLimit(unique, this.config.concurrency ?? 4, (code) => this.exists(entity, code, signal));
      return new Map(unique.filter((_, i) => found[i]).map((code) => [code, code]));
    } catch (e) {
      rethrowIfCallerAborted(signal);
      throw new ConnectorFailure(asConnectorError(this.system, e));
    }
  }

  private async exists(entity: string, code: string, signal?: AbortSignal): Promise<boolean> {
    const reply = await this.client.call(`/api/${entity}/get`, { id: code }, { signal });
    if (reply.errcode === U8_ERRCODES.ok && typeof reply[entity] === 'object' && reply[entity] !== null) return true;
    if (reply.errcode === U8_ERRCODES.notFound) return false;
    throw new ConnectorFailure(errorOfReply(reply, `get ${entity} ${code}`));
  }

  private remember(tradeKey: string, tradeId: string): void {
    if (this.pendingTrades.size >= MAX_PENDING_TRADES) this.pendingTrades.delete(this.pendingTrades.keys().next().value as string);
    this.pendingTrades.set(tradeKey, tradeId);
  }

  private async upsertOne(entity: string, item: UpsertItem, signal?: AbortSignal): Promise<ItemResult> {
    const fail = (error: ReturnType<typeof asConnectorError>): ItemResult =>
      error.class === 'retryable' || error.class === 'throttled' ? { key: item.key, status: 'retry', error } : { key: item.key, status: 'reject', error };
    let existed: boolean;
    try {
      existed = await this.exists(entity, item.key, signal);
    } catch (e) {
      rethrowIfCallerAborted(signal);
      return fail(asConnectorError(this.system, e));
    }
    const tradeKey = `${entity}\u0000${item.idempotencyKey}`;
    let tradeId = this.pendingTrades.get(tradeKey);
    try {
      if (tradeId === undefined) {
        tradeId = await this.client.tradeId(signal);
        this.remember(tradeKey, tradeId);
      }
      const doc = { ...item.record, code: item.record.code ?? item.key };
      const accepted = await this.client.call(`/api/${entity}/${existed ? 'edit' : 'add'}`, { tradeid: tradeId }, { body: { [entity]: doc }, signal });
      if (accepted.errcode !== U8_ERRCODES.ok) {
        // Refused before processing: the trade id was not spent on a write.
        if (accepted.errcode === U8_ERRCODES.tradeIdInvalid) this.pendingTrades.delete(tradeKey);
        return fail(errorOfReply(accepted, `${existed ? 'edit' : 'add'} ${entity} ${item.key}`));
      }
      const outcome = await this.poll(accepted, signal);
      // The trade is settled either way; a retry of a failed write needs a fresh trade id.
      this.pendingTrades.delete(tradeKey);
      if (outcome.errcode !== U8_ERRCODES.ok) return fail(errorOfReply(outcome, `${existed ? 'edit' : 'add'} ${entity} ${item.key}`));
      return { key: item.key, status: 'ok', targetId: typeof outcome.id === 'string' ? outcome.id : item.key, created: !existed };
    } catch (e) {
      rethrowIfCallerAborted(signal);
      // Outcome unknown (lost answer, timeout): keep the trade id so the retry is recognised as the same trade.
      return fail(asConnectorError(this.system, e));
    }
  }

  /** Polls an asynchronous write's result URL until U8 stops answering "30025 操作正在执行". */
  private async poll(accepted: U8Reply, signal?: AbortSignal): Promise<U8Reply> {
    if (typeof accepted.url !== 'string') throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', 'yonyou-u8 accepted a write without a result url'));
    let target: URL;
    try {
      target = new URL(accepted.url);
    } catch {
      throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', 'yonyou-u8 result url is not a URL'));
    }
    const requestId = target.searchParams.get('requestid');
    // Only the request id is taken from the reply: polls go to the configured host with our own credentials.
    if (requestId === null || !target.pathname.endsWith('/result')) throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', 'yonyou-u8 result url has no requestid'));
    const maxPolls = this.config.maxPolls ?? 120;
    for (let i = 0; ; i++) {
      const reply = await this.client.call('/result', { requestid: requestId }, { signal });
      if (reply.errcode !== U8_ERRCODES.running) return reply;
      if (i + 1 >= maxPolls) {
        throw new ConnectorFailure(connectorError(CODES.badReply, 'retryable', `yonyou-u8 write ${requestId} still running after ${maxPolls} polls`, { vendorCode: U8_ERRCODES.running }));
      }
      await this.client.sleep(this.config.pollIntervalMs ?? 500, signal);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function createU8Connector(config: U8Config, now?: () => number): U8Connector {
  return new U8Connector(config, now);
}
