/**
 * Jiandaoyun (简道云) Open API v5 emulator: Bearer API keys, POST-only JSON endpoints under
 * `/api/v5/app/entry/…` (data list with `data_id` cursor and filters, get, create, batch_create ≤ 100
 * with `transaction_id` idempotency, update, delete, widget list), every error as HTTP 400 `{code,msg}`
 * (8303 = rate limit), and data push with `X-JDY-Signature` = sha1(nonce:payload:secret:timestamp) and
 * `X-JDY-DeliverId`, duplicated or reordered on demand. See vendor-apis.md §3.
 *
 * Codes other than 8303/8304 are not published by the vendor; the emulator uses these, and the
 * connector classifies them: 1001 bad parameter, 3000 unknown form, 3005 unknown widget,
 * 3006 no such data, 4001 value invalid for its widget, 8301 invalid API key.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FaultConfig } from '../../shared/emulator/faults.ts';
import { pushDeliveries, type DeliveryReport } from '../../shared/emulator/push.ts';
import { seededRandom } from '../../shared/emulator/rng.ts';
import {
  AdminInputError,
  baseAdmin,
  sendJson,
  startEmulatorServer,
  type EmulatorAdmin,
  type VendorHandler,
} from '../../shared/emulator/server.ts';

export type WidgetType = 'text' | 'textarea' | 'number' | 'datetime' | 'radiogroup' | 'subform';

export interface Widget {
  name: string;
  label: string;
  type: WidgetType;
}

export interface JdyForm {
  appId: string;
  entryId: string;
  /** Widget holding the business key (effects are counted per its value). */
  keyWidget: string;
  widgets: Widget[];
}

export type JdyRow = Record<string, unknown> & { _id: string; updateTime: string };

export interface JiandaoyunEmulatorOptions {
  port?: number;
  faults?: FaultConfig;
  apiKeys?: string[];
  forms?: JdyForm[];
  /** Rows by "appId/entryId", flat widget values (as read); updateTime may be given to make ties. */
  seed?: Record<string, Record<string, unknown>[]>;
  now?: () => number;
  /** Rate-limit answer: HTTP 400 code 8303 (request rate) or HTTP 429 (concurrency). */
  throttleStyle?: '8303' | '429';
  /** Forms pushed to a URL whenever a person changes a record (admin mutate). */
  subscriptions?: { appId: string; entryId: string; url: string; secret: string }[];
}

export interface PushRequest {
  url: string;
  secret: string;
  appId: string;
  entryId: string;
  dataIds: string[];
  op?: 'data_create' | 'data_update' | 'data_remove';
  duplicate?: boolean;
  reorder?: boolean;
}

export interface JiandaoyunAdmin extends EmulatorAdmin {
  records(form: string): JdyRow[];
  seed(form: string, rows: Record<string, unknown>[]): JdyRow[];
  /** A person edits (or creates, without `_id`) a record in the Jiandaoyun UI. */
  mutate(form: string, values: Record<string, unknown>): Promise<JdyRow>;
  push(req: PushRequest): Promise<DeliveryReport[]>;
}

export interface JiandaoyunEmulator {
  url: string;
  /** API base to configure connectors with: `${url}/api`. */
  apiBase: string;
  admin: JiandaoyunAdmin;
  store: Map<string, Map<string, JdyRow>>;
  close(): Promise<void>;
}

export const DEFAULT_JDY_FORM: JdyForm = {
  appId: '5f0000000000000000000a01',
  entryId: '5f0000000000000000000e01',
  keyWidget: '_widget_1001',
  widgets: [
    { name: '_widget_1001', label: '客户编号', type: 'text' },
    { name: '_widget_1002', label: '客户名称', type: 'text' },
    { name: '_widget_1003', label: '城市', type: 'text' },
    { name: '_widget_1004', label: '信用额度', type: 'number' },
    { name: '_widget_1005', label: '备注', type: 'textarea' },
    { name: '_widget_1006', label: '签约时间', type: 'datetime' },
  ],
};

