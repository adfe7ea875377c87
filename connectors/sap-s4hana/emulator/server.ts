/**
 * SAP S/4HANA OData v2 emulator (vendor-apis.md §6) for API_SALES_ORDER_SRV, API_BUSINESS_PARTNER and
 * API_PRODUCT_SRV: Basic authentication that opens a session (`SAP_SESSIONID_<SID>_<client>` and
 * `sap-usercontext` cookies), CSRF tokens fetched with `x-csrf-token: Fetch` and required on every
 * modifying request (403 `x-csrf-token: Required`, "CSRF token validation failed"), `d.results`
 * envelopes with `__metadata` (uri, type, etag), `$filter` / `$orderby` / `$top` / `$skip` /
 * `$select` / `$expand` / `$inlinecount`, server-driven paging (`__next` with `$skiptoken`, a fixed
 * page size regardless of `$top`), `/Date(ms)/` and `/Date(ms+0000)/`, Edm.Decimal as strings, deep
 * insert of sales orders with `to_Item` (plain array or `{results:[…]}`) → 201 + Location,
 * PATCH / MERGE with `If-Match` (412 on mismatch, 428 when missing) → 204, and OData error bodies.
 *
 * ⚠ The SAP message codes in error bodies are plausible stand-ins, not a catalogue of real ones.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FaultConfig } from '../../shared/emulator/faults.ts';
import { AdminInputError, baseAdmin, sendJson, sendText, startEmulatorServer, type EmulatorAdmin, type EmulatorRequest, type VendorHandler } from '../../shared/emulator/server.ts';
import { SAP_CATALOG, SAP_ENTITY_SETS, SERVICE_ROOT, type SapCatalogField, type SapEntitySet } from '../catalog.ts';
import { etagOf, keyPredicate, odataDateTime, odataDateTimeOffset, odataTime, parseODataDate, parseODataTime } from '../odata.ts';
import { compareRows, evalFilter, filterProperties, FilterError, parseFilter, parseOrderBy, type OrderTerm } from './filter.ts';

export type SapRow = Record<string, unknown>;

export interface SapEmulatorOptions {
  port?: number;
  faults?: FaultConfig;
  user?: string;
  password?: string;
  sid?: string;
  client?: string;
  now?: () => number;
  /** Rows per server page, whatever $top asks (SAP gateways page at their own size). */
  serverPageSize?: number;
  /** Rows by entity set, in wire format; LastChangeDateTime may be given (ISO or /Date(…)/) to make ties. */
  seed?: Record<string, SapRow[]>;
}

export interface SapAdmin extends EmulatorAdmin {
  /** Rows of an entity set in wire format (children of sales orders under to_Item), sorted by key. */
  records(set: string): SapRow[];
  seed(set: string, rows: SapRow[]): SapRow[];
  /** A change made by a person in the SAP GUI: new LastChangeDateTime (and ETag). */
  mutate(set: string, key: Record<string, string>, values: SapRow): SapRow;
  /** Invalidates CSRF tokens but keeps sessions (a token rotated by the server). */
  expireCsrfTokens(): void;
  /** Apply the next `count` writes, then drop the connection instead of answering. */
  loseWriteAnswers(count: number): void;
  /** Runs `change` right after the next collection read is answered: a person's edit between a client's read and its write. */
  afterNextQuery(change: () => void): void;
}

export interface SapEmulator {
  url: string;
  user: string;
  admin: SapAdmin;
  store: Map<string, Map<string, SapRow>>;
  close(): Promise<void>;
}

const UI_USER = 'CB9980000001';
const COMPONENTS: Record<string, string> = { API_SALES_ORDER_SRV: 'SD-SLS-API', API_BUSINESS_PARTNER: 'LO-MD-BP-API', API_PRODUCT_SRV: 'LO-MD-MM-API' };

interface ODataErrorInput {
  status: number;
  code: string;
  message: string;
  details?: { code: string; message: string; propertyref: string; severity: string; target: string }[];
}

class ODataFailure extends Error {
  readonly input: ODataErrorInput;
  constructor(input: ODataErrorInput) {
    super(input.message);
    this.input = input;
  }
}

const fieldsOf = (set: string): Record<string, SapCatalogField> => SAP_CATALOG.entities[set]?.fields ?? {};

