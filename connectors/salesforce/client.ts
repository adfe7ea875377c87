/**
 * Salesforce REST client: OAuth2 (client credentials or refresh token) against the login host, calls to
 * the returned `instance_url`, one re-authentication on 401 INVALID_SESSION_ID, and classification of
 * whole-call failures (403 REQUEST_LIMIT_EXCEEDED → throttled, 5xx → retryable, …). Secrets live only
 * in the resolved config object and are never put in errors or logs.
 */
import { createSign } from 'node:crypto';
import { CODES, fail, parseRetryAfter, type ConnectorFailure } from '../shared/errors.ts';
import { header, HttpClient, parseJson, type HttpResponse } from '../shared/http.ts';

export type SalesforceAuth =
  | { flow: 'client_credentials'; clientId: string; clientSecret: string }
  | { flow: 'refresh_token'; clientId: string; clientSecret: string; refreshToken: string }
  /** JWT bearer: an RS256 assertion signed with the connected app's certificate key (PEM). */
  | { flow: 'jwt_bearer'; clientId: string; username: string; privateKey: string; audience?: string };

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The short-lived RS256 assertion of the JWT bearer flow (iss = consumer key, sub = user, aud = login host). */
export function jwtAssertion(a: { clientId: string; username: string; privateKey: string }, audience: string, nowMs: number): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
  const unsigned = `${b64({ alg: 'RS256' })}.${b64({ iss: a.clientId, sub: a.username, aud: audience, exp: Math.floor(nowMs / 1000) + 180 })}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(a.privateKey, 'base64url')}`;
}

export interface SalesforceConfig {
  /** Login host (`https://login.salesforce.com`, a My Domain host, or an emulator URL). */
  loginUrl: string;
  auth: SalesforceAuth;
  apiVersion?: string;
  /** Organisation id Outbound Messages must carry (required to accept them). */
  organizationId?: string;
  /** Tag sent in `Sforce-Call-Options: client=…` on writes (echo suppression in CDC `changeOrigin`). */
  callClient?: string;
  /** User id syncspec writes as; defaults to the user of the OAuth token. Changes by it are echoes. */
  integrationUserId?: string;
  timeoutMs?: number;
  connections?: number;
  /** Fields read per object, including one-level paths (`Account.AccountNumber`); default: every field from `describe`. */
  fields?: Record<string, string[]>;
  /** Child records read with the parent: object → child relationship → fields (`{ Order: { OrderItems: ['Quantity', 'Product2.ProductCode'] } }`). */
  children?: Record<string, Record<string, string[]>>;
  /** Incremental cursor field (default SystemModstamp). */
  cursorField?: string;
  /** Read deletions too (`queryAll`, records with `deleted: true`); default true. */
  includeDeleted?: boolean;
}

/** Default used when Salesforce signals a request limit without Retry-After (limits are a rolling 24 h window). */
export const REQUEST_LIMIT_BACKOFF_MS = 60_000;

interface Session {
  token: string;
  instanceUrl: string;
  userId: string | undefined;
}

export interface SfErrorItem {
  message?: string;
  errorCode?: string;
  statusCode?: string;
  fields?: string[];
}

export class SalesforceClient {
  readonly config: SalesforceConfig;
  readonly apiVersion: string;
  readonly http: HttpClient;
  private session: Promise<Session> | undefined;
  private readonly now: () => number;

  constructor(config: SalesforceConfig, now: () => number = Date.now) {
    this.config = config;
    this.apiVersion = config.apiVersion ?? '66.0';
    this.now = now;
    this.http = new HttpClient({ system: 'salesforce', timeoutMs: config.timeoutMs ?? 30_000, connections: config.connections ?? 16 });
  }

  /** The user id of the current session (known after the first login). */
  async userId(signal?: AbortSignal): Promise<string | undefined> {
    return this.config.integrationUserId ?? (await this.currentSession(signal)).userId;
  }

  private currentSession(signal?: AbortSignal): Promise<Session> {
    if (!this.session) {
      const p = this.login(signal);
      this.session = p;
      p.catch(() => {
        if (this.session === p) this.session = undefined;
      });
    }
    return this.session;
  }

