/**
 * Yonyou U8 OpenAPI emulator (vendor-apis.md §5.1): `GET /system/token` (errcode "0", token id,
 * expiresIn 7200), single-use trade ids from `GET /system/tradeid`, `GET /api/{entity}/get?id=`,
 * `GET /api/{entity}/batch_get` (page_index / rows_per_page, `{cursor}_begin` modified-since filter),
 * asynchronous `POST /api/{entity}/add|edit?tradeid=` with the body wrapped in the entity key, answered
 * with a result `url` that reports `30025 操作正在执行` until the outcome is ready, and `errcode` errors
 * with HTTP 200. Times are China Standard Time without an offset (`yyyy-MM-dd HH:mm:ss`).
 *
 * ⚠ U8 does not publish every errcode. The token, trade-id and not-found codes below are this
 * emulator's choices (the connector names them in one place); 10001, 20005 and 30025 are documented.
 */
import type { ServerResponse } from 'node:http';
import { localToUtcIso, utcToLocal } from '../../shared/cursor.ts';
import type { FaultConfig } from '../../shared/emulator/faults.ts';
import { AdminInputError, baseAdmin, sendJson, startEmulatorServer, type EmulatorAdmin, type EmulatorRequest, type VendorHandler } from '../../shared/emulator/server.ts';
import { CST_MINUTES, U8_CATALOG, U8_ENTITIES, u8Time, type U8CatalogEntity, type U8CatalogField } from '../catalog.ts';

/** Errcodes the emulator answers with (see the ⚠ note above). */
export const U8_ERR = {
  ok: '0',
  platform: '10001',
  u8Failed: '20005',
  notFound: '20002',
  badCredentials: '30001',
  tokenInvalid: '30002',
  tradeIdInvalid: '30003',
  running: '30025',
} as const;

export type U8Row = Record<string, unknown> & { code: string };

interface Stored {
  values: U8Row;
  /** CST text of the entity's cursor field. */
  modified: string;
}

export interface U8EmulatorOptions {
  port?: number;
  faults?: FaultConfig;
  fromAccount?: string;
  toAccount?: string;
  appKey?: string;
  appSecret?: string;
  /** The U8 operator the OpenAPI client writes as (maker / modifyperson of API writes). */
  operator?: string;
  now?: () => number;
  /** Result polls answered "30025 操作正在执行" before the outcome (default 1). */
  asyncPolls?: number;
  seed?: Record<string, Record<string, unknown>[]>;
  /** Customer classes (sort_code) and departments (deptcode) that exist. */
  customerClasses?: string[];
  departments?: string[];
}

export interface U8Admin extends EmulatorAdmin {
  records(entity: string): U8Row[];
  /** Creates or replaces records as a U8 user would; the cursor field (CST text) may be given to make ties. */
  seed(entity: string, rows: Record<string, unknown>[]): U8Row[];
  mutate(entity: string, code: string, values: Record<string, unknown>): U8Row;
  /** Trade ids issued and whether each was used. */
  tradeIds(): { id: string; used: boolean }[];
}

export interface U8Emulator {
  url: string;
  fromAccount: string;
  toAccount: string;
  appKey: string;
  operator: string;
  admin: U8Admin;
  store: Map<string, Map<string, Stored>>;
  close(): Promise<void>;
}

const UI_USER = 'demo';

/** Reference records every emulator starts with (存货档案 for sale order and dispatch list entries). */
export const U8_BASE_DATA: Record<string, Record<string, unknown>[]> = {
  inventory: [
    { code: 'P-1001', name: '螺栓 M8', sort_code: '01', main_measure: '盒', tax_rate: '13', ref_sale_price: '1.200000' },
    { code: 'P-1002', name: '六角螺母 M8', sort_code: '01', main_measure: '盒', tax_rate: '13', ref_sale_price: '0.350000' },
  ],
};

class U8Failure extends Error {
  readonly errcode: string;
  constructor(errcode: string, message: string) {
    super(message);
    this.errcode = errcode;
  }
}

