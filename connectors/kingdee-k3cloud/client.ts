/**
 * Kingdee K3Cloud WebAPI client: cookie login (ValidateUser with a password, or LoginByAppSecret),
 * replay of `kdservice-sessionid` + `ASP.NET_SessionId`, and one re-login + one retry when the service
 * answers HTTP 200 with `MsgCode: 1` (session lost). Business results are normalised here
 * (`IsSuccess` may be a boolean or the strings "true"/"false").
 */
import { CODES, fail, parseRetryAfter } from '../shared/errors.ts';
import { randomUUID } from 'node:crypto';
import { header, HttpClient, parseJson } from '../shared/http.ts';
import { signedHeaders } from './signing.ts';

export type KingdeeAuth =
  | { kind: 'password'; password: string }
  | { kind: 'appSecret'; appId: string; appSecret: string }
  /** Third-party authorisation: every request signed (X-Api-Signature, X-Kd-Signature); no login. */
  | { kind: 'signedHeaders'; appId: string; appSecret: string; orgNumber: string };

export interface KingdeeFormConfig {
  /** Primary key field (FCUSTID, FMATERIALID, FID). */
  pk: string;
  /** Base data owned per organisation (has FUseOrgId): look-ups filter on `useOrgNumber`. */
  perOrg?: boolean;
  /** Business number field (FNumber, FBillNo). */
  number: string;
  /** Header FieldKeys read by readChanges / scan (dotted paths read base-data sub-fields). */
  fields: string[];
  /** Entry collections read with each record: entry key → FieldKeys of its rows (`{ FSaleOrderEntry: ['FMaterialId.FNumber', 'FQty'] }`). */
  entries?: Record<string, { pk: string; fields: string[] }>;
}

export interface KingdeeConfig {
  /** Service root, e.g. `https://erp.example.com/k3cloud/`. */
  serverUrl: string;
  acctId: string;
  username: string;
  auth: KingdeeAuth;
  lcid?: number;
  timeoutMs?: number;
  connections?: number;
  /** Forms beyond the built-in BD_Customer, BD_MATERIAL, SAL_SaleOrder. */
  forms?: Record<string, KingdeeFormConfig>;
  /** UTC offset of the server's offset-less local times (China Standard Time: 480). */
  utcOffsetMinutes?: number;
  /** Page size cap of ExecuteBillQuery (2,000; 10,000 after the 2023-11 patch). */
  maxQueryLimit?: number;
  /** Records per BatchSave call (no documented cap; large batches make long transactions). */
  maxBatchSize?: number;
  /**
   * Use organisation (FUseOrgId number) whose base data this connection reads and writes: one business
   * number can exist once per organisation, so look-ups of forms with FUseOrgId filter on it.
   */
  useOrgNumber?: string;
}

export const DEFAULT_KINGDEE_FORMS: Record<string, KingdeeFormConfig> = {
  BD_Customer: { pk: 'FCUSTID', number: 'FNumber', perOrg: true, fields: ['FName', 'FShortName', 'FTEL', 'FADDRESS', 'FTRADINGCURRID.FNumber', 'FModifierId'] },
  BD_MATERIAL: { pk: 'FMATERIALID', number: 'FNumber', perOrg: true, fields: ['FName', 'FSpecification', 'FModifierId'] },
  SAL_SaleOrder: {
    pk: 'FID',
    number: 'FBillNo',
    fields: ['FDate', 'FCustId.FNumber', 'FSaleOrgId.FNumber', 'FNote', 'FModifierId'],
    entries: { FSaleOrderEntry: { pk: 'FEntryID', fields: ['FMaterialId.FNumber', 'FQty', 'FPrice', 'FTaxPrice', 'FEntryTaxRate', 'FUnitID.FNumber'] } },
  },
};

/** Wait suggested when a gateway throttles without Retry-After. */
export const KINGDEE_THROTTLE_BACKOFF_MS = 1_000;

export interface KdStatus {
  ok: boolean;
  msgCode: number | undefined;
  errors: { FieldName?: string | null; Message?: string; DIndex?: number }[];
  successes: { Id?: number | string; Number?: string; DIndex?: number }[];
}

export function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

/** Normalises a `ResponseStatus` object (undefined when the value is not one). */
export function readStatus(v: unknown): KdStatus | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Record<string, unknown>;
  if (!('IsSuccess' in s)) return undefined;
  const msg = s.MsgCode;
  return {
    ok: isTrue(s.IsSuccess),
    msgCode: msg === undefined || msg === null || msg === '' ? undefined : Number(msg),
    errors: Array.isArray(s.Errors) ? (s.Errors as KdStatus['errors']) : [],
    successes: Array.isArray(s.SuccessEntitys) ? (s.SuccessEntitys as KdStatus['successes']) : [],
  };
}

