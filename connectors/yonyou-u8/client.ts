/**
 * Yonyou U8 OpenAPI client: token acquisition (`GET /system/token`, 2 h, re-acquired a minute early and
 * once more when a call reports the token invalid), single-use trade ids, calls carrying
 * `from_account, to_account, app_key, token` (+ `ds_sequence`) as query parameters, and classification
 * of `errcode` answers that arrive with HTTP 200. Secrets stay in the config object.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectorError } from '../../runtime/support/connector.ts';
import { CODES, connectorError, fail, parseRetryAfter } from '../shared/errors.ts';
import { header, HttpClient, parseJson } from '../shared/http.ts';

export interface U8Config {
  /** OpenAPI relay root (`https://api.yonyouup.com` or an emulator). */
  baseUrl: string;
  fromAccount: string;
  toAccount: string;
  appKey: string;
  appSecret: string;
  /** Which account set (data source) of `to_account`. */
  dsSequence?: string;
  /** The U8 operator the OpenAPI client writes as: records last modified by it are echoes. */
  operator?: string;
  timeoutMs?: number;
  connections?: number;
  /** Adds / edits in flight at once (U8 takes one document per call). */
  concurrency?: number;
  /** Items per upsertBatch call (the connector fans them out as single-document adds). */
  maxBatchSize?: number;
  /** Wait between polls of an asynchronous write's result. */
  pollIntervalMs?: number;
  /** Result polls before the write is reported as still running (retryable, same trade id). */
  maxPolls?: number;
  /** Modified-since query parameter per entity (default `{cursor}_begin`; ⚠ varies by entity and U8 version). */
  modifiedSinceParams?: Record<string, string>;
  /** UTC offset of U8's offset-less times (China Standard Time: 480). */
  utcOffsetMinutes?: number;
}

/**
 * Errcodes the connector branches on. 10001, 20005 and 30025 are documented; the credential, token and
 * trade-id codes are ⚠ unconfirmed (the emulator uses the same values) and live only here.
 */
export const U8_ERRCODES = {
  ok: '0',
  platform: '10001',
  notFound: '20002',
  u8Failed: '20005',
  badCredentials: '30001',
  tokenInvalid: '30002',
  tradeIdInvalid: '30003',
  running: '30025',
} as const;

/** Wait when the relay throttles without Retry-After. */
export const U8_THROTTLE_BACKOFF_MS = 5_000;

export interface U8Reply {
  errcode: string;
  errmsg: string;
  [key: string]: unknown;
}

export class U8Client {
  readonly config: U8Config;
  readonly http: HttpClient;
  private token: Promise<{ id: string; refreshAt: number }> | undefined;
  private readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(config: U8Config, now: () => number = Date.now, wait?: (ms: number, signal?: AbortSignal) => Promise<void>) {
    this.config = config;
    this.now = now;
    this.sleep = wait ?? ((ms, signal) => sleep(ms, undefined, signal ? { signal } : {}));
    this.http = new HttpClient({ system: 'yonyou-u8', timeoutMs: config.timeoutMs ?? 30_000, connections: config.connections ?? 8 });
  }

  private currentToken(signal?: AbortSignal): Promise<{ id: string; refreshAt: number }> {
    if (!this.token) {
      const p = this.acquire(signal);
      this.token = p;
      p.catch(() => {
        if (this.token === p) this.token = undefined;
      });
    }
    return this.token;
  }

  private async acquire(signal?: AbortSignal): Promise<{ id: string; refreshAt: number }> {
    const c = this.config;
    const body = await this.get('/system/token', { from_account: c.fromAccount, app_key: c.appKey, app_secret: c.appSecret }, signal);
    if (body.errcode !== U8_ERRCODES.ok) {
      throw fail(CODES.auth, 'retryable', `yonyou-u8 refused the token request for ${c.fromAccount} (errcode ${body.errcode})`, { vendorCode: body.errcode });
    }
    const t = body.token as { id?: unknown; expiresIn?: unknown } | undefined;
    if (typeof t?.id !== 'string') throw fail(CODES.badReply, 'retryable', 'yonyou-u8 token reply lacks token.id');
    const ttl = typeof t.expiresIn === 'number' ? t.expiresIn : Number(t.expiresIn ?? 7200);
    return { id: t.id, refreshAt: this.now() + Math.max(0, (Number.isFinite(ttl) ? ttl : 7200) - 60) * 1000 };
  }

