/**
 * Salesforce REST emulator: OAuth2 token endpoint, version list, sObject upsert by external id,
 * sObject Collections upsert (≤ 200, per-record results in input order, allOrNone), SOQL with
 * `nextRecordsUrl` paging and `Sforce-Query-Options: batchSize`, `Sforce-Limit-Info` on every answer,
 * 403 REQUEST_LIMIT_EXCEEDED when throttled, 401 INVALID_SESSION_ID on unknown or expired tokens, and
 * Outbound Messages (SOAP `notifications`, retried until `<Ack>true</Ack>`). See vendor-apis.md §1.
 */
import { createVerify } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { EffectRow } from '../../shared/emulator/effects.ts';
import type { FaultConfig } from '../../shared/emulator/faults.ts';
import { pushDeliveries, type DeliveryReport } from '../../shared/emulator/push.ts';
import {
  AdminInputError,
  baseAdmin,
  sendJson,
  startEmulatorServer,
  type EmulatorAdmin,
  type EmulatorRequest,
  type Stats,
  type VendorHandler,
} from '../../shared/emulator/server.ts';
import { DEFAULT_OBJECTS, resolveField, resolveObject, type SfObject } from './objects.ts';
import { isAck, notificationsXml } from '../outbound.ts';
import { mapFields, matches, parseSoql, SoqlError, sortRows, type SoqlQuery } from './soql.ts';

export type SfRecord = Record<string, unknown> & { Id: string };

export interface SalesforceEmulatorOptions {
  port?: number;
  faults?: FaultConfig;
  /** Records to start with, by object; system fields (Id, SystemModstamp, …) may be given to set ties. */
  seed?: Record<string, Record<string, unknown>[]>;
  clientId?: string;
  clientSecret?: string;
  /** Refresh tokens the token endpoint accepts. */
  refreshTokens?: string[];
  /** Certificate public key (PEM) of the connected app, for the JWT bearer flow; `jwtUsers` may log in with it. */
  jwtPublicKey?: string;
  jwtUsers?: string[];
  organizationId?: string;
  /** User the API writes as (LastModifiedById of API writes; echo detection keys on it). */
  apiUserId?: string;
  /** Clock for SystemModstamp (tests pin it to make timestamp ties). */
  now?: () => number;
  objects?: Record<string, SfObject>;
  /** 24-hour request allowance shown in Sforce-Limit-Info. */
  dailyLimit?: number;
  /** Collections and SOQL page sizes (real: 200 records, batchSize 200–2000). */
  maxCollectionSize?: number;
  /** Outbound Message rules: a person's change to a record of `type` (admin mutate) is sent to `url`. */
  outbound?: { type: string; url: string; fields?: string[] }[];
}

export interface OutboundRequest {
  url: string;
  type: string;
  /** Record ids to notify about (default: every record of the type). */
  ids?: string[];
  /** Fields in each sObject (default: all). */
  fields?: string[];
  duplicate?: boolean;
  /** Deliver messages, and notifications inside each, in reverse order. */
  reorder?: boolean;
  attempts?: number;
  /** Notifications per SOAP message (Salesforce sends up to 100). */
  perMessage?: number;
}

export interface SalesforceAdmin extends EmulatorAdmin {
  records(type: string): SfRecord[];
  seed(type: string, rows: Record<string, unknown>[]): SfRecord[];
  /** A change made by a person in the Salesforce UI (not an API effect; LastModifiedById is a human user). */
  mutate(type: string, fields: Record<string, unknown> & { Id?: string }): SfRecord;
  sendOutbound(req: OutboundRequest): Promise<DeliveryReport[]>;
  /** A person deletes a record in the UI (to the recycle bin; visible to queryAll). */
  remove(type: string, id: string): SfRecord;
  /** Resolves when every outbound message triggered by mutations so far has been delivered or given up. */
  outboundIdle(): Promise<DeliveryReport[]>;
}

export interface SalesforceEmulator {
  url: string;
  organizationId: string;
  apiUserId: string;
  admin: SalesforceAdmin;
  store: Map<string, Map<string, SfRecord>>;
  close(): Promise<void>;
}

export const API_VERSIONS = ['45.0', '52.0', '59.0', '62.0', '66.0'];
const UI_USER_ID = '005Em0000000UIUSR';

const sfError = (errorCode: string, message: string, fields?: string[]) => [{ message, errorCode, ...(fields ? { fields } : {}) }];