export async function startU8Emulator(opts: U8EmulatorOptions = {}): Promise<U8Emulator> {
  const fromAccount = opts.fromAccount ?? 'syncspec_dev';
  const toAccount = opts.toAccount ?? 'customer_ent';
  const appKey = opts.appKey ?? 'opa-syncspec';
  const appSecret = opts.appSecret ?? 'u8-app-secret';
  const operator = opts.operator ?? 'openapi';
  const now = opts.now ?? Date.now;
  const asyncPolls = opts.asyncPolls ?? 1;
  const classes = new Set(opts.customerClasses ?? ['01', '02']);
  const departments = new Set(opts.departments ?? ['01', '02', '0101']);

  const store = new Map<string, Map<string, Stored>>();
  const tokens = new Map<string, number>();
  const trades = new Map<string, { used: boolean; reply?: Record<string, unknown> }>();
  const requests = new Map<string, { polls: number; outcome: Record<string, unknown> }>();
  let counter = 0;
  let url = '';

  const table = (entity: string): Map<string, Stored> => {
    let t = store.get(entity);
    if (!t) store.set(entity, (t = new Map()));
    return t;
  };
  const entityOf = (name: string): U8CatalogEntity | undefined => U8_ENTITIES[name];
  const cursorOf = (e: U8CatalogEntity): string => e.cursor ?? 'modifydate';
  const cstNow = (): string => u8Time(utcToLocal(new Date(now()).toISOString(), CST_MINUTES) as string);
  const render = (s: Stored): U8Row => ({ ...s.values });

  const checkField = (path: string, name: string, def: U8CatalogField, v: unknown): void => {
    if (v === null || v === undefined) return;
    const fail = (why: string): never => {
      throw new U8Failure(U8_ERR.u8Failed, `U8 服务调用失败: ${path}${name} ${why}`);
    };
    if (def.type === 'string' || def.type === 'reference') {
      if (typeof v !== 'string' && typeof v !== 'number') fail('必须是文本');
      if (def.maxLength !== undefined && String(v).length > def.maxLength) fail(`长度超过 ${def.maxLength}`);
    } else if (def.type === 'decimal' || def.type === 'integer') {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) fail(`“${String(v)}”不是数字`);
    } else if (def.type === 'date') {
      if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) fail(`“${String(v)}”不是日期 (yyyy-MM-dd)`);
    }
    if (def.type === 'reference' && def.entity !== undefined) {
      const target = table(def.entity);
      if (!target.has(String(v))) fail(`“${String(v)}”在${U8_CATALOG.entities[def.entity] ? def.entity : ''}档案中不存在`);
    }
  };

  /** Validates and applies one add/edit. Throws U8Failure with U8's reason. */
  const write = (entityName: string, e: U8CatalogEntity, doc: unknown, editing: boolean, user: string): { code: string; created: boolean } => {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new U8Failure(U8_ERR.platform, `请求体必须是 {"${entityName}":{…}}`);
    const input = doc as Record<string, unknown>;
    const code = input.code === undefined || input.code === null ? '' : String(input.code);
    const existing = code !== '' ? table(entityName).get(code) : undefined;
    if (editing && !existing) throw new U8Failure(U8_ERR.u8Failed, `U8 服务调用失败: 编码 ${code} 不存在`);
    if (!editing && existing) throw new U8Failure(U8_ERR.u8Failed, `U8 服务调用失败: 编码 ${code} 已存在`);
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) {
      const def = e.fields[k];
      if (!def || def.readOnly) continue; // U8 ignores columns it does not take
      if (def.type === 'list') {
        if (!Array.isArray(v) || v.length === 0) throw new U8Failure(U8_ERR.u8Failed, `U8 服务调用失败: 表体 ${k} 不能为空`);
        const child = U8_CATALOG.entities[def.entity ?? ''];
        values[k] = v.map((row, i) => {
          const r = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>;
          const out: Record<string, unknown> = {};
          for (const [ck, cv] of Object.entries(r)) {
            const cdef = child?.fields[ck];
            if (!cdef || cdef.readOnly) continue;
            checkField(`表体第${i + 1}行 `, ck, cdef, cv);
            out[ck] = cv;
          }
          for (const [ck, cdef] of Object.entries(child?.fields ?? {})) {
            if (cdef.requiredOnCreate && (out[ck] === undefined || out[ck] === null || out[ck] === '')) throw new U8Failure(U8_ERR.u8Failed, `U8 服务调用失败: 表体第${i + 1}行 必输项 ${ck} 为空`);
          }
          return { rowno: i + 1, ...out };
        });
        continue;
      }
      checkField('', k, def, v);
      values[k] = v;
    }
    if (values.sort_code !== undefined && values.sort_code !== null && !classes.has(String(values.sort_code))) {
      throw new U8Failure(U8_ERR.u8Failed, `U8 服务调用失败: 客户分类编码 ${String(values.sort_code)} 不存在`);
    }
    if (values.deptcode !== undefined && values.deptcode !== null && !departments.has(String(values.deptcode))) {
      throw new U8Failure(U8_ERR.u8Failed, `U8 服务调用失败: 部门编码 ${String(values.deptcode)} 不存在`);
    }
    const merged = { ...(existing?.values ?? {}), ...values } as Record<string, unknown>;
    for (const [f, def] of Object.entries(e.fields)) {
      if (def.requiredOnCreate && (merged[f] === undefined || merged[f] === null || merged[f] === '')) {
        if (f === 'code' && !editing) continue; // documents are numbered by U8 when no code is given
        throw new U8Failure(U8_ERR.u8Failed, `U8 服务调用失败: 必输项 ${f} 为空`);
      }
    }
    const finalCode = code !== '' ? code : `${entityName === 'saleorder' ? 'SO' : 'DL'}${String(++counter).padStart(8, '0')}`;
    const stamp = cstNow();
    const row: Stored = { values: { ...merged, code: finalCode, modifyperson: user, [cursorOf(e)]: stamp } as U8Row, modified: stamp };
    if (!existing && 'maker' in e.fields) row.values.maker = user;
    if ('cusname' in e.fields && typeof merged.custcode === 'string') row.values.cusname = table('customer').get(merged.custcode)?.values.name ?? null;
    table(entityName).set(finalCode, row);
    base.effects.record(entityName, finalCode, existing ? 'update' : 'create');
    return { code: finalCode, created: !existing };
  };

  /** Seeds or edits as a U8 user: no effects counted, checks only known fields. */
  const putDirect = (entityName: string, fields: Record<string, unknown>): Stored => {
    const e = entityOf(entityName);
    if (!e) throw new AdminInputError(`unknown entity ${entityName}`);
    const code = fields.code;
    if (typeof code !== 'string' || code === '') throw new AdminInputError(`${entityName} records need a code`);
    const cursor = cursorOf(e);
    const given = fields[cursor];
    if (given !== undefined && (typeof given !== 'string' || localToUtcIso(given, CST_MINUTES) === undefined)) throw new AdminInputError(`${cursor} must be CST text "yyyy-MM-dd HH:mm:ss"`);
    for (const k of Object.keys(fields)) if (!(k in e.fields) && k !== 'modifyperson') throw new AdminInputError(`unknown field ${k} on ${entityName}`);
    const existing = table(entityName).get(code);
    const stamp = typeof given === 'string' ? u8Time(given) : cstNow();
    const row: Stored = { values: { ...(existing?.values ?? {}), ...fields, code, modifyperson: UI_USER, [cursor]: stamp } as U8Row, modified: stamp };
    table(entityName).set(code, row);
    return row;
  };

  const reply = (res: ServerResponse, body: Record<string, unknown>): void => sendJson(res, 200, body);
  const err = (res: ServerResponse, errcode: string, errmsg: string): void => reply(res, { errcode, errmsg });

  const tokenOk = (req: EmulatorRequest): boolean => {
    const q = req.query;
    const exp = tokens.get(q.get('token') ?? '');
    return q.get('from_account') === fromAccount && q.get('app_key') === appKey && exp !== undefined && exp > now();
  };

  const handleApi = (req: EmulatorRequest, res: ServerResponse, entityName: string, op: string): void => {
    const q = req.query;
    if (!tokenOk(req)) return err(res, U8_ERR.tokenInvalid, 'token 无效或已过期，请重新获取');
    if (q.get('to_account') !== toAccount) return err(res, U8_ERR.platform, `企业账号 ${q.get('to_account') ?? ''} 未授权`);
    const e = entityOf(entityName);
    if (!e) return err(res, U8_ERR.platform, `接口 ${entityName} 不存在`);
    if (op === 'get' && req.method === 'GET') {
      const row = table(entityName).get(q.get('id') ?? '');
      if (!row) return err(res, U8_ERR.notFound, `编码 ${q.get('id') ?? ''} 的${entityName}不存在`);
      return reply(res, { errcode: U8_ERR.ok, errmsg: '', [entityName]: render(row) });
    }
    if (op === 'batch_get' && req.method === 'GET') {
      const pageIndex = Number(q.get('page_index') ?? '1');
      const perPage = Number(q.get('rows_per_page') ?? '20');
      if (!Number.isInteger(pageIndex) || pageIndex < 1 || !Number.isInteger(perPage) || perPage < 1 || perPage > 500) {
        return err(res, U8_ERR.platform, 'page_index / rows_per_page 超出范围 (rows_per_page ≤ 500)');
      }
      const cursor = cursorOf(e);
      const begin = q.get(`${cursor}_begin`);
      if (begin !== null && localToUtcIso(begin, CST_MINUTES) === undefined) return err(res, U8_ERR.platform, `${cursor}_begin 不是时间 (yyyy-MM-dd HH:mm:ss)`);
      let rows = [...table(entityName).values()];
      if (begin !== null) rows = rows.filter((r) => r.modified >= u8Time(begin));
      rows.sort((a, b) => (a.values.code < b.values.code ? -1 : a.values.code > b.values.code ? 1 : 0));
      const slice = rows.slice((pageIndex - 1) * perPage, pageIndex * perPage);
      return reply(res, {
        errcode: U8_ERR.ok,
        errmsg: '',
        page_index: String(pageIndex),
        rows_per_page: String(perPage),
        row_count: String(rows.length),
        page_count: String(Math.ceil(rows.length / perPage)),
        [entityName]: slice.map(render),
      });
    }
    if ((op === 'add' || op === 'edit') && req.method === 'POST') {
      const tradeId = q.get('tradeid') ?? '';
      const trade = trades.get(tradeId);
      if (!trade) return err(res, U8_ERR.tradeIdInvalid, `tradeid ${tradeId} 无效`);
      // A trade id is single-use: a repeat is recognised as the same trade and answered as before.
      if (trade.used && trade.reply) return reply(res, trade.reply);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(req.body) as Record<string, unknown>;
      } catch {
        return err(res, U8_ERR.platform, '请求体不是有效的 JSON');
      }
      if (typeof body !== 'object' || body === null || !(entityName in body)) return err(res, U8_ERR.platform, `请求体必须是 {"${entityName}":{…}}`);
      const requestId = `req${String(++counter).padStart(10, '0')}`;
      let outcome: Record<string, unknown>;
      try {
        const done = write(entityName, e, body[entityName], op === 'edit', operator);
        outcome = { errcode: U8_ERR.ok, errmsg: '', id: done.code };
      } catch (x) {
        if (!(x instanceof U8Failure)) throw x;
        outcome = { errcode: x.errcode, errmsg: x.message };
      }
      requests.set(requestId, { polls: asyncPolls, outcome });
      const answer = { errcode: U8_ERR.ok, errmsg: '', tradeid: tradeId, url: `${url}/result?requestid=${requestId}` };
      trades.set(tradeId, { used: true, reply: answer });
      return reply(res, answer);
    }
    err(res, U8_ERR.platform, `接口 ${entityName}/${op} 不存在`);
  };

  const vendor: VendorHandler = {
    handle(req, res) {
      const q = req.query;
      if (req.path === '/system/token' && req.method === 'GET') {
        if (q.get('from_account') !== fromAccount || q.get('app_key') !== appKey || q.get('app_secret') !== appSecret) return err(res, U8_ERR.badCredentials, 'app_key 或 app_secret 不正确');
        base.stats.logins++;
        const id = `tok${String(++counter).padStart(10, '0')}`;
        tokens.set(id, now() + 7_200_000);
        return reply(res, { errcode: U8_ERR.ok, errmsg: '', token: { id, expiresIn: 7200 } });
      }
      if (req.path === '/system/tradeid' && req.method === 'GET') {
        if (!tokenOk(req)) return err(res, U8_ERR.tokenInvalid, 'token 无效或已过期，请重新获取');
        const id = `trade${String(++counter).padStart(10, '0')}`;
        trades.set(id, { used: false });
        return reply(res, { errcode: U8_ERR.ok, errmsg: '', trade: { id } });
      }
      if (req.path === '/result' && req.method === 'GET') {
        if (!tokenOk(req)) return err(res, U8_ERR.tokenInvalid, 'token 无效或已过期，请重新获取');
        const r = requests.get(q.get('requestid') ?? '');
        if (!r) return err(res, U8_ERR.platform, `requestid ${q.get('requestid') ?? ''} 不存在`);
        if (r.polls > 0) {
          r.polls--;
          return err(res, U8_ERR.running, '操作正在执行');
        }
        return reply(res, r.outcome);
      }
      const m = /^\/api\/([a-z_]+)\/([a-z_]+)$/.exec(req.path);
      if (m) return handleApi(req, res, m[1] as string, m[2] as string);
      sendJson(res, 404, { errcode: U8_ERR.platform, errmsg: `路径 ${req.path} 不存在` });
    },
    throttle(res, retryAfterSeconds) {
      // ⚠ U8's own throttling signal is undocumented; the relay gateway answers 429.
      sendJson(res, 429, { errcode: '429', errmsg: '请求过于频繁，请稍后再试' }, retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    serverError(res, status, retryAfterSeconds) {
      sendJson(res, status, { errcode: U8_ERR.platform, errmsg: '平台错误' }, retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    expireSessions() {
      tokens.clear();
    },
    records(entity) {
      if (entity === undefined) return Object.fromEntries([...store.keys()].sort().map((k) => [k, table(k).size]));
      if (!entityOf(entity)) throw new AdminInputError(`unknown entity ${entity}`);
      return [...table(entity).values()].map(render).sort((a, b) => (a.code < b.code ? -1 : 1));
    },
    seed(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminInputError('seed body must be {"<entity>": [records]}');
      const out: Record<string, number> = {};
      for (const [entity, rows] of Object.entries(body as Record<string, unknown>)) {
        if (!entityOf(entity)) throw new AdminInputError(`unknown entity ${entity}`);
        if (!Array.isArray(rows)) throw new AdminInputError(`seed ${entity} must be an array`);
        out[entity] = rows.map((r) => putDirect(entity, r as Record<string, unknown>)).length;
      }
      return out;
    },
    reset() {
      store.clear();
      tokens.clear();
      trades.clear();
      requests.clear();
      seedAll();
    },
    adminRoutes: {
      'POST /__admin/mutate': (body) => {
        const b = body as { entity?: unknown; code?: unknown; values?: unknown };
        if (typeof b.entity !== 'string' || typeof b.code !== 'string' || typeof b.values !== 'object' || b.values === null) {
          throw new AdminInputError('mutate body must be {"entity":"customer","code":"C001","values":{…}}');
        }
        return admin.mutate(b.entity, b.code, b.values as Record<string, unknown>);
      },
    },
  };

  const seedAll = (): void => {
    for (const [entity, rows] of Object.entries(U8_BASE_DATA)) for (const r of rows) putDirect(entity, r);
    for (const [entity, rows] of Object.entries(opts.seed ?? {})) for (const r of rows) putDirect(entity, r);
  };

  const base = await startEmulatorServer(vendor, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.faults ? { faults: opts.faults } : {}) });
  url = base.url;
  seedAll();
  const admin: U8Admin = {
    ...baseAdmin(base, vendor),
    records: (entity) => vendor.records(entity) as U8Row[],
    seed: (entity, rows) => rows.map((r) => render(putDirect(entity, r))),
    mutate: (entity, code, values) => {
      if (!table(entity).has(code)) throw new AdminInputError(`no ${entity} ${code}`);
      return render(putDirect(entity, { ...values, code }));
    },
    tradeIds: () => [...trades].map(([id, t]) => ({ id, used: t.used })).sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
  return { url: base.url, fromAccount, toAccount, appKey, operator, admin, store, close: base.close };
}
