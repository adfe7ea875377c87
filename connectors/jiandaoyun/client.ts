/**
 * Jiandaoyun v5 client: `Authorization: Bearer <API key>`, POST-only JSON calls, and classification of
 * the vendor's HTTP 400 `{code,msg}` errors (8303/8304 rate limits → throttled; 429 concurrency → throttled).
 */
import { CODES, fail, parseRetryAfter } from '../shared/errors.ts';
import { header, HttpClient, parseJson } from '../shared/http.ts';

export interface JiandaoyunFormRef {
  appId: string;
  entryId: string;
}

export interface JiandaoyunConfig {
  /** API base, e.g. `https://api.jiandaoyun.com/api`. */
  baseUrl: string;
  apiKey: string;
  /** Form names used in specs → app_id / entry_id. "appId/entryId" works without an entry here. */
  forms?: Record<string, JiandaoyunFormRef>;
  /** Data-push secret of the forms this connection receives. */
  webhookSecret?: string;
  /** Accepted clock skew of push timestamps, both ways (default 300 s). */
  webhookWindowSeconds?: number;
  /** Member username written as `data_creator` on creates; changes by it are echoes. */
  dataCreator?: string;
  /** Username the API key's writes are attributed to (updates carry no data_creator); changes by it are echoes too. */
  integrationUsername?: string;
  timeoutMs?: number;
  connections?: number;
}

/** Wait suggested for 8303/8304 without Retry-After: the limits are per second. */
export const JDY_THROTTLE_BACKOFF_MS = 1_000;

const THROTTLE_CODES = new Set([8303, 8304]);
const AUTH_CODES = new Set([8301, 8302]);
/** Codes meaning the spec names a form or widget the tenant does not have. */
const MAPPING_CODES = new Set([3000, 3005]);

export class JiandaoyunClient {
  readonly config: JiandaoyunConfig;
  readonly http: HttpClient;
  private readonly now: () => number;

  constructor(config: JiandaoyunConfig, now: () => number = Date.now) {
    this.config = config;
    this.now = now;
    this.http = new HttpClient({ system: 'jiandaoyun', timeoutMs: config.timeoutMs ?? 30_000, connections: config.connections ?? 8 });
  }

  /** POSTs `/v5/app/<path>` and returns the parsed JSON, or throws a classified ConnectorFailure. */
  async call(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return (await this.callWithDate(path, body, signal)).json;
  }

  /** Like `call`, plus the server's clock from the Date header (ms; undefined when absent). */
  async callWithDate(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<{ json: Record<string, unknown>; serverTimeMs: number | undefined }> {
    const base = this.config.baseUrl.replace(/\/+$/, '');
    const res = await this.http.send({
      method: 'POST',
      url: `${base}/v5/app/${path}`,
      headers: { authorization: `Bearer ${this.config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    const json = parseJson(res.body) as Record<string, unknown> | undefined;
    if (res.status >= 200 && res.status < 300) {
      if (typeof json !== 'object' || json === null) throw fail(CODES.badReply, 'retryable', `jiandaoyun ${path} answered with a body that is not a JSON object`);
      const date = Date.parse(header(res, 'date') ?? '');
      return { json, serverTimeMs: Number.isNaN(date) ? undefined : date };
    }
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after'), this.now());
    const code = typeof json?.code === 'number' ? json.code : Number(json?.code);
    const msg = typeof json?.msg === 'string' ? json.msg : `HTTP ${res.status}`;
    const vendorCode = Number.isFinite(code) ? String(code) : String(res.status);
    if (res.status === 429 || THROTTLE_CODES.has(code)) {
      throw fail(CODES.throttled, 'throttled', `jiandaoyun throttled ${path}: ${msg}`, { vendorCode, retryAfterMs: retryAfterMs ?? JDY_THROTTLE_BACKOFF_MS });
    }
    if (res.status >= 500) throw fail(CODES.server, 'retryable', `jiandaoyun ${path} answered HTTP ${res.status}`, { vendorCode, retryAfterMs });
    if (AUTH_CODES.has(code) || res.status === 401 || res.status === 403) throw fail(CODES.auth, 'retryable', `jiandaoyun refused the API key (${vendorCode})`, { vendorCode });
    if (MAPPING_CODES.has(code)) throw fail(CODES.badMapping, 'bad-mapping', `jiandaoyun ${path}: ${msg}`, { vendorCode });
    if (res.status === 400 && Number.isFinite(code)) throw fail(CODES.rejected, 'rejected', `jiandaoyun ${path}: ${msg}`, { vendorCode });
    throw fail(CODES.badReply, 'retryable', `jiandaoyun ${path} answered HTTP ${res.status}`, { vendorCode });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
