/**
 * Zoho CRM REST emulator (vendor-apis.md §4): `POST /oauth/v2/token` (refresh_token grant, 1 h tokens,
 * `api_domain`), `Authorization: Zoho-oauthtoken …` with 401 INVALID_TOKEN, upsert with
 * `duplicate_check_fields` (≤ 100 records, per-record results aligned with the input, 201/200/207),
 * record lists with `fields`, `per_page` ≤ 200, `sort_by`/`sort_order`, `page` up to the first 2,000
 * records and `page_token` beyond, `If-Modified-Since` (304 when nothing changed), 204 when empty,
 * `GET /users?type=CurrentUser`, 429 TOO_MANY_REQUESTS, and notification channels (`/actions/watch`)
 * whose callbacks carry record ids and the echoed channel token. Field rules come from the catalog.
 */
import type { ServerResponse } from 'node:http';
import type { FaultConfig } from '../../shared/emulator/faults.ts';
import { pushDeliveries, type DeliveryReport } from '../../shared/emulator/push.ts';
import { ZOHO_CATALOG, ZOHO_MODULES, type ZohoCatalogEntity, type ZohoCatalogField } from '../catalog.ts';
import { AdminInputError, baseAdmin, sendJson, startEmulatorServer, type EmulatorAdmin, type EmulatorRequest, type VendorHandler } from '../../shared/emulator/server.ts';

export type ZohoRecord = Record<string, unknown> & { id: string };

interface Row {
  id: string;
  values: Record<string, unknown>;
  createdMs: number;
  modifiedMs: number;
  modifiedBy: { id: string; name: string };
}

export interface WatchChannel {
  channel_id: string;
  events: string[];
  channel_expiry: string;
  token?: string;
  notify_url: string;
  return_affected_field_values: boolean;
}

export interface NotifyRequest {
  module: string;
  ids: string[];
  operation: 'insert' | 'update' | 'delete';
  /** Send every callback twice / in reverse order (Zoho delivers at least once, unordered). */
  duplicate?: boolean;
  reorder?: boolean;
  /** One callback carrying every id (default: one callback per record change). */
  grouped?: boolean;
}

export interface ZohoEmulatorOptions {
  port?: number;
  faults?: FaultConfig;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  now?: () => number;
  /** The CRM user's UTC offset; Zoho writes every datetime in it (default +05:30). */
  userOffsetMinutes?: number;
  /** How far `page` reaches before `page_token` is needed (Zoho: 2,000). */
  maxPageRecords?: number;
  tokenTtlSeconds?: number;
  /**
   * API credits per rolling 24 hours (Zoho: 50,000 plus per-licence credits). Every call costs one
   * credit, an upsert one per 10 records; past the allowance calls answer 429 TOO_MANY_REQUESTS.
   * Default: unlimited.
   */
  dailyCredits?: number;
  seed?: Record<string, Record<string, unknown>[]>;
}

export interface ZohoAdmin extends EmulatorAdmin {
  /** Records of a module as the API renders them, sorted by id. */
  records(module: string): ZohoRecord[];
  /** Creates records as a CRM user would (no write effects counted); `Modified_Time` may be given to make ties. */
  seed(module: string, rows: Record<string, unknown>[]): ZohoRecord[];
  /** A change by a person in the CRM UI. */
  mutate(module: string, id: string, fields: Record<string, unknown>): ZohoRecord;
  channels(): WatchChannel[];
  /** Delivers notification callbacks for these record ids to every live channel watching the event. */
  notify(req: NotifyRequest): Promise<DeliveryReport[]>;
  /** Expires one access token's clock: every token issued so far becomes invalid. */
  expireSessions(): void;
}

export interface ZohoEmulator {
  url: string;
  /** The API user syncspec's refresh token belongs to (Modified_By of API writes). */
  apiUser: { id: string; name: string };
  admin: ZohoAdmin;
  store: Map<string, Map<string, Row>>;
  close(): Promise<void>;
}

const UI_USER = { id: '5725767000000411001', name: 'CRM Admin' };