function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export async function startSalesforceEmulator(opts: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
  const objects = { ...DEFAULT_OBJECTS, ...opts.objects };
  const clientId = opts.clientId ?? 'syncspec-client';
  const clientSecret = opts.clientSecret ?? 'syncspec-secret';
  const refreshTokens = new Set(opts.refreshTokens ?? []);
  const organizationId = opts.organizationId ?? '00DEm0000000001AAA';
  const apiUserId = opts.apiUserId ?? '005Em0000000APIUSR';
  const now = opts.now ?? Date.now;
  const dailyLimit = opts.dailyLimit ?? 15000;
  const maxCollection = opts.maxCollectionSize ?? 200;

  const store = new Map<string, Map<string, SfRecord>>();
  const tokens = new Map<string, { userId: string }>();
  const locators = new Map<string, { rows: SfRecord[]; project: (rec: SfRecord) => Record<string, unknown>; pageSize: number; version: string; endpoint: 'query' | 'queryAll' }>();
  const notificationIds = new Map<string, string>();
  let idCounter = 0;
  let tokenCounter = 0;
  let locatorCounter = 0;
  let autoNumber = 0;
  let apiUsage = 0;
  let url = '';

  /** External-id indexes: type → field → value → ids, so upserts stay O(1) with 100k records. */
  const extIndex = new Map<string, Map<string, Map<string, Set<string>>>>();
  const indexFor = (type: string, field: string): Map<string, Set<string>> => {
    let byField = extIndex.get(type);
    if (!byField) extIndex.set(type, (byField = new Map()));
    let idx = byField.get(field);
    if (!idx) byField.set(field, (idx = new Map()));
    return idx;
  };
  /** Stores a record and keeps the external-id indexes in step. */
  const save = (type: string, rec: SfRecord): void => {
    const obj = objects[type] as SfObject;
    const old = table(type).get(rec.Id);
    for (const [f, def] of Object.entries(obj.fields)) {
      if (!def.externalId) continue;
      const idx = indexFor(type, f);
      if (old && old[f] !== undefined && old[f] !== null) idx.get(String(old[f]))?.delete(rec.Id);
      if (rec[f] !== undefined && rec[f] !== null) {
        const v = String(rec[f]);
        let ids = idx.get(v);
        if (!ids) idx.set(v, (ids = new Set()));
        ids.add(rec.Id);
      }
    }
    table(type).set(rec.Id, rec);
  };

  const table = (type: string): Map<string, SfRecord> => {
    let t = store.get(type);
    if (!t) store.set(type, (t = new Map()));
    return t;
  };
  const newId = (obj: SfObject): string => `${obj.prefix}Em${String(++idCounter).padStart(10, '0')}AAA`;

  /** Inserts or replaces a record directly (seeding and UI changes): no effects counted. */
  const put = (type: string, fields: Record<string, unknown>, userId: string): SfRecord => {
    const canon = resolveObject(objects, type);
    if (!canon) throw new AdminInputError(`unknown sObject type ${type}`);
    const obj = objects[canon] as SfObject;
    const existing = typeof fields.Id === 'string' ? table(canon).get(fields.Id) : undefined;
    const stamp = sfDateTime(now());
    const rec: SfRecord = existing ? { ...existing } : { Id: typeof fields.Id === 'string' ? fields.Id : newId(obj), IsDeleted: false, CreatedDate: stamp, CreatedById: userId };
    for (const [k, v] of Object.entries(fields)) {
      const f = resolveField(obj, k);
      if (!f) throw new AdminInputError(`unknown field ${k} on ${canon}`);
      rec[f] = v;
    }
    if (obj.autoNumber && rec[obj.autoNumber] === undefined) rec[obj.autoNumber] = String(++autoNumber).padStart(8, '0');
    rec.LastModifiedById = fields.LastModifiedById ?? userId;
    rec.LastModifiedDate = fields.LastModifiedDate ?? fields.SystemModstamp ?? stamp;
    rec.SystemModstamp = fields.SystemModstamp ?? stamp;
    save(canon, rec);
    return rec;
  };

  const seedRows = (type: string, rows: Record<string, unknown>[]): SfRecord[] => rows.map((r) => put(type, r, UI_USER_ID));
  for (const [type, rows] of Object.entries(opts.seed ?? {})) seedRows(type, rows);

  const limitHeader = (): Record<string, string> => ({ 'sforce-limit-info': `api-usage=${apiUsage}/${dailyLimit}` });
  const reply = (res: ServerResponse, status: number, body: unknown): void => sendJson(res, status, body, limitHeader());

  /** Validates a write body; returns canonical fields or an error list. */
  const validate = (
    obj: SfObject,
    type: string,
    body: Record<string, unknown>,
    creating: boolean,
  ): { fields: Record<string, unknown> } | { errors: { statusCode: string; message: string; fields: string[] }[]; unknownField?: string } => {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      if (k === 'attributes') continue;
      const f = resolveField(obj, k);
      if (!f) return { errors: [], unknownField: k };
      const def = obj.fields[f];
      if (def?.readOnly) return { errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: `Unable to create/update fields: ${f}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, fields: [f] }] };
      if (def?.length !== undefined && typeof v === 'string' && v.length > def.length) {
        return { errors: [{ statusCode: 'STRING_TOO_LONG', message: `${f}: data value too large: ${v.slice(0, 40)} (max length=${def.length})`, fields: [f] }] };
      }
      fields[f] = v;
    }
    if (creating) {
      const missing = Object.entries(obj.fields).filter(([f, d]) => d.required && (fields[f] === undefined || fields[f] === null || fields[f] === '')).map(([f]) => f);
      if (missing.length > 0) return { errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${missing.join(', ')}]`, fields: missing }] };
    } else {
      const cleared = Object.entries(obj.fields).filter(([f, d]) => d.required && f in fields && (fields[f] === null || fields[f] === '')).map(([f]) => f);
      if (cleared.length > 0) return { errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${cleared.join(', ')}]`, fields: cleared }] };
    }
    void type;
    return { fields };
  };

  /** Applies an API write and counts its effect against the external-id key. */
  const apply = (type: string, obj: SfObject, existing: SfRecord | undefined, fields: Record<string, unknown>, effectKey: string, userId: string): SfRecord => {
    const stamp = sfDateTime(now());
    const rec: SfRecord = existing ? { ...existing, ...fields } : { Id: newId(obj), IsDeleted: false, CreatedDate: stamp, CreatedById: userId, ...fields };
    if (!existing && obj.autoNumber) rec[obj.autoNumber] = String(++autoNumber).padStart(8, '0');
    rec.LastModifiedById = userId;
    rec.LastModifiedDate = stamp;
    rec.SystemModstamp = stamp;
    save(type, rec);
    base.effects.record(type, effectKey, existing ? 'update' : 'create');
    return rec;
  };

  /** Moves a record to the recycle bin: IsDeleted, a new SystemModstamp; an API delete counts as an effect. */
  const markDeleted = (type: string, rec: SfRecord, userId: string, countEffect: boolean): SfRecord => {
    const stamp = sfDateTime(now());
    const gone: SfRecord = { ...rec, IsDeleted: true, LastModifiedById: userId, LastModifiedDate: stamp, SystemModstamp: stamp };
    save(type, gone);
    const ext = Object.entries((objects[type] as SfObject).fields).find(([, d]) => d.externalId)?.[0];
    if (countEffect) base.effects.record(type, ext && typeof rec[ext] === 'string' ? (rec[ext] as string) : rec.Id, 'delete');
    return gone;
  };

  const findByField = (type: string, field: string, value: string): SfRecord[] => {
    if (field === 'Id') {
      const r = table(type).get(value);
      return r && r.IsDeleted !== true ? [r] : [];
    }
    const ids = [...(indexFor(type, field).get(value) ?? [])].sort();
    return ids.map((id) => table(type).get(id)).filter((r): r is SfRecord => r !== undefined && r.IsDeleted !== true);
  };

  const recordJson = (type: string, rec: Record<string, unknown>, version: string, fields?: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = { attributes: { type, url: `/services/data/v${version}/sobjects/${type}/${String(rec.Id)}` } };
    for (const f of fields ?? Object.keys(rec).sort()) out[f] = rec[f] ?? null;
    return out;
  };

  const describe = (type: string): unknown => {
    const obj = objects[type] as SfObject;
    return {
      name: type,
      fields: Object.entries(obj.fields).map(([name, f]) => ({
        name,
        type: f.type,
        length: f.length ?? 0,
        externalIdField: f.externalId === true,
        nillable: f.required !== true,
        createable: f.readOnly !== true,
        updateable: f.readOnly !== true,
        referenceTo: f.refTo ? [f.refTo] : [],
        relationshipName: f.refTo ? (name.endsWith('__c') ? `${name.slice(0, -3)}__r` : name.slice(0, -2)) : null,
      })),
      childRelationships: Object.entries(obj.children ?? {}).map(([relationshipName, c]) => ({ relationshipName, childSObject: c.object, field: c.field })),
    };
  };

  /** Checks a JWT bearer assertion like the vendor: RS256 signature, iss, sub, aud, exp. Returns a problem or undefined. */
  const checkJwt = (assertion: string): string | undefined => {
    const [h, p, sig] = assertion.split('.');
    if (!h || !p || !sig || !opts.jwtPublicKey) return 'invalid assertion';
    let ok = false;
    try {
      ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(opts.jwtPublicKey, sig, 'base64url');
    } catch {
      ok = false;
    }
    if (!ok) return 'invalid assertion signature';
    let claims: { iss?: unknown; sub?: unknown; aud?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return 'invalid assertion';
    }
    if (claims.iss !== clientId) return 'invalid client_id in assertion';
    if (typeof claims.sub !== 'string' || !(opts.jwtUsers ?? []).includes(claims.sub)) return 'user hasn\'t approved this consumer';
    if (claims.aud !== url) return 'audience is invalid';
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < now()) return 'expired authorization code';
    return undefined;
  };

  const handleToken = (req: EmulatorRequest, res: ServerResponse): void => {
    const form = new URLSearchParams(req.body);
    const grant = form.get('grant_type');
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const problem = checkJwt(form.get('assertion') ?? '');
      if (problem) {
        sendJson(res, 400, { error: 'invalid_grant', error_description: problem });
        return;
      }
    } else if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      sendJson(res, 400, { error: 'invalid_client', error_description: 'invalid client credentials' });
      return;
    }
    if (grant === 'refresh_token') {
      if (!refreshTokens.has(form.get('refresh_token') ?? '')) {
        sendJson(res, 400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
        return;
      }
    } else if (grant !== 'client_credentials' && grant !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
      return;
    }
    base.stats.logins++;
    const token = `00DEm!${String(++tokenCounter).padStart(6, '0')}.${organizationId}`;
    tokens.set(token, { userId: apiUserId });
    sendJson(res, 200, {
      access_token: token,
      instance_url: url,
      id: `${url}/id/${organizationId}/${apiUserId}`,
      token_type: 'Bearer',
      issued_at: String(now()),
      signature: Buffer.from(token).toString('base64'),
      scope: 'api',
    });
  };

  type Column = { kind: 'field'; name: string } | { kind: 'rel'; rel: string; refField: string; target: string; name: string };

  /** Resolves select-list paths against the object (case-insensitive, one relationship level). */
  const columnsFor = (type: string, paths: string[]): Column[] =>
    paths.map((path): Column => {
      const obj = objects[type] as SfObject;
      const [head = '', tail] = path.split('.');
      if (tail === undefined) {
        const name = resolveField(obj, head);
        if (!name) throw new SoqlError('INVALID_FIELD', `No such column '${head}' on entity '${type}'.`);
        return { kind: 'field', name };
      }
      const refField = resolveField(obj, head.endsWith('__r') ? `${head.slice(0, -3)}__c` : `${head}Id`);
      const target = refField ? obj.fields[refField]?.refTo : undefined;
      if (!refField || !target) throw new SoqlError('INVALID_FIELD', `Didn't understand relationship '${head}' in field path. Make sure the relationship name is spelled correctly.`);
      const name = resolveField(objects[target] as SfObject, tail);
      if (!name) throw new SoqlError('INVALID_FIELD', `No such column '${tail}' on entity '${target}'.`);
      return { kind: 'rel', rel: refField.endsWith('__c') ? `${refField.slice(0, -3)}__r` : refField.slice(0, -2), refField, target, name };
    });

  /**
   * Evaluates a parsed query over `type` (optionally over `source`, the children of one parent): the
   * matching records in order, and the projection into result JSON rows. A query locator keeps the
   * records (stored records are replaced on every write, never changed in place, so this is the
   * snapshot of the query; fields of a related parent are read when the page is served) and projects
   * one page at a time — a million-row query does not build a million result rows before its first page.
   */
  const selectQuery = (type: string, parsed: SoqlQuery, version: string, source?: SfRecord[], includeDeleted = false): { rows: SfRecord[]; project: (rec: SfRecord) => Record<string, unknown> } => {
    const obj = objects[type] as SfObject;
    const canon = (f: string): string => {
      const c = resolveField(obj, f);
      if (!c) throw new SoqlError('INVALID_FIELD', `No such column '${f}' on entity '${type}'.`);
      return c;
    };
    const columns = columnsFor(type, parsed.fields);
    const where = mapFields(parsed.where, canon);
    const order = parsed.orderBy.map((o) => ({ ...o, field: canon(o.field) }));
    const subs = parsed.subqueries.map((sq) => {
      const relName = Object.keys(obj.children ?? {}).find((r) => r.toLowerCase() === sq.relationship.toLowerCase());
      const rel = relName ? obj.children?.[relName] : undefined;
      if (!relName || !rel) throw new SoqlError('INVALID_TYPE', `Didn't understand relationship '${sq.relationship}' in FROM part of query call.`);
      // One pass over the child table per query, grouped by parent id.
      const byParent = new Map<string, SfRecord[]>();
      for (const child of table(rel.object).values()) {
        const pid = child[rel.field];
        if (typeof pid !== 'string') continue;
        let list = byParent.get(pid);
        if (!list) byParent.set(pid, (list = []));
        list.push(child);
      }
      return { relName, rel, query: sq.query, byParent };
    });
    const rows = (source ?? [...table(type).values()]).filter((r) => (includeDeleted || r.IsDeleted !== true) && matches(where, r));
    sortRows(rows, order, (f) => obj.fields[f]?.type === 'datetime');
    const limited = parsed.limit === undefined ? rows : rows.slice(0, parsed.limit);
    const project = (rec: SfRecord): Record<string, unknown> => {
      const out: Record<string, unknown> = { attributes: { type, url: `/services/data/v${version}/sobjects/${type}/${rec.Id}` } };
      for (const c of columns) {
        if (c.kind === 'field') out[c.name] = rec[c.name] ?? null;
        else {
          const ref = typeof rec[c.refField] === 'string' ? table(c.target).get(rec[c.refField] as string) : undefined;
          if (!ref) out[c.rel] = null;
          else {
            const nested = (out[c.rel] ??= { attributes: { type: c.target, url: `/services/data/v${version}/sobjects/${c.target}/${ref.Id}` } }) as Record<string, unknown>;
            nested[c.name] = ref[c.name] ?? null;
          }
        }
      }
      for (const sq of subs) {
        const children = runQuery(sq.rel.object, sq.query, version, sq.byParent.get(rec.Id) ?? []);
        // Salesforce answers null, not an empty list, for a relationship without children.
        out[sq.relName] = children.length === 0 ? null : { totalSize: children.length, done: true, records: children };
      }
      return out;
    };
    return { rows: limited, project };
  };
  const runQuery = (type: string, parsed: SoqlQuery, version: string, source?: SfRecord[], includeDeleted = false): Record<string, unknown>[] => {
    const q = selectQuery(type, parsed, version, source, includeDeleted);
    return q.rows.map(q.project);
  };

  /** `query` skips deleted rows; `queryAll` includes those in the recycle bin (IsDeleted = true). */
  const handleQuery = (req: EmulatorRequest, res: ServerResponse, version: string, endpoint: 'query' | 'queryAll'): void => {
    const q = req.query.get('q') ?? '';
    let snapshot;
    try {
      const parsed = parseSoql(q);
      const type = resolveObject(objects, parsed.object);
      if (!type) return reply(res, 400, sfError('INVALID_TYPE', `sObject type '${parsed.object}' is not supported.`));
      snapshot = selectQuery(type, parsed, version, undefined, endpoint === 'queryAll');
    } catch (e) {
      if (e instanceof SoqlError) return reply(res, 400, sfError(e.errorCode, e.message));
      throw e;
    }
    const opt = /batchSize=(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''));
    const pageSize = Math.min(2000, Math.max(200, opt ? Number(opt[1]) : 2000));
    const locator = `01gEm${String(++locatorCounter).padStart(10, '0')}`;
    locators.set(locator, { ...snapshot, pageSize, version, endpoint });
    servePage(res, locator, 0);
  };

  const servePage = (res: ServerResponse, locator: string, offset: number): void => {
    const l = locators.get(locator);
    if (!l || offset > l.rows.length) return reply(res, 400, sfError('INVALID_QUERY_LOCATOR', 'invalid query locator'));
    const page = l.rows.slice(offset, offset + l.pageSize).map(l.project);
    const end = offset + page.length;
    const done = end >= l.rows.length;
    // Locators stay valid for re-reads of a page (a client retrying after a lost answer), bounded in number.
    if (locators.size > 200) locators.delete(locators.keys().next().value as string);
    reply(res, 200, {
      totalSize: l.rows.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${l.version}/${l.endpoint}/${locator}-${end}` }),
      records: page,
    });
  };

  const handleUpsertOne = (req: EmulatorRequest, res: ServerResponse, version: string, type: string, field: string, value: string, userId: string): void => {
    const obj = objects[type] as SfObject;
    const ext = resolveField(obj, field);
    if (!ext || !(obj.fields[ext]?.externalId || ext === 'Id')) {
      return reply(res, 404, sfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${field}`));
    }
    const body = parseBody(req.body);
    if (!body) return reply(res, 400, sfError('JSON_PARSER_ERROR', 'The request body is not a JSON object'));
    const found = findByField(type, ext, value);
    if (found.length > 1) {
      return reply(res, 300, found.map((r) => `/services/data/v${version}/sobjects/${type}/${r.Id}`));
    }
    const existing = found[0];
    const v = validate(obj, type, body, existing === undefined);
    if ('unknownField' in v && v.unknownField !== undefined) return reply(res, 400, sfError('INVALID_FIELD', `No such column '${v.unknownField}' on sobject of type ${type}`));
    if ('errors' in v) return reply(res, 400, v.errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })));
    const rec = apply(type, obj, existing, ext === 'Id' ? v.fields : { ...v.fields, [ext]: value }, value, userId);
    if (!existing) return reply(res, 201, { id: rec.Id, success: true, errors: [], created: true });
    if (Number(version) >= 46) return reply(res, 200, { id: rec.Id, success: true, errors: [], created: false });
    res.writeHead(204, limitHeader()).end();
  };

  const handleCollectionUpsert = (req: EmulatorRequest, res: ServerResponse, type: string, field: string, userId: string): void => {
    const obj = objects[type] as SfObject;
    const ext = resolveField(obj, field);
    if (!ext || !obj.fields[ext]?.externalId) return reply(res, 404, sfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${field}`));
    const body = parseBody(req.body);
    const records = body?.records;
    if (!body || !Array.isArray(records)) return reply(res, 400, sfError('JSON_PARSER_ERROR', 'body must be {"allOrNone":…,"records":[…]}'));
    if (records.length > maxCollection) return reply(res, 400, sfError('EXCEEDED_ID_LIMIT', `record limit exceeded: at most ${maxCollection} records`));
    const allOrNone = body.allOrNone === true;
    type Planned = { ok: true; existing: SfRecord | undefined; fields: Record<string, unknown>; key: string } | { ok: false; errors: { statusCode: string; message: string; fields: string[] }[] };
    const counts = new Map<string, number>();
    for (const r of records) {
      const k = typeof r === 'object' && r !== null ? (r as Record<string, unknown>)[ext] : undefined;
      if (typeof k === 'string' || typeof k === 'number') counts.set(String(k), (counts.get(String(k)) ?? 0) + 1);
    }
    const plans: Planned[] = [];
    for (const r of records) {
      if (typeof r !== 'object' || r === null || Array.isArray(r)) {
        plans.push({ ok: false, errors: [{ statusCode: 'JSON_PARSER_ERROR', message: 'record is not an object', fields: [] }] });
        continue;
      }
      const rec = r as Record<string, unknown>;
      const raw = rec[ext];
      if (raw === undefined || raw === null || raw === '') {
        plans.push({ ok: false, errors: [{ statusCode: 'MISSING_ARGUMENT', message: `${ext} not specified`, fields: [ext] }] });
        continue;
      }
      const key = String(raw);
      if ((counts.get(key) ?? 0) > 1) {
        plans.push({ ok: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `Duplicate external id specified: ${key}`, fields: [ext] }] });
        continue;
      }
      const found = findByField(type, ext, key);
      if (found.length > 1) {
        plans.push({ ok: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `Foreign key external ID: ${key} matched ${found.length} records`, fields: [ext] }] });
        continue;
      }
      const v = validate(obj, type, rec, found[0] === undefined);
      if ('unknownField' in v && v.unknownField !== undefined) return reply(res, 400, sfError('INVALID_FIELD', `No such column '${v.unknownField}' on sobject of type ${type}`));
      if ('errors' in v) plans.push({ ok: false, errors: v.errors });
      else plans.push({ ok: true, existing: found[0], fields: v.fields, key });
    }
    const anyFailed = plans.some((p) => !p.ok);
    const results = plans.map((p) => {
      if (!p.ok) return { success: false, errors: p.errors };
      if (allOrNone && anyFailed) {
        return { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] };
      }
      const rec = apply(type, obj, p.existing, p.fields, p.key, userId);
      return { id: rec.Id, success: true, errors: [], created: p.existing === undefined };
    });
    reply(res, 200, results);
  };

  const handleGet = (res: ServerResponse, version: string, type: string, rest: string[], query: URLSearchParams): void => {
    const obj = objects[type] as SfObject;
    let rec: SfRecord | undefined;
    if (rest.length === 1) rec = table(type).get(rest[0] as string);
    else {
      const ext = resolveField(obj, rest[0] as string);
      if (!ext || !obj.fields[ext]?.externalId) return reply(res, 404, sfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${rest[0]}`));
      const found = findByField(type, ext, rest[1] as string);
      if (found.length > 1) return reply(res, 300, found.map((r) => `/services/data/v${version}/sobjects/${type}/${r.Id}`));
      rec = found[0];
    }
    if (!rec || rec.IsDeleted === true) return reply(res, 404, sfError('NOT_FOUND', 'The requested resource does not exist'));
    const fields = query.get('fields')?.split(',').map((f) => resolveField(obj, f.trim()) ?? f.trim());
    reply(res, 200, recordJson(type, rec, version, fields ? ['Id', ...fields.filter((f) => f !== 'Id')] : undefined));
  };

  const vendor: VendorHandler = {
    handle(req, res) {
      if (req.method === 'POST' && req.path === '/services/oauth2/token') return handleToken(req, res);
      if (req.method === 'GET' && (req.path === '/services/data' || req.path === '/services/data/')) {
        return sendJson(res, 200, API_VERSIONS.map((v) => ({ label: `v${v}`, url: `/services/data/v${v}`, version: v })));
      }
      const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(req.path);
      if (!m || !API_VERSIONS.includes(m[1] as string)) return sendJson(res, 404, sfError('NOT_FOUND', 'The requested resource does not exist'));
      const version = m[1] as string;
      const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
      const session = auth ? tokens.get(auth[1] as string) : undefined;
      if (!session) return sendJson(res, 401, sfError('INVALID_SESSION_ID', 'Session expired or invalid'));
      apiUsage++;
      const parts = (m[2] ?? '/').split('/').filter(Boolean).map(decodeURIComponent);
      const [head, ...rest] = parts;
      if (req.method === 'GET' && head === 'limits') return reply(res, 200, { DailyApiRequests: { Max: dailyLimit, Remaining: dailyLimit - apiUsage } });
      if (req.method === 'GET' && (head === 'query' || head === 'queryAll')) {
        if (rest.length === 0) return handleQuery(req, res, version, head);
        const lm = /^(.+)-(\d+)$/.exec(rest[0] as string);
        return lm ? servePage(res, lm[1] as string, Number(lm[2])) : reply(res, 400, sfError('INVALID_QUERY_LOCATOR', 'invalid query locator'));
      }
      if (head === 'sobjects' && rest.length >= 2) {
        const type = resolveObject(objects, rest[0] as string);
        if (!type) return reply(res, 404, sfError('NOT_FOUND', `The requested resource does not exist`));
        if (req.method === 'DELETE' && rest.length === 2) {
          const rec = table(type).get(rest[1] as string);
          if (!rec) return reply(res, 404, sfError('NOT_FOUND', 'The requested resource does not exist'));
          if (rec.IsDeleted === true) return reply(res, 404, sfError('ENTITY_IS_DELETED', 'entity is deleted'));
          markDeleted(type, rec, session.userId, true);
          res.writeHead(204, limitHeader()).end();
          return;
        }
        if (req.method === 'PATCH' && rest.length === 3) return handleUpsertOne(req, res, version, type, rest[1] as string, rest[2] as string, session.userId);
        if (req.method === 'GET' && rest.length === 2 && rest[1] === 'describe') return reply(res, 200, describe(type));
        if (req.method === 'GET' && (rest.length === 2 || rest.length === 3)) return handleGet(res, version, type, rest.slice(1), req.query);
      }
      if (head === 'composite' && rest[0] === 'sobjects' && rest.length === 3 && req.method === 'PATCH') {
        const type = resolveObject(objects, rest[1] as string);
        if (!type) return reply(res, 404, sfError('NOT_FOUND', 'The requested resource does not exist'));
        return handleCollectionUpsert(req, res, type, rest[2] as string, session.userId);
      }
      reply(res, 404, sfError('NOT_FOUND', 'The requested resource does not exist'));
    },
    throttle(res, retryAfterSeconds) {
      sendJson(res, 403, sfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), {
        ...limitHeader(),
        ...(retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {}),
      });
    },
    serverError(res, status, retryAfterSeconds) {
      sendJson(res, status, sfError('SERVER_UNAVAILABLE', 'Server temporarily unavailable'), retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    expireSessions() {
      tokens.clear();
    },
    records(entity) {
      if (entity === undefined) return Object.fromEntries([...store.keys()].sort().map((t) => [t, table(t).size]));
      const type = resolveObject(objects, entity);
      if (!type) throw new AdminInputError(`unknown sObject type ${entity}`);
      return [...table(type).values()].sort((a, b) => (a.Id < b.Id ? -1 : 1));
    },
    seed(body) {
      if (typeof body !== 'object' || body === null) throw new AdminInputError('seed body must be {"<Type>": [records]}');
      const out: Record<string, number> = {};
      for (const [type, rows] of Object.entries(body as Record<string, unknown>)) {
        if (!Array.isArray(rows)) throw new AdminInputError(`seed ${type} must be an array`);
        out[type] = seedRows(type, rows as Record<string, unknown>[]).length;
      }
      return out;
    },
    reset() {
      store.clear();
      extIndex.clear();
      tokens.clear();
      locators.clear();
      notificationIds.clear();
      apiUsage = 0;
      for (const [type, rows] of Object.entries(opts.seed ?? {})) seedRows(type, rows);
    },
    adminRoutes: {
      'POST /__admin/outbound': (body) => sendOutbound(parseOutbound(body)),
      'POST /__admin/delete': (body) => {
        const b = body as { type?: unknown; id?: unknown };
        if (typeof b.type !== 'string' || typeof b.id !== 'string') throw new AdminInputError('delete body must be {"type":"Account","id":"001…"}');
        return admin.remove(b.type, b.id);
      },
      'POST /__admin/mutate': (body) => {
        const b = body as { type?: unknown; fields?: unknown };
        if (typeof b.type !== 'string' || typeof b.fields !== 'object' || b.fields === null) throw new AdminInputError('mutate body must be {"type":"Account","fields":{…}}');
        return userChange(b.type, b.fields as Record<string, unknown>);
      },
    },
  };

  /** A person's change: stored, then sent by every matching outbound rule (in the background, like the vendor's queue). */
  const pendingOutbound: Promise<DeliveryReport[]>[] = [];
  const userChange = (type: string, fields: Record<string, unknown>): SfRecord => {
    const rec = put(type, fields, UI_USER_ID);
    const canon = resolveObject(objects, type);
    for (const rule of opts.outbound ?? []) {
      if (resolveObject(objects, rule.type) !== canon) continue;
      pendingOutbound.push(sendOutbound({ url: rule.url, type: rule.type, ids: [rec.Id], ...(rule.fields ? { fields: rule.fields } : {}) }).catch(() => []));
    }
    return rec;
  };

  const parseOutbound = (body: unknown): OutboundRequest => {
    const b = body as Partial<OutboundRequest>;
    if (typeof b.url !== 'string' || typeof b.type !== 'string') throw new AdminInputError('outbound body needs "url" and "type"');
    return b as OutboundRequest;
  };

  const sendOutbound = async (r: OutboundRequest): Promise<DeliveryReport[]> => {
    const type = resolveObject(objects, r.type);
    if (!type) throw new AdminInputError(`unknown sObject type ${r.type}`);
    const rows = r.ids ? r.ids.map((id) => table(type).get(id)).filter((x): x is SfRecord => x !== undefined) : [...table(type).values()];
    const reorder = r.reorder ?? base.faults.current.reorderWebhooks ?? false;
    const perMessage = Math.max(1, Math.min(100, r.perMessage ?? 100));
    const notes = (reorder ? [...rows].reverse() : rows).map((rec) => {
      // One notification id per record version: a re-send of the same change keeps its id (receivers dedupe on it).
      const nk = `${rec.Id}@${String(rec.SystemModstamp)}`;
      let id = notificationIds.get(nk);
      if (!id) notificationIds.set(nk, (id = `04lEm${String(notificationIds.size + 1).padStart(10, '0')}AAA`));
      const fields = r.fields ? ['Id', ...r.fields.filter((f) => f !== 'Id')] : Object.keys(rec).sort();
      return { id, type, fields: Object.fromEntries(fields.map((f) => [f, rec[f] ?? null])) };
    });
    const config = base.faults.current;
    const deliveries = [];
    for (let i = 0; i < notes.length; i += perMessage) {
      const chunk = notes.slice(i, i + perMessage);
      deliveries.push({
        id: chunk.map((n) => n.id).join(','),
        url: r.url,
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
        body: notificationsXml({
          organizationId,
          actionId: '04kEm0000000001AAA',
          enterpriseUrl: `${url}/services/Soap/c/66.0/${organizationId}`,
          partnerUrl: `${url}/services/Soap/u/66.0/${organizationId}`,
          notifications: chunk,
        }),
      });
    }
    return pushDeliveries(deliveries, {
      duplicate: r.duplicate ?? config.duplicateWebhooks ?? false,
      reorder,
      attempts: r.attempts ?? 3,
      accepted: isAck,
    });
  };

  const base = await startEmulatorServer(vendor, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.faults ? { faults: opts.faults } : {}) });
  url = base.url;
  const admin: SalesforceAdmin = {
    ...baseAdmin(base, vendor),
    records: (type) => vendor.records(type) as SfRecord[],
    seed: seedRows,
    mutate: (type, fields) => userChange(type, fields),
    remove: (type, id) => {
      const canon = resolveObject(objects, type);
      const rec = canon ? table(canon).get(id) : undefined;
      if (!canon || !rec) throw new AdminInputError(`no ${type} ${id}`);
      return markDeleted(canon, rec, UI_USER_ID, false);
    },
    outboundIdle: async () => (await Promise.all(pendingOutbound.splice(0))).flat(),
    sendOutbound,
  };
  return { url, organizationId, apiUserId, admin, store, close: base.close };
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export type { EffectRow, Stats };