/** The ResponseStatus of a reply: `{Result:{ResponseStatus}}`, or nested in a query's `[[{Result:…}]]`. */
export function statusOf(body: unknown): KdStatus | undefined {
  if (Array.isArray(body)) {
    const first = Array.isArray(body[0]) ? (body[0] as unknown[])[0] : undefined;
    return first !== undefined && typeof first === 'object' && first !== null && 'Result' in first ? statusOf(first) : undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const result = (body as { Result?: { ResponseStatus?: unknown } }).Result;
  return readStatus(result?.ResponseStatus);
}

const isSessionLost = (s: KdStatus | undefined): boolean => s !== undefined && !s.ok && s.msgCode === 1;

export class KingdeeClient {
  readonly config: KingdeeConfig;
  readonly http: HttpClient;
  private cookies: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(config: KingdeeConfig, now: () => number = Date.now) {
    this.config = config;
    this.now = now;
    this.http = new HttpClient({ system: 'kingdee', timeoutMs: config.timeoutMs ?? 60_000, connections: config.connections ?? 8 });
  }

  private url(service: string): string {
    const root = this.config.serverUrl.endsWith('/') ? this.config.serverUrl : `${this.config.serverUrl}/`;
    return `${root}${service}.common.kdsvc`;
  }

  private session(signal?: AbortSignal): Promise<string> {
    if (!this.cookies) {
      const p = this.login(signal);
      this.cookies = p;
      p.catch(() => {
        if (this.cookies === p) this.cookies = undefined;
      });
    }
    return this.cookies;
  }

  private async login(signal?: AbortSignal): Promise<string> {
    const a = this.config.auth;
    if (a.kind === 'signedHeaders') return ''; // every request carries its own signature
    const lcid = this.config.lcid ?? 2052;
    const service = a.kind === 'password' ? 'Kingdee.BOS.WebApi.ServicesStub.AuthService.ValidateUser' : 'Kingdee.BOS.WebApi.ServicesStub.AuthService.LoginByAppSecret';
    const body =
      a.kind === 'password'
        ? { acctID: this.config.acctId, username: this.config.username, password: a.password, lcid }
        : { acctID: this.config.acctId, username: this.config.username, appId: a.appId, appSecret: a.appSecret, lcid };
    const res = await this.post(service, body, undefined, signal);
    const reply = res.json as { LoginResultType?: unknown; KDSVCSessionId?: unknown; Message?: unknown } | undefined;
    if (Number(reply?.LoginResultType) !== 1) {
      throw fail(CODES.auth, 'retryable', `kingdee refused the login of ${this.config.username} (LoginResultType ${String(reply?.LoginResultType)})`, {
        vendorCode: `LoginResultType ${String(reply?.LoginResultType)}`,
      });
    }
    const set = res.setCookie;
    const jar = new Map<string, string>();
    for (const c of set) {
      const m = /^\s*([^=;]+)=([^;]*)/.exec(c);
      if (m && (m[1] === 'kdservice-sessionid' || m[1] === 'ASP.NET_SessionId')) jar.set(m[1], m[2] as string);
    }
    if (!jar.has('kdservice-sessionid') && typeof reply?.KDSVCSessionId === 'string') jar.set('kdservice-sessionid', reply.KDSVCSessionId);
    if (!jar.has('kdservice-sessionid')) throw fail(CODES.badReply, 'retryable', 'kingdee login reply carried no session id');
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Headers of the signed-headers method for one call (fresh nonce, Unix-seconds timestamp). */
  private signed(url: string): Record<string, string> {
    const a = this.config.auth;
    if (a.kind !== 'signedHeaders') return {};
    const id = { appId: a.appId, appSecret: a.appSecret, acctId: this.config.acctId, username: this.config.username, lcid: this.config.lcid ?? 2052, orgNumber: a.orgNumber };
    return signedHeaders(id, new URL(url).pathname, randomUUID().replace(/-/g, ''), String(Math.floor(this.now() / 1000)));
  }

  private async post(service: string, body: unknown, cookie: string | undefined, signal?: AbortSignal): Promise<{ json: unknown; setCookie: string[] }> {
    const sid = cookie ? /kdservice-sessionid=([^;]+)/.exec(cookie)?.[1] : undefined;
    const url = this.url(service);
    const res = await this.http.send({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(cookie ? { cookie } : {}), ...(sid ? { 'kdservice-sessionid': sid } : {}), ...this.signed(url) },
      body: JSON.stringify(body),
      signal,
    });
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after'), this.now());
    if (res.status === 429) throw fail(CODES.throttled, 'throttled', 'kingdee throttled the call (HTTP 429)', { vendorCode: '429', retryAfterMs: retryAfterMs ?? KINGDEE_THROTTLE_BACKOFF_MS });
    // 519 and 5xx come from the gateway or IIS: transient.
    if (res.status >= 500) throw fail(CODES.server, 'retryable', `kingdee answered HTTP ${res.status}`, { vendorCode: String(res.status), retryAfterMs });
    if (res.status === 401 || res.status === 403) {
      const errcode = (parseJson(res.body) as { errcode?: unknown } | undefined)?.errcode;
      throw fail(CODES.auth, 'retryable', `kingdee refused the request signature (HTTP ${res.status})`, { vendorCode: errcode === undefined ? String(res.status) : String(errcode) });
    }
    if (res.status !== 200) throw fail(CODES.badReply, 'retryable', `kingdee answered HTTP ${res.status}`, { vendorCode: String(res.status) });
    const json = parseJson(res.body);
    if (json === undefined) throw fail(CODES.badReply, 'retryable', 'kingdee answered with a body that is not JSON');
    const raw = res.headers['set-cookie'];
    return { json, setCookie: raw === undefined ? [] : Array.isArray(raw) ? raw : [raw] };
  }

  /**
   * Calls a DynamicFormService operation. A session-lost answer (MsgCode 1) leads to one new login and
   * one retry; a second one is SS5151.
   */
  async call(operation: 'Save' | 'BatchSave' | 'View' | 'ExecuteBillQuery' | 'Delete', formId: string, data: unknown, signal?: AbortSignal): Promise<unknown> {
    const service = `Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.${operation}`;
    for (let attempt = 0; ; attempt++) {
      const current = this.session(signal);
      const cookie = await current;
      const { json } = await this.post(service, { formid: formId, data }, cookie === '' ? undefined : cookie, signal);
      if (!isSessionLost(statusOf(json))) return json;
      if (attempt >= 1 || this.config.auth.kind === 'signedHeaders') throw fail(CODES.sessionLost, 'retryable', 'kingdee lost the session again right after a new login (MsgCode 1)', { vendorCode: 'MsgCode 1' });
      if (this.cookies === current) this.cookies = undefined;
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
