/**
 * Zoho CRM client: refresh-token grant against the accounts host (`POST /oauth/v2/token`), calls to the
 * returned `api_domain` with `Authorization: Zoho-oauthtoken …`, a proactive refresh a minute before
 * `expires_in` runs out and one refresh + one retry on 401 INVALID_TOKEN, and classification of
 * whole-call failures. Secrets stay in the config object and never reach errors or logs.
 */
import { CODES, fail, parseRetryAfter, type ConnectorFailure } from '../shared/errors.ts';
import { header, HttpClient, parseJson, type HttpResponse } from '../shared/http.ts';

export interface ZohoChannel {
  /** Notification channel id (digits, as registered with /actions/watch). */
  channelId: string;
  /** The token Zoho echoes in every callback (≤ 50 characters): the only authenticity check Zoho offers. */
  token: string;
  /** Module the channel watches; callbacks for other modules are refused. */
  module?: string;
}

export interface ZohoConfig {
  /** Accounts host of the data centre (`https://accounts.zoho.com`, `.eu`, `.com.cn`, … or an emulator). */
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** API version path segment (default `v8`; `fields` is mandatory from v3 on). */
  apiVersion?: string;
  timeoutMs?: number;
  connections?: number;
  /** Fields read per module (≤ 50); default: the catalog's fields of the module. */
  fields?: Record<string, string[]>;
  /** Notification channels whose callbacks this connection accepts. */
  channels?: ZohoChannel[];
  /** User id syncspec writes as; default: the current user of the OAuth token. Its changes are echoes. */
  integrationUserId?: string;
  /** How far `page` reaches before `page_token` is needed (Zoho: 2,000). */
  maxPageRecords?: number;
}

/** Wait used when Zoho throttles without Retry-After (credits are a rolling 24 h window; concurrency clears fast). */
export const ZOHO_THROTTLE_BACKOFF_MS = 60_000;

interface Session {
  token: string;
  apiDomain: string;
  /** Refresh when the clock passes this instant (a minute before Zoho's expiry). */
  refreshAt: number;
}

export interface ZohoErrorBody {
  code?: string;
  message?: string;
  status?: string;
  details?: Record<string, unknown>;
}

export class ZohoClient {
  readonly config: ZohoConfig;
  readonly http: HttpClient;
  readonly version: string;
  private session: Promise<Session> | undefined;
  private readonly now: () => number;

  constructor(config: ZohoConfig, now: () => number = Date.now) {
    this.config = config;
    this.now = now;
    this.version = config.apiVersion ?? 'v8';
    this.http = new HttpClient({ system: 'zoho-crm', timeoutMs: config.timeoutMs ?? 30_000, connections: config.connections ?? 10 });
  }

  private current(signal?: AbortSignal): Promise<Session> {
    if (!this.session) {
      const p = this.refresh(signal);
      this.session = p;
      p.catch(() => {
        if (this.session === p) this.session = undefined;
      });
    }
    return this.session;
  }

  private async refresh(signal?: AbortSignal): Promise<Session> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: this.config.clientId, client_secret: this.config.clientSecret, refresh_token: this.config.refreshToken });
    const res = await this.http.send({
      method: 'POST',
      url: new URL('/oauth/v2/token', this.config.accountsUrl).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
    });
    if (res.status !== 200) throw this.failureFor(res);
    const body = parseJson(res.body) as { access_token?: unknown; api_domain?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    // Zoho refuses a grant with HTTP 200 and an `error` field.
    if (typeof body?.error === 'string') throw fail(CODES.auth, 'retryable', `zoho refused the refresh-token grant (${body.error})`, { vendorCode: body.error });
    if (typeof body?.access_token !== 'string' || typeof body.api_domain !== 'string') throw fail(CODES.badReply, 'retryable', 'zoho token reply lacks access_token or api_domain');
    const ttl = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    return { token: body.access_token, apiDomain: body.api_domain, refreshAt: this.now() + Math.max(0, ttl - 60) * 1000 };
  }

  /** Path under `/crm/{version}/`. */
  crmPath(rest: string): string {
    return `/crm/${this.version}/${rest}`;
  }

  /**
   * An authenticated call to `{api_domain}{path}`. A 401 INVALID_TOKEN leads to one refresh and one
   * retry; a second one is SS5151. Other statuses are returned for the caller to interpret.
   */
  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, opts: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal | undefined } = {}): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      let sessionPromise = this.current(opts.signal);
      if ((await sessionPromise).refreshAt <= this.now() && this.session === sessionPromise) {
        this.session = undefined;
        sessionPromise = this.current(opts.signal);
      }
      const session = await sessionPromise;
      const res = await this.http.send({
        method,
        url: new URL(path, session.apiDomain).toString(),
        headers: {
          authorization: `Zoho-oauthtoken ${session.token}`,
          accept: 'application/json',
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: opts.signal,
      });
      if (res.status !== 401) return res;
      const code = (parseJson(res.body) as ZohoErrorBody | undefined)?.code;
      if (code !== 'INVALID_TOKEN') throw this.failureFor(res);
      if (attempt >= 1) throw fail(CODES.sessionLost, 'retryable', 'zoho rejected a freshly refreshed token (INVALID_TOKEN)', { vendorCode: 'INVALID_TOKEN' });
      if (this.session === sessionPromise) this.session = undefined;
    }
  }

  /** Classifies a non-success answer that applies to the whole call. */
  failureFor(res: HttpResponse): ConnectorFailure {
    const body = parseJson(res.body) as ZohoErrorBody | undefined;
    const code = typeof body?.code === 'string' ? body.code : undefined;
    const apiName = typeof body?.details?.api_name === 'string' ? ` (${body.details.api_name})` : '';
    const message = `zoho-crm answered HTTP ${res.status}${code ? ` ${code}` : ''}${body?.message ? `: ${body.message}` : ''}${apiName}`;
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after'), this.now());
    if (res.status === 429 || code === 'TOO_MANY_REQUESTS') return fail(CODES.throttled, 'throttled', message, { vendorCode: code ?? '429', retryAfterMs: retryAfterMs ?? ZOHO_THROTTLE_BACKOFF_MS });
    if (res.status >= 500 || code === 'INTERNAL_ERROR') return fail(CODES.server, 'retryable', message, { vendorCode: code ?? String(res.status), retryAfterMs });
    if (code === 'AUTHENTICATION_FAILURE' || code === 'OAUTH_SCOPE_MISMATCH' || res.status === 401) return fail(CODES.auth, 'retryable', message, { vendorCode: code ?? '401' });
    if (code === 'INVALID_MODULE') return fail(CODES.unknownEntity, 'bad-mapping', message, { vendorCode: code });
    if (code === 'LIMIT_EXCEEDED') return fail(CODES.batchTooLarge, 'rejected', message, { vendorCode: code });
    if (code === 'INVALID_DATA' || code === 'REQUIRED_PARAM_MISSING' || code === 'INVALID_URL_PATTERN' || code === 'DISCREPANCY_IN_PAGINATION') {
      return fail(CODES.queryRejected, 'bad-mapping', message, { vendorCode: code });
    }
    if (code === undefined) return fail(CODES.badReply, 'retryable', message, { vendorCode: String(res.status) });
    return fail(CODES.rejected, 'rejected', message, { vendorCode: code });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
