/**
 * SAP S/4HANA OData v2 client. Logon is a GET of a service root with Basic credentials and
 * `x-csrf-token: Fetch`: it yields the session cookies (`SAP_SESSIONID_<SID>_<client>`,
 * `sap-usercontext`) and the CSRF token. Later calls carry the cookies (and the token on modifying
 * requests) but not the password, so an expired session shows as 401 and a stale token as 403
 * `x-csrf-token: Required`; either leads to one new logon and one retry. Whole-call failures are
 * classified from the status and the OData error body (`error.code`, never the message text).
 */
import { CODES, fail, parseRetryAfter, type ConnectorFailure } from '../shared/errors.ts';
import { header, HttpClient, parseJson, type HttpResponse } from '../shared/http.ts';
import { SERVICE_ROOT } from './catalog.ts';

export interface SapConfig {
  /** System host (`https://my-s4.example.com` or an emulator URL). */
  baseUrl: string;
  /** Communication user and password (Basic authentication). */
  username: string;
  password: string;
  /** `sap-client` added to every URL when set. */
  sapClient?: string;
  timeoutMs?: number;
  connections?: number;
  /** Single-entity writes in flight at once. */
  concurrency?: number;
  /** Items per upsertBatch call (each becomes its own create or update). */
  maxBatchSize?: number;
  /** Navigation properties read with each entity (default: A_SalesOrder → to_Item). */
  expand?: Record<string, string[]>;
}

/** Wait used when a gateway throttles without Retry-After. */
export const SAP_THROTTLE_BACKOFF_MS = 10_000;

export interface ODataError {
  code?: string;
  message?: { lang?: string; value?: string };
  innererror?: { errordetails?: { code?: string; message?: string; target?: string }[] };
}

interface Session {
  cookie: string;
  csrf: string | undefined;
}

export type SapMethod = 'GET' | 'POST' | 'PATCH';

export class SapClient {
  readonly config: SapConfig;
  readonly http: HttpClient;
  private session: Promise<Session> | undefined;
  private readonly now: () => number;

  constructor(config: SapConfig, now: () => number = Date.now) {
    this.config = config;
    this.now = now;
    this.http = new HttpClient({ system: 'sap-s4hana', timeoutMs: config.timeoutMs ?? 60_000, connections: config.connections ?? 8 });
  }

  /** Absolute URL of a resource in a service, with OData query options encoded as %20 (not "+"). */
  url(service: string, resource: string, params: Record<string, string> = {}): string {
    const all = { ...params, ...(this.config.sapClient !== undefined ? { 'sap-client': this.config.sapClient } : {}) };
    const query = Object.entries(all).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    return `${new URL(`${SERVICE_ROOT}${service}/${resource}`, this.config.baseUrl).toString()}${query ? `?${query}` : ''}`;
  }

  private current(service: string, signal?: AbortSignal): Promise<Session> {
    if (!this.session) {
      const p = this.logon(service, signal);
      this.session = p;
      p.catch(() => {
        if (this.session === p) this.session = undefined;
      });
    }
    return this.session;
  }

  private async logon(service: string, signal?: AbortSignal): Promise<Session> {
    const res = await this.http.send({
      method: 'GET',
      url: this.url(service, ''),
      headers: {
        authorization: `Basic ${Buffer.from(`${this.config.username}:${this.config.password}`, 'utf8').toString('base64')}`,
        'x-csrf-token': 'Fetch',
        accept: 'application/json',
      },
      signal,
    });
    if (res.status === 401) throw fail(CODES.auth, 'retryable', `sap-s4hana refused the logon of ${this.config.username} (HTTP 401)`, { vendorCode: '401' });
    if (res.status !== 200) throw this.failureFor(res);
    const cookie = cookiesOf(res);
    if (cookie === '') throw fail(CODES.badReply, 'retryable', 'sap-s4hana logon set no session cookie');
    return { cookie, csrf: header(res, 'x-csrf-token') };
  }

  /**
   * A call with the session cookies (and the CSRF token when modifying). 401 (session gone) or 403 with
   * `x-csrf-token: Required` lead to one new logon and one retry; a second is SS5151.
   */
  async call(method: SapMethod, service: string, url: string, opts: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal | undefined } = {}): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const sessionPromise = this.current(service, opts.signal);
      const s = await sessionPromise;
      const res = await this.http.send({
        method,
        url,
        headers: {
          cookie: s.cookie,
          accept: 'application/json',
          ...(method !== 'GET' && s.csrf !== undefined ? { 'x-csrf-token': s.csrf } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: opts.signal,
      });
      const csrfRequired = res.status === 403 && header(res, 'x-csrf-token')?.toLowerCase() === 'required';
      if (res.status !== 401 && !csrfRequired) return res;
      if (attempt >= 1) {
        throw fail(CODES.sessionLost, 'retryable', `sap-s4hana refused a fresh ${csrfRequired ? 'CSRF token' : 'session'} (HTTP ${res.status})`, { vendorCode: csrfRequired ? 'CSRF Required' : '401' });
      }
      if (this.session === sessionPromise) this.session = undefined;
    }
  }

  /** Classifies a non-success answer from its status and OData error code. */
  failureFor(res: HttpResponse): ConnectorFailure {
    const error = (parseJson(res.body) as { error?: ODataError } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : undefined;
    const detail = error?.innererror?.errordetails?.map((d) => d.message).filter((m) => m !== undefined).join('; ');
    const message = `sap-s4hana answered HTTP ${res.status}${code ? ` ${code}` : ''}${error?.message?.value ? `: ${error.message.value}` : ''}${detail && detail !== error?.message?.value ? ` (${detail})` : ''}`;
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after'), this.now());
    const vendorCode = code ?? String(res.status);
    if (res.status === 429) return fail(CODES.throttled, 'throttled', message, { vendorCode, retryAfterMs: retryAfterMs ?? SAP_THROTTLE_BACKOFF_MS });
    if (res.status >= 500 || res.status === 408) return fail(CODES.server, 'retryable', message, { vendorCode, retryAfterMs });
    // Someone changed the entity between our read and write: re-reading and retrying resolves it.
    if (res.status === 412) return fail(CODES.server, 'retryable', message, { vendorCode });
    if (res.status === 401 || res.status === 403) return fail(CODES.auth, 'retryable', message, { vendorCode });
    // Gateway framework codes (/IWBEP/, /IWFND/) mean the request does not fit the service: a mapping problem.
    if (code !== undefined && /^\/IW(BEP|FND)\//.test(code)) return fail(res.status === 404 ? CODES.unknownEntity : CODES.badMapping, 'bad-mapping', message, { vendorCode });
    if (res.status >= 400 && res.status < 500 && code !== undefined) return fail(CODES.rejected, 'rejected', message, { vendorCode });
    return fail(CODES.badReply, 'retryable', message, { vendorCode });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** `name=value` pairs of every Set-Cookie, joined for a Cookie header. */
function cookiesOf(res: HttpResponse): string {
  const raw = res.headers['set-cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const jar = new Map<string, string>();
  for (const c of list) {
    const m = /^\s*([^=;\s]+)=([^;]*)/.exec(c);
    if (m) jar.set(m[1] as string, m[2] as string);
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}