  /** One HTTP exchange; HTTP-level failures are classified here, errcodes are returned. */
  private async get(path: string, params: Record<string, string>, signal?: AbortSignal, body?: unknown): Promise<U8Reply> {
    const url = new URL(path, this.config.baseUrl);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await this.http.send({
      method: body === undefined ? 'GET' : 'POST',
      url: url.toString(),
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal,
    });
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after'), this.now());
    if (res.status === 429) throw fail(CODES.throttled, 'throttled', 'yonyou-u8 throttled the call (HTTP 429)', { vendorCode: '429', retryAfterMs: retryAfterMs ?? U8_THROTTLE_BACKOFF_MS });
    if (res.status >= 500) throw fail(CODES.server, 'retryable', `yonyou-u8 answered HTTP ${res.status}`, { vendorCode: String(res.status), retryAfterMs });
    const json = parseJson(res.body) as Partial<U8Reply> | undefined;
    if (res.status !== 200 || typeof json !== 'object' || json === null || json.errcode === undefined) {
      throw fail(CODES.badReply, 'retryable', `yonyou-u8 answered HTTP ${res.status} without an errcode`, { vendorCode: String(res.status) });
    }
    return { ...json, errcode: String(json.errcode), errmsg: typeof json.errmsg === 'string' ? json.errmsg : '' } as U8Reply;
  }

  /**
   * An authenticated call: the account and token parameters are added; an invalid-token answer leads to
   * one new token and one retry (nothing was processed, so repeating is safe); a second is SS5151.
   */
  async call(path: string, params: Record<string, string>, opts: { body?: unknown; signal?: AbortSignal | undefined } = {}): Promise<U8Reply> {
    const c = this.config;
    for (let attempt = 0; ; attempt++) {
      let tokenPromise = this.currentToken(opts.signal);
      if ((await tokenPromise).refreshAt <= this.now() && this.token === tokenPromise) {
        this.token = undefined;
        tokenPromise = this.currentToken(opts.signal);
      }
      const token = await tokenPromise;
      const auth: Record<string, string> = { from_account: c.fromAccount, to_account: c.toAccount, app_key: c.appKey, token: token.id };
      if (c.dsSequence !== undefined) auth.ds_sequence = c.dsSequence;
      const reply = await this.get(path, { ...params, ...auth }, opts.signal, opts.body);
      if (reply.errcode !== U8_ERRCODES.tokenInvalid) return reply;
      if (attempt >= 1) throw fail(CODES.sessionLost, 'retryable', 'yonyou-u8 refused a freshly issued token', { vendorCode: reply.errcode });
      if (this.token === tokenPromise) this.token = undefined;
    }
  }

  /** A new single-use trade id (one per logical add/edit). */
  async tradeId(signal?: AbortSignal): Promise<string> {
    const c = this.config;
    // The trade-id call takes from_account, app_key and token only; `call` adds to_account, which U8 ignores here.
    const reply = await this.call('/system/tradeid', {}, { signal });
    const id = (reply.trade as { id?: unknown } | undefined)?.id;
    if (reply.errcode !== U8_ERRCODES.ok || typeof id !== 'string') throw fail(CODES.badReply, 'retryable', `yonyou-u8 issued no trade id for ${c.fromAccount} (errcode ${reply.errcode})`, { vendorCode: reply.errcode });
    return id;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/**
 * Class of a U8 errcode answer. 20005 carries U8's own business reason (the document is wrong); 10001
 * and unknown codes are platform trouble and retried; credential codes are SS5150.
 */
export function errorOfReply(reply: U8Reply, what: string): ConnectorError {
  const message = `yonyou-u8 ${what}: ${reply.errcode} ${reply.errmsg}`.trim();
  switch (reply.errcode) {
    case U8_ERRCODES.u8Failed:
      return connectorError(CODES.rejected, 'rejected', message, { vendorCode: reply.errcode });
    case U8_ERRCODES.badCredentials:
      return connectorError(CODES.auth, 'retryable', message, { vendorCode: reply.errcode });
    case U8_ERRCODES.tokenInvalid:
      return connectorError(CODES.sessionLost, 'retryable', message, { vendorCode: reply.errcode });
    case U8_ERRCODES.platform:
      return connectorError(CODES.server, 'retryable', message, { vendorCode: reply.errcode });
    default:
      return connectorError(CODES.badReply, 'retryable', message, { vendorCode: reply.errcode });
  }
}