export async function startSapEmulator(opts: SapEmulatorOptions = {}): Promise<SapEmulator> {
  const user = opts.user ?? 'SYNCSPEC_COMM';
  const password = opts.password ?? 'sap-comm-password';
  const sid = opts.sid ?? 'S4H';
  const client = opts.client ?? '100';
  const now = opts.now ?? Date.now;
  const pageSize = opts.serverPageSize ?? 50;
  const sessionCookie = `SAP_SESSIONID_${sid}_${client}`;

  const store = new Map<string, Map<string, SapRow>>();
  const sessions = new Map<string, { user: string; csrf?: string }>();
  let salesOrderNumber = 4_000_000;
  let bpNumber = 1_000_000;
  let loseWrites = 0;
  let opaqueCounter = 0;
  /** Opaque ids (sessions, CSRF tokens, transaction ids) that are deterministic run to run. */
  const opaque = (kind: string, bytes: number): string => createHash('sha256').update(`${kind}:${++opaqueCounter}`).digest('base64url').slice(0, Math.ceil((bytes * 4) / 3));
  let afterQuery: (() => void) | undefined;
  let url = '';

  const table = (set: string): Map<string, SapRow> => {
    let t = store.get(set);
    if (!t) store.set(set, (t = new Map()));
    return t;
  };
  const keyOf = (def: SapEntitySet, row: SapRow): string => def.keys.map((k) => String(row[k] ?? '')).join('\u0000');
  const uriOf = (set: string, def: SapEntitySet, row: SapRow): string => `${url}${SERVICE_ROOT}${def.service}/${set}${keyPredicate(def.keys, row)}`;

  /** The next LastChangeDateTime of a row: strictly later than its previous one, so ETags always move. */
  const stampAfter = (prev: unknown): number => {
    const before = parseODataDate(prev);
    return before !== undefined && before >= now() ? before + 1 : now();
  };
  const touch = (set: string, row: SapRow, ms: number, by: string): void => {
    const f = fieldsOf(set);
    if ('LastChangeDateTime' in f) row.LastChangeDateTime = odataDateTimeOffset(ms);
    if ('LastChangeDate' in f) row.LastChangeDate = odataDateTime(Math.floor(ms / 86_400_000) * 86_400_000);
    if ('LastChangeTime' in f) row.LastChangeTime = odataTime(ms % 86_400_000);
    row.LastChangedByUser = by;
  };

  const render = (set: string, def: SapEntitySet, row: SapRow, select?: string[], expand: string[] = []): SapRow => {
    const uri = uriOf(set, def, row);
    const meta: Record<string, string> = { id: uri, uri, type: `${def.service}.${set}Type` };
    if (def.etag) meta.etag = etagOf(parseODataDate(row.LastChangeDateTime) ?? 0);
    const out: SapRow = { __metadata: meta };
    const names = select ?? Object.keys(row).filter((k) => !k.startsWith('to_'));
    for (const k of names) if (!k.startsWith('to_')) out[k] = row[k] ?? null;
    for (const [nav, child] of Object.entries(def.navigation ?? {})) {
      if (select && !select.includes(nav) && !expand.includes(nav)) continue;
      if (expand.includes(nav)) {
        const cdef = SAP_ENTITY_SETS[child] as SapEntitySet;
        const kids = [...table(child).values()].filter((c) => def.keys.every((k) => c[k] === row[k])).sort((a, b) => compareRows(cdef.keys.map((n) => ({ name: n, desc: false })), a, b));
        out[nav] = { results: kids.map((c) => render(child, cdef, c)) };
      } else out[nav] = { __deferred: { uri: `${uri}/${nav}` } };
    }
    return out;
  };

  const err = (status: number, code: string, message: string, details: ODataErrorInput['details'] = []): ODataFailure => new ODataFailure({ status, code, message, details });

  /** Converts and checks one property of a write body; returns the wire value. */
  const property = (set: string, name: string, def: SapCatalogField | undefined, v: unknown): unknown => {
    const bad = (why: string): never => {
      throw err(400, '/IWBEP/CM_MGW_RT/022', `Property '${name}' ${why}`, [{ code: '/IWBEP/CM_MGW_RT/022', message: `Property '${name}' ${why}`, propertyref: `${set}/${name}`, severity: 'error', target: name }]);
    };
    if (!def) bad(`is invalid: no such property on ${set}Type`);
    if (v === null) return null;
    switch (def?.type) {
      case 'decimal':
        if (typeof v !== 'string' || !/^-?\d+(\.\d+)?$/.test(v)) bad(`has invalid value ${JSON.stringify(v)}: Edm.Decimal is sent as a string`);
        return v;
      case 'date':
      case 'datetime': {
        const ms = parseODataDate(v) ?? (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(v) ? Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(v) ? v : `${v}Z`) : undefined);
        if (ms === undefined || Number.isNaN(ms)) bad(`has invalid value ${JSON.stringify(v)} for ${def.type === 'date' ? 'Edm.DateTime' : 'Edm.DateTimeOffset'}`);
        return def.type === 'date' ? odataDateTime(ms as number) : odataDateTimeOffset(ms as number);
      }
      case 'boolean':
        if (typeof v !== 'boolean') bad(`has invalid value ${JSON.stringify(v)} for Edm.Boolean`);
        return v;
      case 'enum':
        if (typeof v !== 'string' || !(def.values ?? []).includes(v)) bad(`has invalid value ${JSON.stringify(v)}`);
        return v;
      default: {
        if (typeof v !== 'string') bad(`has invalid value ${JSON.stringify(v)} for Edm.String`);
        const s = v as string;
        if (def?.maxLength !== undefined && s.length > def.maxLength) bad(`value is longer than ${def.maxLength} characters`);
        if (def?.type === 'reference' && def.entity !== undefined) {
          const target = SAP_ENTITY_SETS[def.entity];
          if (target && !table(def.entity).has(s)) {
            const code = set === 'A_SalesOrder' ? 'V1/302' : 'M3/305';
            throw err(400, code, `${def.entity === 'A_Customer' ? 'Customer' : 'Material'} ${s} does not exist`, [{ code, message: `${name} ${s} does not exist`, propertyref: `${set}/${name}`, severity: 'error', target: name }]);
          }
        }
        return s;
      }
    }
  };

  /** Validates a create body into a row (not yet stored). */
  const buildRow = (set: string, def: SapEntitySet, body: SapRow, parentKeys: SapRow): SapRow => {
    const fields = fieldsOf(set);
    const row: SapRow = { ...parentKeys };
    for (const [k, v] of Object.entries(body)) {
      if (k === '__metadata') continue;
      if (def.navigation?.[k] !== undefined) continue;
      if (fields[k]?.readOnly) continue; // SAP ignores read-only properties in a create
      row[k] = property(set, k, fields[k], v);
    }
    const missing = Object.entries(fields).filter(([f, d]) => d.requiredOnCreate && d.type !== 'list' && (row[f] === undefined || row[f] === null || row[f] === '')).map(([f]) => f);
    if (missing.length > 0) {
      throw err(400, 'CX_SADL_ENTITY_SRV/003', `Mandatory field(s) ${missing.join(', ')} missing in ${set}`, missing.map((f) => ({ code: 'CX_SADL_ENTITY_SRV/003', message: `Enter a value for ${f}`, propertyref: `${set}/${f}`, severity: 'error', target: f })));
    }
    return row;
  };

  const create = (set: string, def: SapEntitySet, body: SapRow, by: string): SapRow => {
    const row = buildRow(set, def, body, {});
    const kids: [string, SapEntitySet, SapRow[]][] = [];
    for (const [nav, childSet] of Object.entries(def.navigation ?? {})) {
      const given = body[nav];
      if (given === undefined) continue;
      // Clients send deep-insert children as a plain array or wrapped like a read: {"results":[…]}.
      const list = Array.isArray(given) ? given : typeof given === 'object' && given !== null && Array.isArray((given as { results?: unknown }).results) ? (given as { results: unknown[] }).results : undefined;
      if (!list) throw err(400, '/IWBEP/CM_MGW_RT/022', `Navigation property '${nav}' needs an array of entries`);
      const cdef = SAP_ENTITY_SETS[childSet] as SapEntitySet;
      kids.push([childSet, cdef, list.map((c, i) => {
        const r = buildRow(childSet, cdef, (typeof c === 'object' && c !== null ? c : {}) as SapRow, {});
        if (r.SalesOrderItem === undefined || r.SalesOrderItem === null) r.SalesOrderItem = String((i + 1) * 10);
        return r;
      })]);
    }
    if (set === 'A_SalesOrder' && kids.every(([, , rows]) => rows.length === 0)) throw err(400, 'V1/557', 'Sales order has no items: enter at least one item in to_Item');
    if (set === 'A_SalesOrder') row.SalesOrder = String(++salesOrderNumber);
    if (set === 'A_BusinessPartner' && (row.BusinessPartner === undefined || row.BusinessPartner === null)) row.BusinessPartner = String(++bpNumber);
    for (const k of def.keys) if (row[k] === undefined || row[k] === null || row[k] === '') throw err(400, 'CX_SADL_ENTITY_SRV/003', `Key property ${k} of ${set} is missing`);
    if (table(set).has(keyOf(def, row))) throw err(400, '/IWBEP/CM_MGW_RT/027', `${set} ${keyPredicate(def.keys, row)} already exists`);
    const ms = now();
    row.CreationDate = 'CreationDate' in fieldsOf(set) ? odataDateTime(Math.floor(ms / 86_400_000) * 86_400_000) : row.CreationDate;
    if (row.CreationDate === undefined) delete row.CreationDate;
    row.CreatedByUser = by;
    touch(set, row, ms, by);
    if (set === 'A_SalesOrder') {
      const items = kids[0]?.[2] ?? [];
      let total = 0;
      for (const it of items) {
        const net = Number(it.RequestedQuantity ?? 0) * 100; // the emulator prices every unit at 100.00
        it.NetAmount = net.toFixed(2);
        it.TransactionCurrency = row.TransactionCurrency ?? 'EUR';
        total += net;
      }
      row.TotalNetAmount = total.toFixed(2);
      row.OverallSDProcessStatus = 'A';
    }
    table(set).set(keyOf(def, row), row);
    for (const [childSet, cdef, rows] of kids) {
      for (const r of rows) {
        for (const k of def.keys) r[k] = row[k];
        table(childSet).set(keyOf(cdef, r), r);
      }
    }
    base.effects.record(set, effectKey(set, row), 'create');
    return row;
  };

  const effectKey = (set: string, row: SapRow): string => String(set === 'A_SalesOrder' ? (row.PurchaseOrderByCustomer ?? row.SalesOrder) : keyOf(SAP_ENTITY_SETS[set] as SapEntitySet, row));

  /** Parses an entity path: `A_SalesOrder`, `A_SalesOrder('1')`, `A_SalesOrderItem(SalesOrder='1',SalesOrderItem='10')`. */
  const parseResource = (service: string, resource: string): { set: string; def: SapEntitySet; key?: SapRow; nav?: string } => {
    const m = /^([A-Za-z_]+)(?:\(([^)]*)\))?(?:\/([A-Za-z_]+))?$/.exec(resource);
    const set = m?.[1];
    const def = set !== undefined ? SAP_ENTITY_SETS[set] : undefined;
    if (!m || !set || !def || def.service !== service) throw err(404, '/IWBEP/CM_MGW_RT/021', `Resource not found for segment '${resource}'`);
    if (m[2] === undefined) return { set, def };
    const key: SapRow = {};
    const parts = m[2].split(',');
    if (parts.length === 1 && def.keys.length === 1 && /^'.*'$/.test(parts[0] as string)) key[def.keys[0] as string] = (parts[0] as string).slice(1, -1).replace(/''/g, "'");
    else {
      for (const p of parts) {
        const kv = /^([A-Za-z_]+)='(.*)'$/.exec(p);
        if (!kv || !def.keys.includes(kv[1] as string)) throw err(400, '/IWBEP/CM_MGW_RT/020', `Invalid key predicate (${m[2]})`);
        key[kv[1] as string] = (kv[2] as string).replace(/''/g, "'");
      }
    }
    if (!def.keys.every((k) => k in key)) throw err(400, '/IWBEP/CM_MGW_RT/020', `Invalid key predicate (${m[2]})`);
    return m[3] !== undefined ? { set, def, key, nav: m[3] } : { set, def, key };
  };

  const query = (req: EmulatorRequest, res: ServerResponse, set: string, def: SapEntitySet, service: string, rowsIn: SapRow[]): void => {
    const q = req.query;
    const fields = fieldsOf(set);
    const known = (p: string): boolean => p in fields || p === 'LastChangedByUser' || p === 'CreatedByUser' || def.keys.includes(p);
    let rows = rowsIn;
    const filterText = q.get('$filter');
    if (filterText !== null) {
      const tree = parseFilter(filterText);
      const unknown = filterProperties(tree).find((p) => !known(p));
      if (unknown !== undefined) throw err(400, '/IWBEP/CM_MGW_RT/022', `Property ${unknown} not found in type ${set}Type`);
      rows = rows.filter((r) => evalFilter(tree, r));
    }
    const order: OrderTerm[] = q.get('$orderby') !== null ? parseOrderBy(q.get('$orderby') as string) : [];
    const unknownOrder = order.find((t) => !known(t.name));
    if (unknownOrder) throw err(400, '/IWBEP/CM_MGW_RT/022', `Property ${unknownOrder.name} not found in type ${set}Type`);
    rows = [...rows].sort((a, b) => compareRows([...order, ...def.keys.map((k) => ({ name: k, desc: false }))], a, b));
    const num = (name: string): number | undefined => {
      const v = q.get(name);
      if (v === null) return undefined;
      if (!/^\d+$/.test(v)) throw err(400, '/IWBEP/CM_MGW_RT/020', `System query option ${name} has invalid value ${v}`);
      return Number(v);
    };
    const skip = num('$skip') ?? 0;
    const top = num('$top');
    const skiptoken = num('$skiptoken') ?? 0;
    const end = Math.min(rows.length, top === undefined ? rows.length : skip + top);
    const start = skip + skiptoken;
    const pageEnd = Math.min(end, start + pageSize);
    const select = q.get('$select')?.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const badSelect = select?.find((s) => !known(s) && !(def.navigation && s in def.navigation));
    if (badSelect) throw err(400, '/IWBEP/CM_MGW_RT/022', `Property ${badSelect} not found in type ${set}Type`);
    const expand = q.get('$expand')?.split(',').map((s) => s.trim()).filter((s) => s !== '') ?? [];
    const badExpand = expand.find((e) => !def.navigation || !(e in def.navigation));
    if (badExpand) throw err(400, '/IWBEP/CM_MGW_RT/021', `Navigation property ${badExpand} not found in type ${set}Type`);
    const d: Record<string, unknown> = { results: rows.slice(start, pageEnd).map((r) => render(set, def, r, select, expand)) };
    if (q.get('$inlinecount') === 'allpages') d.__count = String(rows.length);
    if (pageEnd < end) {
      const next = new URLSearchParams(q);
      next.set('$skiptoken', String(pageEnd - skip));
      // SAP writes system query options with a literal "$" and %20 for spaces.
      const query = [...next].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      d.__next = `${url}${SERVICE_ROOT}${service}/${req.path.slice(req.path.indexOf(service) + service.length + 1)}?${query}`;
    }
    sendJson(res, 200, { d });
    const change = afterQuery;
    afterQuery = undefined;
    change?.();
  };

  const sessionOf = (req: EmulatorRequest): { id: string; session: { user: string; csrf?: string } } | undefined => {
    const cookies = String(req.headers.cookie ?? '').split(';').map((c) => c.trim());
    const id = cookies.find((c) => c.startsWith(`${sessionCookie}=`))?.slice(sessionCookie.length + 1);
    const s = id !== undefined ? sessions.get(id) : undefined;
    return s && id !== undefined ? { id, session: s } : undefined;
  };

  const sendError = (res: ServerResponse, e: ODataErrorInput, headers: Record<string, string> = {}, service = 'API_SALES_ORDER_SRV'): void => {
    sendJson(res, e.status, {
      error: {
        code: e.code,
        message: { lang: 'en', value: e.message },
        innererror: {
          application: { component_id: COMPONENTS[service] ?? 'SD-SLS-API', service_namespace: '/SAP/', service_id: service, service_version: '0001' },
          transactionid: opaque('transaction', 16),
          timestamp: new Date(now()).toISOString().replace(/[-:T]/g, '').slice(0, 14) + '.0000000',
          Error_Resolution: { SAP_Transaction: 'Run transaction /IWFND/ERROR_LOG on SAP Gateway hub system', SAP_Note: 'See SAP Note 1797736 for error analysis' },
          errordetails: e.details ?? [],
        },
      },
    }, headers);
  };

  const vendor: VendorHandler = {
    handle(req, res) {
      if (!req.path.startsWith(SERVICE_ROOT)) return sendError(res, { status: 404, code: '/IWFND/MED/170', message: `No service found for namespace '', name '${req.path}', version '0001'` });
      const [service = '', ...rest] = req.path.slice(SERVICE_ROOT.length).split('/');
      if (!Object.values(SAP_ENTITY_SETS).some((d) => d.service === service)) return sendError(res, { status: 404, code: '/IWFND/MED/170', message: `No service found for namespace '/SAP/', name '${service}', version '0001'` });
      // Authentication: a live session cookie, else Basic credentials that open a new session.
      const headers: Record<string, string> = {};
      let current = sessionOf(req);
      const basic = /^Basic\s+(.+)$/.exec(String(req.headers.authorization ?? ''));
      if (!current && basic) {
        const [u, ...p] = Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':');
        if (u === user && p.join(':') === password) {
          const id = opaque('session', 24);
          current = { id, session: { user } };
          sessions.set(id, current.session);
          base.stats.logins++;
        }
      }
      if (!current) {
        sendText(res, 401, 'text/html; charset=utf-8', '<html><head><title>Logon Error Message</title></head><body>Anmeldung fehlgeschlagen / Logon failed</body></html>', { 'www-authenticate': 'Basic realm="SAP NetWeaver Application Server [S4H/100]"' });
        return;
      }
      const setCookies = [`${sessionCookie}=${current.id}; path=/; HttpOnly`, `sap-usercontext=sap-client=${client}; path=/`];
      if (String(req.headers['x-csrf-token'] ?? '').toLowerCase() === 'fetch') {
        current.session.csrf ??= opaque('csrf', 16);
        headers['x-csrf-token'] = current.session.csrf;
      }
      const method = String(req.headers['x-http-method'] ?? req.method).toUpperCase();
      const modifying = method !== 'GET' && method !== 'HEAD';
      const reply = (status: number, body: unknown, extra: Record<string, string> = {}): void => {
        if (res.headersSent || res.destroyed) return;
        const text = body === undefined ? '' : JSON.stringify(body);
        res.writeHead(status, { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), 'content-length': String(Buffer.byteLength(text)), 'set-cookie': setCookies, ...headers, ...extra });
        res.end(text);
      };
      if (modifying && (current.session.csrf === undefined || req.headers['x-csrf-token'] !== current.session.csrf)) {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'x-csrf-token': 'Required', 'set-cookie': setCookies });
        res.end('CSRF token validation failed');
        return;
      }
      try {
        const resource = rest.join('/');
        if (resource === '' || resource === '$metadata') {
          if (modifying) throw err(405, '/IWBEP/CM_MGW_RT/004', 'Method not allowed on the service document');
          return reply(200, { d: { EntitySets: Object.entries(SAP_ENTITY_SETS).filter(([, d]) => d.service === service).map(([n]) => n) } });
        }
        const { set, def, key, nav } = parseResource(service, resource);
        if (key === undefined) {
          if (method === 'GET') return query(req, res, set, def, service, [...table(set).values()]);
          if (method !== 'POST') throw err(405, '/IWBEP/CM_MGW_RT/004', `Method ${method} not allowed on entity set ${set}`);
          let body: unknown;
          try {
            body = JSON.parse(req.body);
          } catch {
            throw err(400, '/IWBEP/CM_MGW_RT/020', 'The Data Services Request could not be understood due to malformed syntax');
          }
          if (typeof body !== 'object' || body === null || Array.isArray(body)) throw err(400, '/IWBEP/CM_MGW_RT/020', 'Request body must be one entry');
          const row = create(set, def, body as SapRow, current.session.user);
          if (loseWrites > 0) {
            loseWrites--;
            req.headers.connection = 'close';
            res.socket?.destroy();
            return;
          }
          const etag = def.etag ? { etag: etagOf(parseODataDate(row.LastChangeDateTime) ?? 0) } : {};
          return reply(201, { d: render(set, def, row, undefined, Object.keys(def.navigation ?? {})) }, { location: uriOf(set, def, row), ...etag });
        }
        const row = table(set).get(keyOf(def, key));
        if (!row) throw err(404, '/IWBEP/CM_MGW_RT/021', `Resource not found for segment '${set}${keyPredicate(def.keys, key)}'`);
        if (nav !== undefined) {
          if (method !== 'GET') throw err(405, '/IWBEP/CM_MGW_RT/004', `Method ${method} not allowed on ${nav}`);
          const child = def.navigation?.[nav];
          if (!child) throw err(404, '/IWBEP/CM_MGW_RT/021', `Navigation property ${nav} not found`);
          return query(req, res, child, SAP_ENTITY_SETS[child] as SapEntitySet, service, [...table(child).values()].filter((c) => def.keys.every((k) => c[k] === row[k])));
        }
        const etag = def.etag ? etagOf(parseODataDate(row.LastChangeDateTime) ?? 0) : undefined;
        if (method === 'GET') {
          const expand = req.query.get('$expand')?.split(',').filter((s) => s !== '') ?? [];
          return reply(200, { d: render(set, def, row, undefined, expand) }, etag ? { etag } : {});
        }
        if (method !== 'PATCH' && method !== 'MERGE' && method !== 'PUT') throw err(405, '/IWBEP/CM_MGW_RT/004', `Method ${method} not allowed on ${set}`);
        if (etag !== undefined) {
          const ifMatch = req.headers['if-match'];
          if (ifMatch === undefined) throw err(428, '/IWBEP/CM_MGW_RT/024', 'Precondition required: send If-Match with the entity\'s ETag');
          if (ifMatch !== '*' && ifMatch !== etag) throw err(412, '/IWBEP/CM_MGW_RT/023', 'Precondition failed: the entity was changed since it was read (ETag mismatch)');
        }
        let body: unknown;
        try {
          body = JSON.parse(req.body);
        } catch {
          throw err(400, '/IWBEP/CM_MGW_RT/020', 'The Data Services Request could not be understood due to malformed syntax');
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw err(400, '/IWBEP/CM_MGW_RT/020', 'Request body must be one entry');
        const fields = fieldsOf(set);
        const changes: SapRow = {};
        for (const [k, v] of Object.entries(body as SapRow)) {
          if (k === '__metadata' || fields[k]?.readOnly) continue;
          if (def.navigation?.[k] !== undefined) throw err(400, '/IWBEP/CM_MGW_RT/022', `Navigation property ${k} cannot be changed with ${method}: use its own entity set`);
          if (def.keys.includes(k) && v !== row[k]) throw err(400, '/IWBEP/CM_MGW_RT/022', `Key property ${k} cannot be changed`);
          changes[k] = property(set, k, fields[k], v);
        }
        for (const [f, d] of Object.entries(fields)) {
          if (d.requiredOnCreate && f in changes && (changes[f] === null || changes[f] === '')) throw err(400, 'CX_SADL_ENTITY_SRV/003', `Enter a value for ${f}`);
        }
        Object.assign(row, changes);
        touch(set, row, stampAfter(row.LastChangeDateTime), current.session.user);
        base.effects.record(set, effectKey(set, row), 'update');
        if (loseWrites > 0) {
          loseWrites--;
          res.socket?.destroy();
          return;
        }
        return reply(204, undefined, def.etag ? { etag: etagOf(parseODataDate(row.LastChangeDateTime) ?? 0) } : {});
      } catch (e) {
        if (e instanceof ODataFailure) return sendError(res, e.input, { 'set-cookie': setCookies.join(', ') }, service);
        if (e instanceof FilterError) return sendError(res, { status: 400, code: '/IWBEP/CM_MGW_RT/020', message: e.message }, {}, service);
        throw e;
      }
    },
    throttle(res, retryAfterSeconds) {
      // ⚠ SAP's own limits depend on the gateway in front (API Management, Web Dispatcher); they answer 429.
      sendError(res, { status: 429, code: 'API_RATE_LIMIT', message: 'Rate limit exceeded' }, retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    serverError(res, status, retryAfterSeconds) {
      sendError(res, { status, code: '/IWFND/CM_BEC/026', message: 'Service temporarily unavailable: RFC communication failure' }, retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    expireSessions() {
      sessions.clear();
    },
    records(entity) {
      if (entity === undefined) return Object.fromEntries([...store.keys()].sort().map((k) => [k, table(k).size]));
      const def = SAP_ENTITY_SETS[entity];
      if (!def) throw new AdminInputError(`unknown entity set ${entity}`);
      return [...table(entity).values()].sort((a, b) => compareRows(def.keys.map((k) => ({ name: k, desc: false })), a, b)).map((r) => ({ ...r }));
    },
    seed(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminInputError('seed body must be {"<EntitySet>": [rows]}');
      const out: Record<string, number> = {};
      for (const [set, rows] of Object.entries(body as Record<string, unknown>)) {
        if (!SAP_ENTITY_SETS[set]) throw new AdminInputError(`unknown entity set ${set}`);
        if (!Array.isArray(rows)) throw new AdminInputError(`seed ${set} must be an array`);
        out[set] = admin.seed(set, rows as SapRow[]).length;
      }
      return out;
    },
    reset() {
      store.clear();
      sessions.clear();
      loseWrites = 0;
      afterQuery = undefined;
      seedAll();
    },
    adminRoutes: {
      'POST /__admin/expire-csrf': () => {
        admin.expireCsrfTokens();
        return { expired: true };
      },
      'POST /__admin/mutate': (body) => {
        const b = body as { set?: unknown; key?: unknown; values?: unknown };
        if (typeof b.set !== 'string' || typeof b.key !== 'object' || b.key === null || typeof b.values !== 'object' || b.values === null) {
          throw new AdminInputError('mutate body must be {"set":"A_SalesOrder","key":{"SalesOrder":"…"},"values":{…}}');
        }
        return admin.mutate(b.set, b.key as Record<string, string>, b.values as SapRow);
      },
    },
  };

  /** Seeds a row as a person would (no effects counted); a given LastChangeDateTime makes ties. */
  const putDirect = (set: string, values: SapRow): SapRow => {
    const def = SAP_ENTITY_SETS[set];
    if (!def) throw new AdminInputError(`unknown entity set ${set}`);
    const fields = fieldsOf(set);
    const row: SapRow = {};
    let at: number | undefined;
    for (const [k, v] of Object.entries(values)) {
      if (k === 'LastChangeDateTime') {
        at = parseODataDate(v) ?? (typeof v === 'string' ? Date.parse(v) : NaN);
        if (Number.isNaN(at)) throw new AdminInputError(`LastChangeDateTime ${String(v)} is not an instant`);
        continue;
      }
      if (!(k in fields)) throw new AdminInputError(`unknown property ${k} on ${set}`);
      row[k] = v;
    }
    if (set === 'A_SalesOrder' && row.SalesOrder === undefined) row.SalesOrder = String(++salesOrderNumber);
    if (set === 'A_BusinessPartner' && row.BusinessPartner === undefined) row.BusinessPartner = String(++bpNumber);
    for (const k of def.keys) if (row[k] === undefined) throw new AdminInputError(`${set} rows need ${k}`);
    const existing = table(set).get(keyOf(def, row));
    const merged = { ...(existing ?? {}), ...row };
    touch(set, merged, at ?? stampAfter(existing?.LastChangeDateTime), UI_USER);
    table(set).set(keyOf(def, merged), merged);
    return merged;
  };

  const seedAll = (): void => {
    putDirect('A_Customer', { Customer: '17100001', CustomerName: 'Inlandskunde DE 1' });
    putDirect('A_Customer', { Customer: '17100002', CustomerName: '上海客户 2' });
    putDirect('A_Product', { Product: 'TG11', ProductType: 'FERT', BaseUnit: 'PC' });
    putDirect('A_Product', { Product: 'TG12', ProductType: 'HAWA', BaseUnit: 'PC' });
    for (const [set, rows] of Object.entries(opts.seed ?? {})) for (const r of rows) putDirect(set, r);
  };

  const base = await startEmulatorServer(vendor, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.faults ? { faults: opts.faults } : {}) });
  url = base.url;
  seedAll();
  const admin: SapAdmin = {
    ...baseAdmin(base, vendor),
    records: (set) => vendor.records(set) as SapRow[],
    seed: (set, rows) => rows.map((r) => ({ ...putDirect(set, r) })),
    mutate: (set, key, values) => {
      const def = SAP_ENTITY_SETS[set];
      if (!def || !table(set).has(keyOf(def, key))) throw new AdminInputError(`no ${set} ${JSON.stringify(key)}`);
      return { ...putDirect(set, { ...values, ...key }) };
    },
    expireCsrfTokens: () => {
      for (const s of sessions.values()) delete s.csrf;
    },
    loseWriteAnswers: (count) => {
      loseWrites = count;
    },
    afterNextQuery: (change) => {
      afterQuery = change;
    },
  };
  return { url: base.url, user, admin, store, close: base.close };
}