/** Reference records every emulator starts with (products for Sales_Orders / Invoices line items). */
export const ZOHO_BASE_DATA: Record<string, Record<string, unknown>[]> = {
  Products: [
    { Product_Name: '螺栓 M8', Product_Code: 'P-1001', Unit_Price: 1.2, Usage_Unit: 'Box', Product_Active: true },
    { Product_Name: 'Hex nut M8', Product_Code: 'P-1002', Unit_Price: 0.35, Usage_Unit: 'Box', Product_Active: true },
  ],
};
const API_USER = { id: '5725767000000411002', name: 'syncspec integration' };

const zohoError = (code: string, message: string, details: Record<string, unknown> = {}) => ({ code, details, message, status: 'error' });

/** ISO-8601 with the user's offset and whole seconds, as Zoho writes datetimes. */
export function zohoDateTime(ms: number, offsetMinutes: number): string {
  const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const parseInstant = (v: unknown): number => (typeof v === 'string' ? Date.parse(v) : NaN);

export async function startZohoEmulator(opts: ZohoEmulatorOptions = {}): Promise<ZohoEmulator> {
  const clientId = opts.clientId ?? '1000.SYNCSPECCLIENT';
  const clientSecret = opts.clientSecret ?? 'zoho-client-secret';
  const refreshToken = opts.refreshToken ?? '1000.refresh.syncspec';
  const now = opts.now ?? Date.now;
  const offset = opts.userOffsetMinutes ?? 330;
  const maxPage = opts.maxPageRecords ?? 2000;
  const ttl = opts.tokenTtlSeconds ?? 3600;

  const store = new Map<string, Map<string, Row>>();
  const tokens = new Map<string, number>();
  const pageTokens = new Map<string, { signature: string; offset: number; expiresAt: number }>();
  const channels = new Map<string, WatchChannel>();
  let idCounter = 0;
  let tokenCounter = 0;
  let url = '';

  const table = (module: string): Map<string, Row> => {
    let t = store.get(module);
    if (!t) store.set(module, (t = new Map()));
    return t;
  };
  const moduleOf = (name: string): [string, ZohoCatalogEntity] | undefined => {
    const key = Object.keys(ZOHO_MODULES).find((m) => m.toLowerCase() === name.toLowerCase());
    return key ? [key, ZOHO_MODULES[key] as ZohoCatalogEntity] : undefined;
  };
  const uniqueField = (m: ZohoCatalogEntity): string | undefined => m.keys.find((k) => k !== 'id');
  /** Line items (subforms) come only with single-record reads; lists leave them out. */
  const render = (row: Row, fields?: string[], withLineItems = false): ZohoRecord => {
    const values = withLineItems ? row.values : Object.fromEntries(Object.entries(row.values).filter(([, v]) => !Array.isArray(v)));
    const full: ZohoRecord = {
      ...values,
      id: row.id,
      Created_Time: zohoDateTime(row.createdMs, offset),
      Modified_Time: zohoDateTime(row.modifiedMs, offset),
      Modified_By: { ...row.modifiedBy },
    };
    if (!fields) return full;
    const out: ZohoRecord = { id: row.id };
    for (const f of fields) out[f] = full[f] ?? null;
    return out;
  };
  const newId = (): string => `57257670000${String(++idCounter).padStart(8, '0')}`;

  /** A value error for one field, or undefined when the value fits the catalog type. */
  const checkValue = (name: string, def: ZohoCatalogField, v: unknown): Record<string, unknown> | undefined => {
    if (v === null) return undefined;
    switch (def.type) {
      case 'string':
        if (typeof v !== 'string') return { api_name: name, expected_data_type: 'text' };
        if (def.maxLength !== undefined && v.length > def.maxLength) return { api_name: name, maximum_length: def.maxLength };
        return undefined;
      case 'decimal':
      case 'double':
        return typeof v === 'number' && Number.isFinite(v) ? undefined : { api_name: name, expected_data_type: def.type };
      case 'integer':
        return Number.isInteger(v) ? undefined : { api_name: name, expected_data_type: 'integer' };
      case 'boolean':
        return typeof v === 'boolean' ? undefined : { api_name: name, expected_data_type: 'boolean' };
      case 'enum':
        return typeof v === 'string' && (def.values ?? []).includes(v) ? undefined : { api_name: name, expected_data_type: 'picklist' };
      case 'date':
        return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? undefined : { api_name: name, expected_data_type: 'date' };
      case 'datetime':
        return Number.isNaN(parseInstant(v)) ? { api_name: name, expected_data_type: 'datetime' } : undefined;
      case 'reference': {
        const id = typeof v === 'object' && v !== null ? (v as { id?: unknown }).id : v;
        const target = def.entity !== undefined ? moduleOf(def.entity) : undefined;
        return typeof id === 'string' && target && table(target[0]).has(id) ? undefined : { api_name: name, expected_data_type: 'lookup' };
      }
      case 'list':
        return Array.isArray(v) ? undefined : { api_name: name, expected_data_type: 'subform' };
      default:
        return undefined;
    }
  };

  type RecordResult = Record<string, unknown> & { status: 'success' | 'error' };

  /** Validates line items against the child entity of the catalog and gives each an id. */
  const lineItems = (name: string, def: ZohoCatalogField, items: unknown[]): { rows: Record<string, unknown>[] } | { error: ReturnType<typeof zohoError> } => {
    const child = ZOHO_CATALOG.entities[def.entity ?? ''];
    const rows: Record<string, unknown>[] = [];
    for (const [i, raw] of items.entries()) {
      const path = `$.${name}[${i}]`;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: zohoError('INVALID_DATA', 'invalid data', { api_name: name, json_path: path }) };
      const item: Record<string, unknown> = {};
      for (const [ck, cv] of Object.entries(raw as Record<string, unknown>)) {
        const cdef = child?.fields[ck];
        if (!cdef) return { error: zohoError('INVALID_DATA', 'invalid data', { api_name: ck, json_path: `${path}.${ck}` }) };
        if (cdef.readOnly) continue;
        const bad = checkValue(ck, cdef, cv);
        if (bad) return { error: zohoError('INVALID_DATA', 'invalid data', { ...bad, json_path: `${path}.${ck}` }) };
        item[ck] = cdef.type === 'reference' && typeof cv === 'string' ? { id: cv } : cv;
      }
      for (const [ck, cdef] of Object.entries(child?.fields ?? {})) {
        if (cdef.requiredOnCreate && (item[ck] === undefined || item[ck] === null)) return { error: zohoError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: ck, json_path: `${path}.${ck}` }) };
      }
      const qty = typeof item.Quantity === 'number' ? item.Quantity : 0;
      const price = typeof item.List_Price === 'number' ? item.List_Price : 0;
      rows.push({ id: newId(), ...item, Total: Math.round(qty * price * 100) / 100 });
    }
    return { rows };
  };

  const upsertOne = (module: string, m: ZohoCatalogEntity, rec: unknown, dupFields: string[]): RecordResult => {
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return { ...zohoError('INVALID_DATA', 'invalid data', {}), status: 'error' };
    const input = rec as Record<string, unknown>;
    let matched: Row[] = [];
    let matchedField: string | undefined;
    for (const f of dupFields) {
      const v = input[f];
      if (v === undefined || v === null || v === '') continue;
      matched = [...table(module).values()].filter((r) => r.values[f] === v).sort((a, b) => (a.id < b.id ? -1 : 1));
      if (matched.length > 0) {
        matchedField = f;
        break;
      }
    }
    if (matched.length > 1) return { ...zohoError('DUPLICATE_DATA', 'duplicate data', { api_name: matchedField, id: matched[0]?.id }), status: 'error' };
    const existing = matched[0];
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      if (k === 'id' || k === '$approved' || k.startsWith('$')) continue;
      const def = m.fields[k];
      if (!def) return { ...zohoError('INVALID_DATA', 'invalid data', { api_name: k }), status: 'error' };
      if (def.readOnly) continue;
      const bad = checkValue(k, def, v);
      if (bad) return { ...zohoError('INVALID_DATA', 'invalid data', bad), status: 'error' };
      if (def.type === 'list') {
        const items = lineItems(k, def, v as unknown[]);
        if ('error' in items) return { ...items.error, status: 'error' };
        values[k] = items.rows;
        continue;
      }
      values[k] = def.type === 'reference' && typeof v === 'string' ? { id: v } : v;
    }
    const merged = { ...(existing?.values ?? {}), ...values };
    for (const [f, def] of Object.entries(m.fields)) {
      if (def.requiredOnCreate && (merged[f] === undefined || merged[f] === null || merged[f] === '')) {
        return { ...zohoError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: f }), status: 'error' };
      }
    }
    const unique = uniqueField(m);
    const uv = unique ? merged[unique] : undefined;
    if (unique && uv !== undefined && uv !== null && uv !== '') {
      const clash = [...table(module).values()].find((r) => r.values[unique] === uv && r.id !== existing?.id);
      if (clash) return { ...zohoError('DUPLICATE_DATA', 'duplicate data', { api_name: unique, id: clash.id }), status: 'error' };
    }
    const stamp = now();
    const row: Row = existing
      ? { ...existing, values: merged, modifiedMs: stamp, modifiedBy: API_USER }
      : { id: newId(), values: merged, createdMs: stamp, modifiedMs: stamp, modifiedBy: API_USER };
    table(module).set(row.id, row);
    base.effects.record(module, String(uv ?? row.id), existing ? 'update' : 'create');
    return {
      code: 'SUCCESS',
      duplicate_field: matchedField ?? null,
      action: existing ? 'update' : 'insert',
      details: { Modified_Time: zohoDateTime(row.modifiedMs, offset), Modified_By: { ...API_USER }, Created_Time: zohoDateTime(row.createdMs, offset), id: row.id, Created_By: { ...API_USER } },
      message: existing ? 'record updated' : 'record added',
      status: 'success',
    };
  };

  /** Seeds or edits as a person would: no validation beyond known fields, no effects counted. */
  const putDirect = (module: string, fields: Record<string, unknown>, id?: string): Row => {
    const mod = moduleOf(module);
    if (!mod) throw new AdminInputError(`unknown module ${module}`);
    const [name, m] = mod;
    const existing = id !== undefined ? table(name).get(id) : undefined;
    if (id !== undefined && !existing) throw new AdminInputError(`no ${name} record ${id}`);
    const values: Record<string, unknown> = { ...(existing?.values ?? {}) };
    let at = now();
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'Modified_Time') {
        at = parseInstant(v);
        if (Number.isNaN(at)) throw new AdminInputError(`Modified_Time ${String(v)} is not an ISO-8601 instant`);
        continue;
      }
      if (!m.fields[k]) throw new AdminInputError(`unknown field ${k} on ${name}`);
      values[k] = v;
    }
    const row: Row = existing ? { ...existing, values, modifiedMs: at, modifiedBy: UI_USER } : { id: newId(), values, createdMs: at, modifiedMs: at, modifiedBy: UI_USER };
    table(name).set(row.id, row);
    return row;
  };

  /** Credits spent, by the instant they were spent (a rolling 24 h window). */
  let spent: { at: number; credits: number }[] = [];
  const spendCredits = (req: EmulatorRequest, parts: string[]): boolean => {
    if (opts.dailyCredits === undefined) return true;
    const t = now();
    spent = spent.filter((s) => s.at > t - 86_400_000);
    let cost = 1;
    if (parts[1] === 'upsert') {
      let data: unknown;
      try {
        data = (JSON.parse(req.body || '{}') as { data?: unknown }).data;
      } catch {
        data = undefined; // the upsert handler answers the bad body
      }
      cost = Math.max(1, Math.ceil((Array.isArray(data) ? data.length : 0) / 10));
    }
    const used = spent.reduce((n, s) => n + s.credits, 0);
    if (used + cost > opts.dailyCredits) return false;
    spent.push({ at: t, credits: cost });
    return true;
  };

  const authorised = (req: EmulatorRequest, res: ServerResponse): boolean => {
    const h = req.headers.authorization ?? '';
    const m = /^Zoho-oauthtoken\s+(\S+)$/.exec(h);
    if (!m) {
      sendJson(res, 401, zohoError('AUTHENTICATION_FAILURE', 'Authentication failed'));
      return false;
    }
    const exp = tokens.get(m[1] as string);
    if (exp === undefined || exp <= now()) {
      sendJson(res, 401, zohoError('INVALID_TOKEN', 'invalid oauth token'));
      return false;
    }
    return true;
  };

  const handleToken = (req: EmulatorRequest, res: ServerResponse): void => {
    // Zoho takes the grant as query parameters; form bodies work too.
    const p = new URLSearchParams(req.query);
    for (const [k, v] of new URLSearchParams(req.body)) if (!p.has(k)) p.set(k, v);
    // Zoho answers refused grants with HTTP 200 and an `error` field.
    if (p.get('client_id') !== clientId || p.get('client_secret') !== clientSecret) return sendJson(res, 200, { error: 'invalid_client' });
    if (p.get('grant_type') !== 'refresh_token') return sendJson(res, 200, { error: 'unsupported_grant_type' });
    if (p.get('refresh_token') !== refreshToken) return sendJson(res, 200, { error: 'invalid_code' });
    base.stats.logins++;
    const token = `1000.${String(++tokenCounter).padStart(6, '0')}.zoho-access`;
    tokens.set(token, now() + ttl * 1000);
    sendJson(res, 200, { access_token: token, api_domain: url, token_type: 'Bearer', expires_in: ttl, scope: 'ZohoCRM.modules.ALL ZohoCRM.notifications.ALL ZohoCRM.users.READ' });
  };

  const listRecords = (req: EmulatorRequest, res: ServerResponse, module: string, m: ZohoCatalogEntity, major: number): void => {
    const q = req.query;
    const perPage = Number(q.get('per_page') ?? '200');
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 200) return sendJson(res, 400, zohoError('INVALID_DATA', 'invalid data', { api_name: 'per_page' }));
    const fieldsParam = q.get('fields');
    if (fieldsParam === null && major >= 3 && !q.has('ids')) return sendJson(res, 400, zohoError('REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param: 'fields' }));
    const fields = fieldsParam === null ? undefined : fieldsParam.split(',').map((f) => f.trim()).filter((f) => f !== '');
    const known = new Set([...Object.keys(m.fields), 'Modified_By', 'Created_Time', 'Modified_Time']);
    const unknown = fields?.find((f) => !known.has(f));
    if (unknown !== undefined) return sendJson(res, 400, zohoError('INVALID_DATA', 'invalid data', { api_name: unknown }));
    // ⚠ Line items (subforms) are read record by record, not through the list API.
    const lineItemField = fields?.find((f) => m.fields[f]?.type === 'list');
    if (lineItemField !== undefined) return sendJson(res, 400, zohoError('INVALID_DATA', 'line items are not available in the list API: read the record by id', { api_name: lineItemField }));
    if (fields && fields.length > 50) return sendJson(res, 400, zohoError('LIMIT_EXCEEDED', 'fields limit exceeded', { limit: 50 }));
    const sortBy = q.get('sort_by') ?? 'id';
    if (!['id', 'Created_Time', 'Modified_Time'].includes(sortBy)) return sendJson(res, 400, zohoError('INVALID_DATA', 'invalid data', { api_name: 'sort_by' }));
    const desc = (q.get('sort_order') ?? 'asc') === 'desc';
    const imsHeader = req.headers['if-modified-since'];
    const ims = typeof imsHeader === 'string' ? parseInstant(imsHeader) : undefined;
    if (ims !== undefined && Number.isNaN(ims)) return sendJson(res, 400, zohoError('INVALID_DATA', 'invalid data', { api_name: 'If-Modified-Since' }));
    const ids = q.get('ids')?.split(',');
    let rows = [...table(module).values()];
    if (ids) rows = rows.filter((r) => ids.includes(r.id));
    // Zoho keeps whole seconds; "modified since" means strictly after the given instant.
    if (ims !== undefined) rows = rows.filter((r) => Math.floor(r.modifiedMs / 1000) * 1000 > ims);
    const sortKey = (r: Row): number | string => (sortBy === 'Modified_Time' ? Math.floor(r.modifiedMs / 1000) : sortBy === 'Created_Time' ? Math.floor(r.createdMs / 1000) : r.id);
    rows.sort((a, b) => {
      const ka = sortKey(a);
      const kb = sortKey(b);
      const d = ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return desc ? -d : d;
    });
    const signature = JSON.stringify([module, fieldsParam, sortBy, desc, imsHeader ?? null, ids ?? null, perPage]);
    let start: number;
    let page = Number(q.get('page') ?? '1');
    const pageToken = q.get('page_token');
    if (pageToken !== null) {
      const t = pageTokens.get(pageToken);
      if (!t || t.signature !== signature || t.expiresAt <= now()) return sendJson(res, 400, zohoError('INVALID_DATA', 'invalid or expired page_token', { api_name: 'page_token' }));
      start = t.offset;
      page = Math.floor(start / perPage) + 1;
    } else {
      if (!Number.isInteger(page) || page < 1) return sendJson(res, 400, zohoError('INVALID_DATA', 'invalid data', { api_name: 'page' }));
      start = (page - 1) * perPage;
      if (start + perPage > maxPage) {
        return sendJson(res, 400, zohoError('DISCREPANCY_IN_PAGINATION', `page reaches only the first ${maxPage} records: continue with page_token`, { limit: maxPage }));
      }
    }
    if (rows.length === 0 && ims !== undefined) {
      res.writeHead(304).end();
      return;
    }
    const slice = rows.slice(start, start + perPage);
    if (slice.length === 0) {
      res.writeHead(204).end();
      return;
    }
    const more = start + slice.length < rows.length;
    let nextToken: string | null = null;
    if (more) {
      nextToken = `pt${String(pageTokens.size + 1).padStart(6, '0')}.${Buffer.from(signature).toString('base64url').slice(0, 12)}`;
      pageTokens.set(nextToken, { signature, offset: start + perPage, expiresAt: now() + 86_400_000 });
    }
    sendJson(res, 200, {
      data: slice.map((r) => render(r, fields)),
      info: {
        per_page: perPage,
        count: slice.length,
        page,
        sort_by: sortBy,
        sort_order: desc ? 'desc' : 'asc',
        more_records: more,
        next_page_token: nextToken,
        previous_page_token: null,
        page_token_expiry: nextToken ? zohoDateTime(now() + 86_400_000, offset) : null,
      },
    });
  };

  const upsert = (req: EmulatorRequest, res: ServerResponse, module: string, m: ZohoCatalogEntity): void => {
    let body: { data?: unknown; duplicate_check_fields?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return sendJson(res, 400, zohoError('INVALID_DATA', 'body is not valid JSON'));
    }
    if (!Array.isArray(body.data) || body.data.length === 0) return sendJson(res, 400, zohoError('REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { api_name: 'data' }));
    if (body.data.length > 100) return sendJson(res, 400, zohoError('LIMIT_EXCEEDED', 'the number of records exceeds the limit of 100', { limit: 100 }));
    const unique = uniqueField(m);
    const dup = body.duplicate_check_fields === undefined ? (unique ? [unique] : []) : body.duplicate_check_fields;
    if (!Array.isArray(dup) || !dup.every((f) => typeof f === 'string' && f in m.fields)) {
      return sendJson(res, 400, zohoError('INVALID_DATA', 'invalid duplicate_check_fields', { api_name: 'duplicate_check_fields' }));
    }
    const results = body.data.map((r) => upsertOne(module, m, r, dup as string[]));
    const ok = results.filter((r) => r.status === 'success');
    const status = ok.length === 0 ? 400 : ok.length < results.length ? 207 : ok.every((r) => r.action === 'insert') ? 201 : 200;
    sendJson(res, status, { data: results });
  };

  const watch = (req: EmulatorRequest, res: ServerResponse): void => {
    if (req.method === 'GET') return sendJson(res, 200, { watch: [...channels.values()].sort((a, b) => (a.channel_id < b.channel_id ? -1 : 1)) });
    if (req.method === 'DELETE') {
      const ids = (req.query.get('channel_ids') ?? '').split(',');
      for (const id of ids) channels.delete(id);
      return sendJson(res, 200, { watch: ids.map((id) => ({ code: 'SUCCESS', details: { channel_id: id }, message: 'Successfully unsubscribed from actions-watch', status: 'success' })) });
    }
    let body: { watch?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return sendJson(res, 400, zohoError('INVALID_DATA', 'body is not valid JSON'));
    }
    if (!Array.isArray(body.watch) || body.watch.length === 0) return sendJson(res, 400, zohoError('REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { api_name: 'watch' }));
    const out = body.watch.map((w: Record<string, unknown>) => {
      const channelId = typeof w.channel_id === 'number' || typeof w.channel_id === 'string' ? String(w.channel_id) : '';
      const events = Array.isArray(w.events) ? w.events.map(String) : [];
      const expiry = w.channel_expiry === undefined ? now() + 3_600_000 : parseInstant(w.channel_expiry);
      const bad =
        !/^\d{1,19}$/.test(channelId) ? 'channel_id'
        : events.length === 0 || !events.every((e) => /^([A-Za-z_]+)\.(all|create|edit|delete)$/.test(e) && moduleOf(e.split('.')[0] as string)) ? 'events'
        : typeof w.notify_url !== 'string' || !/^https?:\/\//.test(w.notify_url) ? 'notify_url'
        : w.token !== undefined && (typeof w.token !== 'string' || w.token.length > 50) ? 'token'
        : Number.isNaN(expiry) || expiry <= now() || expiry > now() + 86_400_000 ? 'channel_expiry'
        : undefined;
      if (bad) return zohoError('INVALID_DATA', 'invalid data', { api_name: bad });
      const prev = req.method === 'PATCH' ? channels.get(channelId) : undefined;
      const ch: WatchChannel = {
        channel_id: channelId,
        events: prev ? [...new Set([...prev.events, ...events])] : events,
        channel_expiry: zohoDateTime(expiry, offset),
        notify_url: w.notify_url as string,
        return_affected_field_values: w.return_affected_field_values === true,
        ...(typeof w.token === 'string' ? { token: w.token } : {}),
      };
      channels.set(channelId, ch);
      return {
        code: 'SUCCESS',
        details: { events: ch.events.map((e) => ({ channel_expiry: ch.channel_expiry, resource_uri: `${url}/crm/v2/${e.split('.')[0]}`, resource_name: e.split('.')[0], channel_id: channelId })) },
        message: 'Successfully subscribed for actions-watch of the given module',
        status: 'success',
      };
    });
    sendJson(res, out.some((o) => o.status === 'error') ? 400 : 200, { watch: out });
  };

  const vendor: VendorHandler = {
    handle(req, res) {
      if (req.path === '/oauth/v2/token' && req.method === 'POST') return handleToken(req, res);
      const vm = /^\/crm\/v(\d+)(?:\.\d+)?\/(.+)$/.exec(req.path);
      if (!vm) return sendJson(res, 404, zohoError('INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one'));
      if (!authorised(req, res)) return;
      const major = Number(vm[1]);
      const parts = (vm[2] as string).split('/');
      if (!spendCredits(req, parts)) return sendJson(res, 429, zohoError('TOO_MANY_REQUESTS', 'API credits for the last 24 hours are used up'));
      if (parts[0] === 'users' && req.method === 'GET') return sendJson(res, 200, { users: [{ id: API_USER.id, full_name: API_USER.name, email: 'syncspec@example.com', status: 'active' }] });
      if (parts[0] === 'actions' && parts[1] === 'watch') return watch(req, res);
      const mod = moduleOf(parts[0] as string);
      if (!mod) return sendJson(res, 400, zohoError('INVALID_MODULE', 'the module name given seems to be invalid'));
      const [module, m] = mod;
      if (parts.length === 1 && req.method === 'GET') return listRecords(req, res, module, m, major);
      if (parts.length === 2 && parts[1] === 'upsert' && req.method === 'POST') return upsert(req, res, module, m);
      if (parts.length === 2 && req.method === 'GET') {
        const row = table(module).get(parts[1] as string);
        if (!row) return res.writeHead(204).end() as unknown as void;
        return sendJson(res, 200, { data: [render(row, undefined, true)] });
      }
      sendJson(res, 404, zohoError('INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one'));
    },
    throttle(res, retryAfterSeconds) {
      sendJson(res, 429, zohoError('TOO_MANY_REQUESTS', 'too many requests, try again later'), retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    serverError(res, status, retryAfterSeconds) {
      sendJson(res, status, zohoError('INTERNAL_ERROR', 'Internal Server Error'), retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    expireSessions() {
      tokens.clear();
    },
    records(entity) {
      if (entity === undefined) return Object.fromEntries([...store.keys()].sort().map((k) => [k, table(k).size]));
      const mod = moduleOf(entity);
      if (!mod) throw new AdminInputError(`unknown module ${entity}`);
      return [...table(mod[0]).values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => render(r));
    },
    seed(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminInputError('seed body must be {"<Module>": [records]}');
      const out: Record<string, number> = {};
      for (const [module, rows] of Object.entries(body as Record<string, unknown>)) {
        if (!moduleOf(module)) throw new AdminInputError(`unknown module ${module}`);
        if (!Array.isArray(rows)) throw new AdminInputError(`seed ${module} must be an array`);
        out[module] = rows.map((r) => putDirect(module, r as Record<string, unknown>)).length;
      }
      return out;
    },
    reset() {
      store.clear();
      tokens.clear();
      pageTokens.clear();
      channels.clear();
      spent = [];
      seedAll();
    },
    adminRoutes: {
      'POST /__admin/notify': (body) => {
        const b = body as Partial<NotifyRequest>;
        if (typeof b.module !== 'string' || !Array.isArray(b.ids) || !['insert', 'update', 'delete'].includes(String(b.operation))) {
          throw new AdminInputError('notify body must be {"module":"Accounts","ids":[…],"operation":"insert|update|delete"}');
        }
        return admin.notify(b as NotifyRequest);
      },
      'GET /__admin/channels': () => [...channels.values()],
      'POST /__admin/mutate': (body) => {
        const b = body as { module?: unknown; id?: unknown; values?: unknown };
        if (typeof b.module !== 'string' || typeof b.id !== 'string' || typeof b.values !== 'object' || b.values === null) {
          throw new AdminInputError('mutate body must be {"module":"Accounts","id":"…","values":{…}}');
        }
        return admin.mutate(b.module, b.id, b.values as Record<string, unknown>);
      },
    },
  };

  function seedAll(): void {
    for (const [module, rows] of Object.entries(ZOHO_BASE_DATA)) for (const r of rows) putDirect(module, r);
    for (const [module, rows] of Object.entries(opts.seed ?? {})) for (const r of rows) putDirect(module, r);
  }

  const base = await startEmulatorServer(vendor, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.faults ? { faults: opts.faults } : {}) });
  url = base.url;
  seedAll();

  const eventName = { insert: 'create', update: 'edit', delete: 'delete' } as const;
  const admin: ZohoAdmin = {
    ...baseAdmin(base, vendor),
    records: (module) => vendor.records(module) as ZohoRecord[],
    seed: (module, rows) => rows.map((r) => render(putDirect(module, r))),
    mutate: (module, id, fields) => render(putDirect(module, fields, id)),
    channels: () => [...channels.values()],
    notify: async (req) => {
      const mod = moduleOf(req.module);
      if (!mod) throw new AdminInputError(`unknown module ${req.module}`);
      const [module] = mod;
      const live = [...channels.values()].filter(
        (c) => parseInstant(c.channel_expiry) > now() && c.events.some((e) => e === `${module}.all` || e === `${module}.${eventName[req.operation]}`),
      );
      const groups = req.grouped ? [req.ids] : req.ids.map((id) => [id]);
      const deliveries = live.flatMap((c) =>
        groups.map((ids) => {
          const rows = ids.map((id) => table(module).get(id));
          const serverTime = req.operation === 'delete' ? now() : Math.max(...rows.map((r) => r?.modifiedMs ?? now()));
          const body: Record<string, unknown> = {
            server_time: serverTime,
            query_params: {},
            module,
            resource_uri: `${url}/crm/v2/${module}`,
            ids,
            affected_fields: req.operation === 'update' ? [...new Set(rows.flatMap((r) => Object.keys(r?.values ?? {})))].sort() : [],
            operation: req.operation,
            channel_id: c.channel_id,
            ...(c.token !== undefined ? { token: c.token } : {}),
          };
          if (c.return_affected_field_values && req.operation !== 'delete') {
            body.affected_values = ids.map((id, i) => ({ record_id: id, values: { ...(rows[i]?.values ?? {}) } }));
          }
          return { id: `${c.channel_id}:${serverTime}:${ids.join(',')}`, url: c.notify_url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
        }),
      );
      const cfg = base.faults.current;
      return pushDeliveries(deliveries, {
        duplicate: req.duplicate ?? cfg.duplicateWebhooks ?? false,
        reorder: req.reorder ?? cfg.reorderWebhooks ?? false,
        accepted: (status) => status >= 200 && status < 300,
      });
    },
  };
  return { url: base.url, apiUser: API_USER, admin, store, close: base.close };
}