  private async login(signal?: AbortSignal): Promise<Session> {
    const a = this.config.auth;
    let form: URLSearchParams;
    if (a.flow === 'jwt_bearer') {
      let assertion: string;
      try {
        assertion = jwtAssertion(a, a.audience ?? new URL(this.config.loginUrl).origin, this.now());
      } catch {
        throw fail(CODES.auth, 'retryable', 'the private key of the Salesforce JWT bearer flow cannot sign (not an RSA PEM key)');
      }
      form = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion });
    } else {
      form = new URLSearchParams({ grant_type: a.flow, client_id: a.clientId, client_secret: a.clientSecret });
      if (a.flow === 'refresh_token') form.set('refresh_token', a.refreshToken);
    }
    const res = await this.http.send({
      method: 'POST',
      url: new URL('/services/oauth2/token', this.config.loginUrl).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
    });
    if (res.status !== 200) {
      // REST-style error arrays (limits, outages) are not credential problems.
      if (res.status >= 500 || res.status === 429 || Array.isArray(parseJson(res.body))) throw this.failureFor(res);
      const body = parseJson(res.body) as { error?: string } | undefined;
      throw fail(CODES.auth, 'retryable', `salesforce refused the ${a.flow} login (${body?.error ?? `HTTP ${res.status}`})`, { vendorCode: body?.error });
    }
    const body = parseJson(res.body) as { access_token?: string; instance_url?: string; id?: string } | undefined;
    if (!body?.access_token || !body.instance_url) throw fail(CODES.badReply, 'retryable', 'salesforce token reply lacks access_token or instance_url');
    return { token: body.access_token, instanceUrl: body.instance_url, userId: body.id?.split('/').pop() };
  }

  /**
   * An authenticated call to `{instance_url}{path}`. A 401 INVALID_SESSION_ID triggers one new login
   * and one retry; a second 401 is SS5151. Other statuses are returned for the caller to interpret.
   */
  async call(method: 'GET' | 'PATCH' | 'POST' | 'DELETE', path: string, opts: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal | undefined } = {}): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const sessionPromise = this.currentSession(opts.signal);
      const session = await sessionPromise;
      const res = await this.http.send({
        method,
        url: new URL(path, session.instanceUrl).toString(),
        headers: {
          authorization: `Bearer ${session.token}`,
          accept: 'application/json',
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers,
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: opts.signal,
      });
      if (res.status !== 401) return res;
      if (attempt >= 1) throw fail(CODES.sessionLost, 'retryable', 'salesforce rejected a fresh session (INVALID_SESSION_ID)', { vendorCode: 'INVALID_SESSION_ID' });
      if (this.session === sessionPromise) this.session = undefined;
    }
  }

  dataPath(rest: string): string {
    return `/services/data/v${this.apiVersion}${rest}`;
  }

  /** Classifies a non-success answer that applies to the whole call. */
  failureFor(res: HttpResponse): ConnectorFailure {
    const items = parseJson(res.body);
    const first = Array.isArray(items) ? (items[0] as SfErrorItem | undefined) : undefined;
    const code = first?.errorCode ?? first?.statusCode;
    const message = `salesforce answered HTTP ${res.status}${code ? ` ${code}` : ''}${first?.message ? `: ${first.message}` : ''}`;
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after'), this.now());
    if (code === 'REQUEST_LIMIT_EXCEEDED' || res.status === 429) {
      return fail(CODES.throttled, 'throttled', message, { vendorCode: code ?? '429', retryAfterMs: retryAfterMs ?? REQUEST_LIMIT_BACKOFF_MS });
    }
    if (res.status >= 500 || code === 'UNABLE_TO_LOCK_ROW' || code === 'SERVER_UNAVAILABLE') return fail(CODES.server, 'retryable', message, { vendorCode: code ?? String(res.status), retryAfterMs });
    if (code !== undefined && BAD_MAPPING_CODES.has(code)) return fail(CODES.badMapping, 'bad-mapping', message, { vendorCode: code });
    // An expired query locator means the pass must restart from the last checkpoint, not be retried as is.
    if (code === 'MALFORMED_QUERY' || code === 'INVALID_QUERY_LOCATOR') return fail(CODES.queryRejected, 'bad-mapping', message, { vendorCode: code });
    if (res.status === 300) return fail(CODES.ambiguousKey, 'rejected', message, { vendorCode: 'MULTIPLE_CHOICES' });
    if (res.status < 400 || code === undefined) return fail(CODES.badReply, 'retryable', message, { vendorCode: code ?? String(res.status) });
    return fail(CODES.rejected, 'rejected', message, { vendorCode: code });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** Vendor codes that mean the spec maps to something the org does not have. */
export const BAD_MAPPING_CODES = new Set(['INVALID_FIELD', 'INVALID_TYPE', 'NOT_FOUND', 'INVALID_FIELD_FOR_INSERT_UPDATE', 'MISSING_ARGUMENT', 'JSON_PARSER_ERROR']);