const SYSTEM_FIELDS = new Set(['_id', 'appId', 'entryId', 'creator', 'updater', 'deleter', 'createTime', 'updateTime', 'flowState']);
const API_USER = { name: '开放接口', username: 'open-api', status: 1 };
const UI_USER = { name: '张三', username: 'zhangsan', status: 1 };

class JdyError extends Error {
  readonly code: number;
  constructor(code: number, msg: string) {
    super(msg);
    this.code = code;
  }
}

export function jdySignature(nonce: string, payload: string, secret: string, timestamp: string): string {
  return createHash('sha1').update(`${nonce}:${payload}:${secret}:${timestamp}`, 'utf8').digest('hex');
}

export async function startJiandaoyunEmulator(opts: JiandaoyunEmulatorOptions = {}): Promise<JiandaoyunEmulator> {
  const apiKeys = new Set(opts.apiKeys ?? ['jdy-test-api-key']);
  const forms = opts.forms ?? [DEFAULT_JDY_FORM];
  const now = opts.now ?? Date.now;
  const store = new Map<string, Map<string, JdyRow>>();
  const transactions = new Map<string, string[]>();
  const deliverIds = new Map<string, string>();
  const random = seededRandom(7);
  let idCounter = 0;

  const formKey = (appId: string, entryId: string): string => `${appId}/${entryId}`;
  const formOf = (appId: unknown, entryId: unknown): JdyForm => {
    const f = forms.find((x) => x.appId === appId && x.entryId === entryId);
    if (!f) throw new JdyError(3000, '表单不存在');
    return f;
  };
  /** Ids in data-id order per form (ids only grow: append on create), and the key-widget index. */
  const order = new Map<string, string[]>();
  const keyIndex = new Map<string, Map<string, Set<string>>>();
  const orderOf = (f: JdyForm): string[] => {
    const k = formKey(f.appId, f.entryId);
    let ids = order.get(k);
    if (!ids) order.set(k, (ids = []));
    return ids;
  };
  const reindex = (f: JdyForm, old: JdyRow | undefined, row: JdyRow | undefined): void => {
    const k = formKey(f.appId, f.entryId);
    let idx = keyIndex.get(k);
    if (!idx) keyIndex.set(k, (idx = new Map()));
    const oldKey = old?.[f.keyWidget];
    if (old && oldKey !== undefined && oldKey !== null) idx.get(String(oldKey))?.delete(old._id);
    const newKey = row?.[f.keyWidget];
    if (row && newKey !== undefined && newKey !== null) {
      let ids = idx.get(String(newKey));
      if (!ids) idx.set(String(newKey), (ids = new Set()));
      ids.add(row._id);
    }
  };

  const table = (f: JdyForm): Map<string, JdyRow> => {
    const k = formKey(f.appId, f.entryId);
    let t = store.get(k);
    if (!t) store.set(k, (t = new Map()));
    return t;
  };
  const newId = (): string => `6${(++idCounter).toString(16).padStart(23, '0')}`;
  const iso = (): string => new Date(now()).toISOString();

  /** Unwraps `{widget:{value}}` write data, checking widgets and value types. */
  const unwrap = (f: JdyForm, data: unknown): Record<string, unknown> => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new JdyError(1001, 'data 必须是对象');
    const out: Record<string, unknown> = {};
    for (const [k, wrapped] of Object.entries(data as Record<string, unknown>)) {
      const w = f.widgets.find((x) => x.name === k);
      if (!w) throw new JdyError(3005, `字段不存在：${k}`);
      if (typeof wrapped !== 'object' || wrapped === null || !('value' in wrapped)) throw new JdyError(4001, `字段 ${w.label} 的值必须写成 {"value": …}`);
      const v = (wrapped as { value: unknown }).value;
      if (v !== null && v !== '' && w.type === 'number' && (typeof v !== 'number' || !Number.isFinite(v))) {
        if (typeof v !== 'string' || !Number.isFinite(Number(v))) throw new JdyError(4001, `字段 ${w.label} 的值不是数字`);
      }
      if (v !== null && w.type === 'datetime' && (typeof v !== 'string' || Number.isNaN(Date.parse(v)))) throw new JdyError(4001, `字段 ${w.label} 的值不是时间`);
      out[k] = w.type === 'number' && typeof v === 'string' && v !== '' ? Number(v) : v;
    }
    return out;
  };

  const write = (f: JdyForm, existing: JdyRow | undefined, values: Record<string, unknown>, user: typeof API_USER, countEffect: boolean, at?: string): JdyRow => {
    const stamp = at ?? iso();
    const row: JdyRow = existing
      ? { ...existing, ...values, updater: user, updateTime: stamp }
      : { _id: newId(), appId: f.appId, entryId: f.entryId, creator: user, updater: user, deleter: null, createTime: stamp, updateTime: stamp, flowState: 0, ...values };
    if (!existing) orderOf(f).push(row._id);
    reindex(f, existing, row);
    table(f).set(row._id, row);
    if (countEffect) base.effects.record(formKey(f.appId, f.entryId), String(row[f.keyWidget] ?? row._id), existing ? 'update' : 'create');
    return row;
  };

  const condMatches = (row: JdyRow, c: Record<string, unknown>, f: JdyForm): boolean => {
    const field = String(c.field ?? '');
    if (!SYSTEM_FIELDS.has(field) && !f.widgets.some((w) => w.name === field)) throw new JdyError(3005, `字段不存在：${field}`);
    const v = row[field];
    const isTime = c.type === 'datetime' || field === 'updateTime' || field === 'createTime';
    const cmp = (a: unknown, b: unknown): number => {
      if (isTime) return Math.sign(Date.parse(String(a)) - Date.parse(String(b)));
      if (typeof a === 'number' || typeof b === 'number') return Math.sign(Number(a) - Number(b));
      return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
    };
    const value = c.value;
    const list = Array.isArray(value) ? value : [value];
    switch (c.method) {
      case 'eq':
        return v !== undefined && v !== null && cmp(v, list[0]) === 0;
      case 'ne':
        return v === undefined || v === null || cmp(v, list[0]) !== 0;
      case 'in':
        if (list.length > 200) throw new JdyError(1001, 'in 条件最多 200 个值');
        return v !== undefined && v !== null && list.some((x) => cmp(v, x) === 0);
      case 'nin':
        return v === undefined || v === null || !list.some((x) => cmp(v, x) === 0);
      case 'gt':
        return v !== undefined && v !== null && cmp(v, list[0]) > 0;
      case 'lt':
        return v !== undefined && v !== null && cmp(v, list[0]) < 0;
      case 'range': {
        if (v === undefined || v === null) return false;
        const [lo, hi] = list;
        return (lo === null || lo === undefined || cmp(v, lo) >= 0) && (hi === null || hi === undefined || cmp(v, hi) <= 0);
      }
      case 'empty':
        return v === undefined || v === null || v === '';
      case 'not_empty':
        return v !== undefined && v !== null && v !== '';
      case 'like':
        return typeof v === 'string' && typeof list[0] === 'string' && v.includes(list[0]);
      default:
        throw new JdyError(1001, `不支持的筛选方法：${String(c.method)}`);
    }
  };

  const METHODS = new Set(['eq', 'ne', 'in', 'nin', 'gt', 'lt', 'range', 'empty', 'not_empty', 'like']);
  /** Checks a filter up front (also when no row would be evaluated) and returns a row predicate. */
  const compileFilter = (filter: unknown, f: JdyForm): ((r: JdyRow) => boolean) => {
    if (filter === undefined || filter === null) return () => true;
    const fl = filter as { rel?: unknown; cond?: unknown };
    if (!Array.isArray(fl.cond) || (fl.rel !== undefined && fl.rel !== 'and' && fl.rel !== 'or')) throw new JdyError(1001, 'filter 格式错误');
    const conds = fl.cond as Record<string, unknown>[];
    for (const c of conds) {
      const field = String(c?.field ?? '');
      if (!SYSTEM_FIELDS.has(field) && !f.widgets.some((w) => w.name === field)) throw new JdyError(3005, `字段不存在：${field}`);
      if (!METHODS.has(String(c.method))) throw new JdyError(1001, `不支持的筛选方法：${String(c.method)}`);
      if ((c.method === 'in' || c.method === 'nin') && Array.isArray(c.value) && c.value.length > 200) throw new JdyError(1001, 'in 条件最多 200 个值');
    }
    return fl.rel === 'or' ? (r) => conds.some((c) => condMatches(r, c, f)) : (r) => conds.every((c) => condMatches(r, c, f));
  };

  /** Ids a filter can only match, from the key-widget index (`eq` / `in` on the key under AND), else undefined. */
  const indexedIds = (filter: unknown, f: JdyForm): string[] | undefined => {
    const fl = filter as { rel?: unknown; cond?: Record<string, unknown>[] } | undefined;
    if (!fl || fl.rel === 'or' || !Array.isArray(fl.cond)) return undefined;
    const c = fl.cond.find((x) => x.field === f.keyWidget && (x.method === 'eq' || x.method === 'in'));
    if (!c) return undefined;
    const values = Array.isArray(c.value) ? c.value : [c.value];
    const idx = keyIndex.get(formKey(f.appId, f.entryId));
    return [...new Set(values.flatMap((v) => [...(idx?.get(String(v)) ?? [])]))].sort();
  };

  /** First position in the sorted id list after `after` (binary search). */
  const startAfter = (ids: string[], after: string): number => {
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ids[mid] as string) <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const api: Record<string, (body: Record<string, unknown>) => unknown> = {
    'entry/data/list': (b) => {
      const f = formOf(b.app_id, b.entry_id);
      const limit = b.limit === undefined ? 10 : Number(b.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new JdyError(1001, 'limit 取值范围为 1~100');
      const after = typeof b.data_id === 'string' ? b.data_id : '';
      const matches = compileFilter(b.filter, f);
      const ids = indexedIds(b.filter, f) ?? orderOf(f);
      const rows: JdyRow[] = [];
      for (let i = startAfter(ids, after); i < ids.length && rows.length < limit; i++) {
        const row = table(f).get(ids[i] as string);
        if (row && matches(row)) rows.push(row);
      }
      const fields = Array.isArray(b.fields) ? (b.fields as string[]) : undefined;
      return { data: rows.map((r) => (fields ? Object.fromEntries(['_id', ...fields].map((k) => [k, r[k] ?? null])) : r)) };
    },
    'entry/data/get': (b) => {
      const row = table(formOf(b.app_id, b.entry_id)).get(String(b.data_id));
      if (!row) throw new JdyError(3006, '数据不存在');
      return { data: row };
    },
    'entry/data/create': (b) => {
      const f = formOf(b.app_id, b.entry_id);
      return { data: write(f, undefined, unwrap(f, b.data), creatorOf(b), true) };
    },
    'entry/data/batch_create': (b) => {
      const f = formOf(b.app_id, b.entry_id);
      if (!Array.isArray(b.data_list) || b.data_list.length === 0 || b.data_list.length > 100) throw new JdyError(1001, 'data_list 数量为 1~100');
      const tx = typeof b.transaction_id === 'string' ? b.transaction_id : undefined;
      const seen = tx ? transactions.get(tx) : undefined;
      if (seen) return { status: 'success', success_count: seen.length, success_ids: seen };
      const values = b.data_list.map((d) => unwrap(f, d)); // all or nothing: validate every row first
      const ids = values.map((v) => write(f, undefined, v, creatorOf(b), true)._id);
      if (tx) transactions.set(tx, ids);
      return { status: 'success', success_count: ids.length, success_ids: ids };
    },
    'entry/data/update': (b) => {
      const f = formOf(b.app_id, b.entry_id);
      const row = table(f).get(String(b.data_id));
      if (!row) throw new JdyError(3006, '数据不存在');
      return { data: write(f, row, unwrap(f, b.data), API_USER, true) };
    },
    'entry/data/delete': (b) => {
      const f = formOf(b.app_id, b.entry_id);
      const row = table(f).get(String(b.data_id));
      if (!row) throw new JdyError(3006, '数据不存在');
      table(f).delete(row._id);
      reindex(f, row, undefined);
      const ids = orderOf(f);
      ids.splice(startAfter(ids, row._id) - 1, 1);
      base.effects.record(formKey(f.appId, f.entryId), String(row[f.keyWidget] ?? row._id), 'delete');
      return { status: 'success' };
    },
    'entry/widget/list': (b) => {
      const f = formOf(b.app_id, b.entry_id);
      return { widgets: f.widgets, sysWidgets: [...SYSTEM_FIELDS].map((name) => ({ name })), dataModifyTime: iso() };
    },
  };

  const creatorOf = (b: Record<string, unknown>): typeof API_USER =>
    typeof b.data_creator === 'string' && b.data_creator !== '' ? { name: b.data_creator, username: b.data_creator, status: 1 } : API_USER;

  const vendor: VendorHandler = {
    handle(req, res) {
      const m = /^\/api\/v5\/app\/(entry\/(?:data|widget)\/[a-z_]+)$/.exec(req.path);
      const handler = m ? api[m[1] as string] : undefined;
      if (!handler) return sendJson(res, 404, { code: 404, msg: '接口不存在' });
      if (req.method !== 'POST') return sendJson(res, 405, { code: 405, msg: '仅支持 POST' });
      const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
      if (!auth || !apiKeys.has(auth[1] as string)) return sendJson(res, 400, { code: 8301, msg: 'API Key 无效' });
      let body: Record<string, unknown>;
      try {
        const v = JSON.parse(req.body) as unknown;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        body = v as Record<string, unknown>;
      } catch {
        return sendJson(res, 400, { code: 1001, msg: '请求体不是有效的 JSON 对象' });
      }
      try {
        // The Date header follows the emulator clock, as the vendor's follows its own.
        sendJson(res, 200, handler(body), { date: new Date(now()).toUTCString() });
      } catch (e) {
        if (e instanceof JdyError) return sendJson(res, 400, { code: e.code, msg: e.message });
        throw e;
      }
    },
    throttle(res: ServerResponse, retryAfterSeconds) {
      const headers = retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {};
      if (opts.throttleStyle === '429') sendJson(res, 429, { code: 429, msg: '超出并发限制' }, headers);
      else sendJson(res, 400, { code: 8303, msg: '超出请求频率限制' }, headers);
    },
    serverError(res, status, retryAfterSeconds) {
      sendJson(res, status, { code: status, msg: '服务暂不可用' }, retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    expireSessions() {
      // API keys do not expire; nothing to do (kept so fault plans are uniform across emulators).
    },
    records(entity) {
      if (entity === undefined) return Object.fromEntries([...store.keys()].sort().map((k) => [k, store.get(k)?.size ?? 0]));
      const [appId, entryId] = entity.split('/');
      const f = forms.find((x) => x.appId === appId && x.entryId === entryId);
      if (!f) throw new AdminInputError(`unknown form ${entity} (use appId/entryId)`);
      return [...table(f).values()].sort((a, b) => (a._id < b._id ? -1 : 1));
    },
    seed(body) {
      if (typeof body !== 'object' || body === null) throw new AdminInputError('seed body must be {"appId/entryId": [rows]}');
      const out: Record<string, number> = {};
      for (const [k, rows] of Object.entries(body as Record<string, unknown>)) {
        if (!Array.isArray(rows)) throw new AdminInputError(`seed ${k} must be an array`);
        out[k] = seedRows(k, rows as Record<string, unknown>[]).length;
      }
      return out;
    },
    reset() {
      store.clear();
      order.clear();
      keyIndex.clear();
      transactions.clear();
      deliverIds.clear();
      for (const [k, rows] of Object.entries(opts.seed ?? {})) seedRows(k, rows);
    },
    adminRoutes: {
      'POST /__admin/push': (body) => push(body as PushRequest),
      'POST /__admin/mutate': (body) => {
        const b = body as { form?: unknown; values?: unknown };
        if (typeof b.form !== 'string' || typeof b.values !== 'object' || b.values === null) throw new AdminInputError('mutate body must be {"form":"appId/entryId","values":{…}}');
        return mutate(b.form, b.values as Record<string, unknown>);
      },
    },
  };

  const formByKey = (k: string): JdyForm => {
    const [appId, entryId] = k.split('/');
    const f = forms.find((x) => x.appId === appId && x.entryId === entryId);
    if (!f) throw new AdminInputError(`unknown form ${k} (use appId/entryId)`);
    return f;
  };

  const seedRows = (k: string, rows: Record<string, unknown>[]): JdyRow[] => {
    const f = formByKey(k);
    return rows.map((r) => {
      const { updateTime, ...values } = r;
      for (const key of Object.keys(values)) if (!f.widgets.some((w) => w.name === key)) throw new AdminInputError(`unknown widget ${key}`);
      return write(f, undefined, values, UI_USER, false, typeof updateTime === 'string' ? updateTime : undefined);
    });
  };

  const mutate = async (k: string, values: Record<string, unknown>): Promise<JdyRow> => {
    const f = formByKey(k);
    const { _id, updateTime, ...rest } = values;
    const existing = typeof _id === 'string' ? table(f).get(_id) : undefined;
    if (typeof _id === 'string' && !existing) throw new AdminInputError(`no row ${_id}`);
    for (const key of Object.keys(rest)) if (!f.widgets.some((w) => w.name === key)) throw new AdminInputError(`unknown widget ${key}`);
    const row = write(f, existing, rest, UI_USER, false, typeof updateTime === 'string' ? updateTime : undefined);
    for (const s of opts.subscriptions ?? []) {
      if (s.appId === f.appId && s.entryId === f.entryId) {
        await push({ url: s.url, secret: s.secret, appId: f.appId, entryId: f.entryId, dataIds: [row._id], op: existing ? 'data_update' : 'data_create' });
      }
    }
    return row;
  };

  const push = async (r: PushRequest): Promise<DeliveryReport[]> => {
    if (typeof r.url !== 'string' || typeof r.secret !== 'string' || !Array.isArray(r.dataIds)) throw new AdminInputError('push body needs url, secret, appId, entryId, dataIds');
    const f = formByKey(formKey(r.appId, r.entryId));
    const config = base.faults.current;
    const deliveries = r.dataIds.map((id) => {
      const row = table(f).get(id);
      if (!row) throw new AdminInputError(`no row ${id}`);
      const op = r.op ?? 'data_update';
      // One delivery id per event (row version + op): a re-sent event keeps its id.
      const ek = `${row._id}@${row.updateTime}@${op}`;
      let deliverId = deliverIds.get(ek);
      if (!deliverId) deliverIds.set(ek, (deliverId = `dlv${String(deliverIds.size + 1).padStart(12, '0')}`));
      const payload = JSON.stringify({ op, data: row });
      const timestamp = String(Math.floor(now() / 1000));
      const nonce = Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0');
      return {
        id: deliverId,
        url: `${r.url}${r.url.includes('?') ? '&' : '?'}timestamp=${timestamp}&nonce=${nonce}`,
        headers: { 'content-type': 'application/json', 'x-jdy-signature': jdySignature(nonce, payload, r.secret, timestamp), 'x-jdy-deliverid': deliverId },
        body: payload,
      };
    });
    return pushDeliveries(deliveries, {
      duplicate: r.duplicate ?? config.duplicateWebhooks ?? false,
      reorder: r.reorder ?? config.reorderWebhooks ?? false,
      attempts: 3,
      accepted: (status) => status >= 200 && status < 300,
    });
  };

  const base = await startEmulatorServer(vendor, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.faults ? { faults: opts.faults } : {}) });
  for (const [k, rows] of Object.entries(opts.seed ?? {})) seedRows(k, rows);
  const admin: JiandaoyunAdmin = {
    ...baseAdmin(base, vendor),
    records: (k) => vendor.records(k) as JdyRow[],
    seed: seedRows,
    mutate,
    push,
  };
  return { url: base.url, apiBase: `${base.url}/api`, admin, store, close: base.close };
}
