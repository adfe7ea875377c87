/**
 * Kingdee K3Cloud WebAPI emulator: cookie login (ValidateUser, LoginByAppSecret) with
 * `kdservice-sessionid` + `ASP.NET_SessionId`, session loss answered as HTTP 200 `MsgCode: 1`
 * "会话信息已丢失，请重新登录", Save / BatchSave (pk 0 creates, a real id updates, base data by
 * `{"FNumber":…}`, per-model `DIndex` results, partial success, HTTP 200 business errors), View, and
 * Delete (by Numbers or Ids; audited documents refuse), ExecuteBillQuery (bare arrays of arrays, errors nested in the array, StartRow / Limit ≤ 2,000).
 * Times are China Standard Time without an offset. See vendor-apis.md §2.
 */
import type { ServerResponse } from 'node:http';
import { utcToLocal } from '../../shared/cursor.ts';
import type { FaultConfig } from '../../shared/emulator/faults.ts';
import {
  AdminInputError,
  baseAdmin,
  sendJson,
  sendText,
  startEmulatorServer,
  type EmulatorAdmin,
  type EmulatorRequest,
  type VendorHandler,
} from '../../shared/emulator/server.ts';
import { evalFilter, filterFields, FilterError, parseFilter, parseOrder, type Filter, type Value } from './filter.ts';
import { signedHeaders } from '../signing.ts';
import { DEFAULT_BASE_DATA, DEFAULT_FORMS, resolveKey, type KdField, type KdForm } from './forms.ts';

export interface KdRow {
  pk: number;
  /** Header values; references hold the referenced record's pk; sub-objects are nested records. */
  values: Record<string, unknown>;
  entries: Record<string, Record<string, unknown>[]>;
}

export interface KingdeeEmulatorOptions {
  port?: number;
  faults?: FaultConfig;
  /** Records by form id, in the Save model shape (`{"FNumber":…}` references); FModifyDate may be given (CST, no offset). */
  seed?: Record<string, Record<string, unknown>[]>;
  acctId?: string;
  username?: string;
  password?: string;
  appId?: string;
  appSecret?: string;
  now?: () => number;
  forms?: Record<string, KdForm>;
  /** Largest ExecuteBillQuery Limit (2,000; 10,000 after the 2023-11 patch). */
  maxQueryLimit?: number;
  /** Answer IsSuccess as the strings "true"/"false", as some versions do. */
  stringIsSuccess?: boolean;
}

export interface KingdeeAdmin extends EmulatorAdmin {
  /** Records of a form in View shape (references as numbers), sorted by pk. */
  records(formId: string): Record<string, unknown>[];
  seed(formId: string, models: Record<string, unknown>[]): Record<string, unknown>[];
  /** A change made by a person in the K3Cloud client (not an API effect). */
  mutate(formId: string, number: string, values: Record<string, unknown>): Record<string, unknown>;
}

export interface KingdeeEmulator {
  url: string;
  /** Base for service calls: `${url}/k3cloud/`. */
  serverUrl: string;
  acctId: string;
  admin: KingdeeAdmin;
  store: Map<string, Map<number, KdRow>>;
  close(): Promise<void>;
}

const CST = 480;
const SESSION_LOST = '会话信息已丢失，请重新登录';
const SERVICE = /^\/k3cloud\/(Kingdee\.BOS\.[A-Za-z.]+?)\.common\.kdsvc$/i;

interface KdError {
  FieldName: string | null;
  Message: string;
  DIndex: number;
}

class ModelError extends Error {
  readonly errors: KdError[];
  readonly msgCode: number;
  constructor(errors: KdError[], msgCode: number) {
    super(errors.map((e) => e.Message).join('; '));
    this.errors = errors;
    this.msgCode = msgCode;
  }
}

/**
 * Business number → primary keys of one form. A number normally has one row (a clash is refused on
 * save), so it maps to that pk itself; a set is kept only for a number several rows share (seeded
 * data, other organisations). A million customers are a million map entries, not a million sets.
 */
class NumberIndex {
  readonly #byNumber = new Map<string, number | Set<number>>();

  /** The pks of `number`, ascending. */
  pks(number: string): number[] {
    const v = this.#byNumber.get(number);
    if (v === undefined) return [];
    if (typeof v === 'number') return [v];
    return [...v].sort((a, b) => a - b);
  }

  add(number: string, pk: number): void {
    const v = this.#byNumber.get(number);
    if (v === undefined) this.#byNumber.set(number, pk);
    else if (typeof v === 'number') {
      if (v !== pk) this.#byNumber.set(number, new Set([v, pk]));
    } else v.add(pk);
  }

  delete(number: string, pk: number): void {
    const v = this.#byNumber.get(number);
    if (v === pk) this.#byNumber.delete(number);
    else if (typeof v === 'object') {
      v.delete(pk);
      if (v.size === 1) for (const only of v) this.#byNumber.set(number, only);
      else if (v.size === 0) this.#byNumber.delete(number);
    }
  }
}

export async function startKingdeeEmulator(opts: KingdeeEmulatorOptions = {}): Promise<KingdeeEmulator> {
  const forms = { ...DEFAULT_FORMS, ...opts.forms };
  const acctId = opts.acctId ?? '6600000000001';
  const username = opts.username ?? 'syncspec';
  const password = opts.password ?? 'kingdee@123';
  const appId = opts.appId ?? '300000_syncspecAppId';
  const appSecret = opts.appSecret ?? 'syncspec-app-secret';
  const now = opts.now ?? Date.now;
  const maxLimit = opts.maxQueryLimit ?? 2000;
  const flag = (b: boolean): boolean | string => (opts.stringIsSuccess ? String(b) : b);

  const store = new Map<string, Map<number, KdRow>>();
  const sessions = new Map<string, { user: string }>();
  let nextPk = 100000;
  let nextEntry = 500000;
  let billCounter = 0;
  let sessionCounter = 0;

  const table = (form: string): Map<number, KdRow> => {
    let t = store.get(form);
    if (!t) store.set(form, (t = new Map()));
    return t;
  };
  const formOf = (id: string): [string, KdForm] | undefined => {
    const k = resolveKey(Object.keys(forms), id);
    return k ? [k, forms[k] as KdForm] : undefined;
  };
  /** Number index per form (business numbers → pks): look-ups stay O(1) with 100k records. */
  const numberIndex = new Map<string, NumberIndex>();
  const indexOf = (formId: string): NumberIndex => {
    let idx = numberIndex.get(formId);
    if (!idx) numberIndex.set(formId, (idx = new NumberIndex()));
    return idx;
  };
  const byNumber = (formId: string, number: string): KdRow[] => indexOf(formId).pks(number).map((pk) => table(formId).get(pk) as KdRow);
  /** Stores a row (pks only grow, so map order is pk order) and keeps the number index in step. */
  const saveRow = (formId: string, row: KdRow): void => {
    const form = forms[formId] as KdForm;
    const idx = indexOf(formId);
    const old = table(formId).get(row.pk);
    if (old && typeof old.values[form.number] === 'string') idx.delete(old.values[form.number] as string, row.pk);
    const num = row.values[form.number];
    if (typeof num === 'string') idx.add(num, row.pk);
    table(formId).set(row.pk, row);
  };

  /** Delete by numbers or ids: audited documents (FDocumentStatus C) refuse, as in the product. */
  const deleteRows = (formId: string, form: KdForm, data: Record<string, unknown>): { errors: KdError[]; successes: { Id: number; Number: string; DIndex: number }[] } => {
    const errors: KdError[] = [];
    const successes: { Id: number; Number: string; DIndex: number }[] = [];
    const numbers = Array.isArray(data.Numbers) ? data.Numbers.map(String) : [];
    const ids = typeof data.Ids === 'string' && data.Ids !== '' ? data.Ids.split(',').map((x) => Number(x.trim())) : [];
    const targets: { label: string; rows: KdRow[] }[] = [...numbers.map((n) => ({ label: n, rows: byNumber(formId, n) })), ...ids.map((id) => ({ label: String(id), rows: [table(formId).get(id)].filter((r): r is KdRow => r !== undefined) }))];
    targets.forEach(({ label, rows }, index) => {
      if (rows.length === 0) return void errors.push({ FieldName: null, Message: `编码为“${label}”的数据不存在或已被删除`, DIndex: index });
      for (const row of rows) {
        if (row.values.FDocumentStatus === 'C') {
          errors.push({ FieldName: null, Message: `“${label}”已审核，不允许删除`, DIndex: index });
          continue;
        }
        const num = String(row.values[form.number]);
        indexOf(formId).delete(num, row.pk);
        table(formId).delete(row.pk);
        base.effects.record(formId, num, 'delete');
        successes.push({ Id: row.pk, Number: num, DIndex: index });
      }
    });
    return { errors, successes };
  };  // A BatchSave stamps every model with the same millisecond: convert it once, not once per model.
  let lastNow = Number.NaN;
  let lastLocal = '';
  const localNow = (): string => {
    const t = now();
    if (t !== lastNow) {
      lastLocal = utcToLocal(new Date(t).toISOString(), CST) as string;
      lastNow = t;
    }
    return lastLocal;
  };
  /** Case-insensitive field names per field set (forms are fixed when the emulator starts), built once per set. */
  const fieldNames = new WeakMap<Record<string, KdField>, Map<string, string>>();
  const fieldName = (defs: Record<string, KdField>, name: string): string | undefined => {
    let byLower = fieldNames.get(defs);
    if (!byLower) {
      byLower = new Map<string, string>();
      // The first key of a case-insensitive match wins, as in resolveKey.
      for (const k of Object.keys(defs)) if (!byLower.has(k.toLowerCase())) byLower.set(k.toLowerCase(), k);
      fieldNames.set(defs, byLower);
    }
    return byLower.get(name.toLowerCase());
  };

  /** Turns a Save model value into the stored value, checking base-data references exist. */
  const convert = (f: KdField, name: string, v: unknown, index: number, errors: KdError[]): unknown => {
    if (v === null || v === undefined) return null;
    if (f.kind === 'ref') {
      const obj = typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
      const numKey = obj ? resolveKey(Object.keys(obj), 'FNumber') : undefined;
      const num = numKey ? obj?.[numKey] : undefined;
      if (num === undefined || num === null || num === '') {
        errors.push({ FieldName: name, Message: `字段“${f.caption ?? name}”的值必须是 {"FNumber":…} 形式的基础资料引用`, DIndex: index });
        return undefined;
      }
      const hit = byNumber(f.ref as string, String(num));
      if (hit.length === 0) {
        errors.push({ FieldName: name, Message: `字段“${f.caption ?? name}”的值“${String(num)}”在基础资料中不存在`, DIndex: index });
        return undefined;
      }
      return (hit[0] as KdRow).pk;
    }
    if (f.kind === 'number') {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) errors.push({ FieldName: name, Message: `字段“${f.caption ?? name}”的值“${String(v)}”不是数字`, DIndex: index });
      return n;
    }
    if (f.kind === 'date') {
      const m = /^(\d{4}-\d{2}-\d{2})(?:[T ]00:00:00(?:\.0+)?)?$/.exec(String(v));
      if (!m) errors.push({ FieldName: name, Message: `字段“${f.caption ?? name}”的值“${String(v)}”不是日期`, DIndex: index });
      return m ? `${m[1]}T00:00:00` : undefined;
    }
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (f.maxLength !== undefined && s.length > f.maxLength) {
      errors.push({ FieldName: name, Message: `字段“${f.caption ?? name}”的长度超过 ${f.maxLength}`, DIndex: index });
    }
    return s;
  };

  const convertFields = (
    defs: Record<string, KdField>,
    model: Record<string, unknown>,
    skip: Set<string>,
    index: number,
    errors: KdError[],
    path: string,
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(model)) {
      if (skip.has(k.toLowerCase())) continue;
      const name = fieldName(defs, k);
      const def = name ? defs[name] : undefined;
      if (!name || !def) {
        errors.push({ FieldName: k, Message: `${path}中不存在字段“${k}”`, DIndex: index });
        continue;
      }
      if (def.readOnly) continue; // the real service ignores system fields in a model
      if (def.kind === 'sub') {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          errors.push({ FieldName: name, Message: `字段“${name}”必须是对象`, DIndex: index });
          continue;
        }
        out[name] = convertFields(def.fields ?? {}, v as Record<string, unknown>, new Set(), index, errors, name);
      } else out[name] = convert(def, name, v, index, errors);
    }
    return out;
  };

  /** Validates and applies one model; returns [pk, number, created]. Throws ModelError. */
  const saveModel = (formId: string, form: KdForm, model: unknown, index: number, needUpdate: string[], isDeleteEntry: boolean, user: string | undefined): [number, string, boolean] => {
    if (typeof model !== 'object' || model === null || Array.isArray(model)) throw new ModelError([{ FieldName: null, Message: 'Model 必须是对象', DIndex: index }], 0);
    const m = model as Record<string, unknown>;
    const pkKey = resolveKey(Object.keys(m), form.pk);
    const rawPk = pkKey ? m[pkKey] : 0;
    const pk = rawPk === undefined || rawPk === null || rawPk === '' ? 0 : Number(rawPk);
    const errors: KdError[] = [];
    const entryNames = Object.keys(form.entries ?? {});
    const skip = new Set([form.pk.toLowerCase(), ...entryNames.map((e) => e.toLowerCase())]);
    const header = convertFields(form.fields, m, skip, index, errors, formId);
    const existing = pk === 0 ? undefined : table(formId).get(pk);
    if (pk !== 0 && !existing) errors.push({ FieldName: null, Message: `单据内码为 ${pk} 的数据不存在或已删除`, DIndex: index });
    const entries: Record<string, Record<string, unknown>[]> = {};
    for (const en of entryNames) {
      const given = resolveKey(Object.keys(m), en);
      if (!given) continue;
      const rows = m[given];
      if (!Array.isArray(rows)) {
        errors.push({ FieldName: en, Message: `分录“${en}”必须是数组`, DIndex: index });
        continue;
      }
      const def = (form.entries as Record<string, { pk: string; fields: Record<string, KdField> }>)[en] as { pk: string; fields: Record<string, KdField> };
      entries[en] = rows.map((row, ri) => {
        const r = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>;
        const epkKey = resolveKey(Object.keys(r), def.pk);
        const values = convertFields(def.fields, r, new Set([def.pk.toLowerCase()]), index, errors, `${en}[${ri}]`);
        const missing = Object.entries(def.fields).filter(([f, d]) => d.required && (values[f] === null || values[f] === undefined));
        for (const [f, d] of missing) errors.push({ FieldName: f, Message: `${en} 第${ri + 1}行：字段“${d.caption ?? f}”是必填项`, DIndex: index });
        const epk = epkKey ? Number(r[epkKey]) : 0;
        return { [def.pk]: epk, ...values };
      });
    }
    const merged = { ...(existing?.values ?? {}), ...header };
    if (needUpdate.length > 0 && existing) {
      for (const k of Object.keys(header)) if (!needUpdate.some((n) => n.toLowerCase() === k.toLowerCase())) merged[k] = existing.values[k];
    }
    let number = merged[form.number];
    if ((number === undefined || number === null || number === '') && pk === 0) {
      if (form.autoNumberPrefix) number = merged[form.number] = `${form.autoNumberPrefix}${String(++billCounter).padStart(6, '0')}`;
    }
    const missing = Object.entries(form.fields).filter(([f, d]) => d.required && (merged[f] === null || merged[f] === undefined || merged[f] === ''));
    for (const [f, d] of missing) errors.push({ FieldName: f, Message: `字段“${d.caption ?? f}”是必填项`, DIndex: index });
    if (typeof number === 'string' && number !== '') {
      // Base data numbers are unique per use organisation (the same customer number may exist in two orgs).
      const sameOrg = (r: KdRow): boolean => !('FUseOrgId' in form.fields) || (r.values.FUseOrgId ?? null) === (merged.FUseOrgId ?? null);
      const clash = byNumber(formId, number).filter((r) => r.pk !== pk && sameOrg(r));
      if (clash.length > 0) errors.push({ FieldName: form.number, Message: `${form.number === 'FBillNo' ? '单据编号' : '编码'}“${number}”已经存在`, DIndex: index });
    }
    if (errors.length > 0) {
      // Unknown fields are metadata errors (MsgCode 9); everything else is a validation failure (0).
      const metadata = errors.some((e) => /不存在字段/.test(e.Message));
      throw new ModelError(errors, metadata ? 9 : 0);
    }
    const newPk = existing ? existing.pk : ++nextPk;
    const stamp = localNow();
    const row: KdRow = existing ? { pk: existing.pk, values: merged, entries: { ...existing.entries } } : { pk: newPk, values: { ...merged, FCreateDate: stamp, FDocumentStatus: 'A' }, entries: {} };
    for (const [en, rows] of Object.entries(entries)) {
      const def = (form.entries as Record<string, { pk: string }>)[en] as { pk: string };
      const old = row.entries[en] ?? [];
      const kept = isDeleteEntry ? [] : old.filter((o) => !rows.some((r) => r[def.pk] === o[def.pk]));
      const updated = rows.map((r) => {
        const prev = old.find((o) => r[def.pk] !== 0 && o[def.pk] === r[def.pk]);
        return prev ? { ...prev, ...r } : { ...r, [def.pk]: ++nextEntry };
      });
      row.entries[en] = [...kept, ...updated];
    }
    row.values.FModifyDate = normaliseLocal(stamp);
    row.values.FModifierId = user ?? 'system';
    saveRow(formId, row);
    base.effects.record(formId, String(row.values[form.number]), existing ? 'update' : 'create');
    return [row.pk, String(row.values[form.number]), !existing];
  };

  /** Seeds or edits as a person would: references by number, no effects counted. */
  const putDirect = (formId: string, model: Record<string, unknown>): KdRow => {
    const f = formOf(formId);
    if (!f) throw new AdminInputError(`unknown form ${formId}`);
    const [id, form] = f;
    const errors: KdError[] = [];
    const stamp = typeof model.FModifyDate === 'string' ? model.FModifyDate : localNow();
    const values = convertFields(form.fields, model, new Set([form.pk.toLowerCase(), 'fmodifydate', ...Object.keys(form.entries ?? {}).map((e) => e.toLowerCase())]), 0, errors, id);
    if (errors.length > 0) throw new AdminInputError(errors.map((e) => e.Message).join('; '));
    const num = values[form.number];
    const existing = typeof num === 'string' ? byNumber(id, num)[0] : undefined;
    const row: KdRow = existing
      ? { ...existing, values: { ...existing.values, ...values } }
      : { pk: ++nextPk, values: { FCreateDate: stamp, FDocumentStatus: 'C', ...values }, entries: {} };
    if (!existing && (row.values[form.number] === undefined || row.values[form.number] === null) && form.autoNumberPrefix) {
      row.values[form.number] = `${form.autoNumberPrefix}${String(++billCounter).padStart(6, '0')}`;
    }
    row.values.FModifyDate = normaliseLocal(stamp);
    row.values.FModifierId = 'ui-user';
    saveRow(id, row);
    return row;
  };

  const seedAll = (): void => {
    for (const [form, rows] of Object.entries(DEFAULT_BASE_DATA)) for (const r of rows) putDirect(form, r);
    for (const [form, rows] of Object.entries(opts.seed ?? {})) for (const r of rows) putDirect(form, r);
  };

  /** Value of a FieldKeys / FilterString path on a header row, or on a (header, entry) pair. */
  const resolvePath = (formId: string, form: KdForm, path: string): ((row: KdRow, entry: Record<string, unknown> | undefined) => unknown) | undefined => {
    const [head = '', sub] = path.split('.');
    if (head.toLowerCase() === form.pk.toLowerCase() && !sub) return (r) => r.pk;
    for (const [en, def] of Object.entries(form.entries ?? {})) {
      if (head.toLowerCase() === `${en}_${def.pk}`.toLowerCase() && !sub) return (_r, e) => e?.[def.pk] ?? null;
      const ef = resolveKey(Object.keys(def.fields), head);
      if (ef) return refReader(def.fields[ef] as KdField, sub, (_r, e) => e?.[ef]);
    }
    const hf = resolveKey(Object.keys(form.fields), head);
    if (hf) return refReader(form.fields[hf] as KdField, sub, (r) => r.values[hf]);
    for (const [sname, sdef] of Object.entries(form.fields)) {
      if (sdef.kind !== 'sub') continue;
      const sf = resolveKey(Object.keys(sdef.fields ?? {}), head);
      if (sf) return refReader((sdef.fields as Record<string, KdField>)[sf] as KdField, sub, (r) => (r.values[sname] as Record<string, unknown> | undefined)?.[sf]);
    }
    void formId;
    return undefined;
  };

  const refReader = (def: KdField, sub: string | undefined, raw: (r: KdRow, e: Record<string, unknown> | undefined) => unknown) => {
    if (!sub) return def.kind === 'datetime' ? (r: KdRow, e: Record<string, unknown> | undefined) => trimMs(raw(r, e)) : raw;
    if (def.kind !== 'ref') return undefined;
    const target = forms[def.ref as string] as KdForm;
    const key = resolveKey([...Object.keys(target.fields), target.pk], sub);
    if (!key) return undefined;
    return (r: KdRow, e: Record<string, unknown> | undefined) => {
      const id = raw(r, e);
      const ref = typeof id === 'number' ? table(def.ref as string).get(id) : undefined;
      if (!ref) return null;
      return key === target.pk ? ref.pk : (ref.values[key] ?? null);
    };
  };

  /** Rows a filter can match: an index hit for `number = 'x'` / `number IN (…)` (also under AND), else every row. */
  const candidates = (formId: string, form: KdForm, f: Filter | undefined): Iterable<KdRow> => {
    const pks = indexedPks(formId, form, f);
    if (!pks) return table(formId).values();
    return [...pks].sort((a, b) => a - b).map((pk) => table(formId).get(pk)).filter((r): r is KdRow => r !== undefined);
  };
  const indexedPks = (formId: string, form: KdForm, f: Filter | undefined): Set<number> | undefined => {
    if (!f) return undefined;
    const isNumber = (field: string): boolean => field.toLowerCase() === form.number.toLowerCase();
    const lookup = (values: Value[]): Set<number> => new Set(values.flatMap((v) => indexOf(formId).pks(String(v))));
    if (f.kind === 'in' && !f.negate && isNumber(f.field)) return lookup(f.values);
    if (f.kind === 'cmp' && f.op === '=' && isNumber(f.field)) return lookup([f.value]);
    if (f.kind === 'and') return indexedPks(formId, form, f.left) ?? indexedPks(formId, form, f.right);
    return undefined;
  };

  const queryError = (res: ServerResponse, message: string, field: string | null): void =>
    sendJson(res, 200, [[{ Result: { ResponseStatus: { ErrorCode: 500, IsSuccess: flag(false), Errors: [{ FieldName: field, Message: message, DIndex: 0 }], SuccessEntitys: [], SuccessMessages: [], MsgCode: 9 } } }]]);

  const executeBillQuery = (res: ServerResponse, data: Record<string, unknown>): void => {
    const f = formOf(String(data.FormId ?? data.formid ?? ''));
    if (!f) return queryError(res, `业务对象“${String(data.FormId ?? '')}”不存在`, null);
    const [formId, form] = f;
    const keys = String(data.FieldKeys ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    if (keys.length === 0) return queryError(res, 'FieldKeys 不能为空', null);
    let filter;
    let order;
    try {
      filter = parseFilter(String(data.FilterString ?? ''));
      order = parseOrder(String(data.OrderString ?? ''));
    } catch (e) {
      if (e instanceof FilterError) return queryError(res, `过滤条件语法错误：${e.message}`, null);
      throw e;
    }
    const paths = [...new Set([...keys, ...filterFields(filter), ...order.map((o) => o.field)])];
    const readers = new Map<string, (r: KdRow, e: Record<string, unknown> | undefined) => unknown>();
    for (const p of paths) {
      const reader = resolvePath(formId, form, p);
      if (!reader) return queryError(res, `字段“${p}”在业务对象“${formId}”中不存在`, p);
      readers.set(p, reader);
    }
    const entryName = Object.entries(form.entries ?? {}).find(([en, def]) =>
      paths.some((p) => {
        const head = p.split('.')[0] ?? '';
        return head.toLowerCase() === `${en}_${def.pk}`.toLowerCase() || resolveKey(Object.keys(def.fields), head) !== undefined;
      }),
    )?.[0];
    const contexts: [KdRow, Record<string, unknown> | undefined][] = [];
    for (const row of candidates(formId, form, filter)) {
      const entries = entryName ? (row.entries[entryName] ?? []) : [];
      if (entries.length === 0) contexts.push([row, undefined]);
      else for (const e of entries) contexts.push([row, e]);
    }
    const get = (ctx: [KdRow, Record<string, unknown> | undefined], p: string): unknown => (readers.get(p) as (r: KdRow, e: Record<string, unknown> | undefined) => unknown)(ctx[0], ctx[1]);
    const isTime = (p: string): boolean => /modifydate|createdate|fdate$/i.test(p.split('.')[0] ?? '');
    const asIs = (v: unknown): unknown => v;
    const asTime = (v: unknown): unknown => (typeof v === 'string' ? normaliseLocal(v) : v);
    const norms = new Map(paths.map((p) => [p, isTime(p) ? asTime : asIs]));
    const norm = (p: string): ((v: unknown) => unknown) => norms.get(p) ?? asIs;
    const hits = contexts.filter((ctx) => evalFilter(filter, (p) => get(ctx, p), norm));
    // Decorate once, then sort on plain values: comparators that re-read fields dominate large queries.
    const keyed = hits.map((ctx) => ({ ctx, k: order.map((o) => norm(o.field)(get(ctx, o.field)) as string | number | null | undefined) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < order.length; i++) {
        const x = a.k[i];
        const y = b.k[i];
        if (x === y) continue;
        const desc = (order[i] as { desc: boolean }).desc;
        if (x === null || x === undefined) return desc ? 1 : -1;
        if (y === null || y === undefined) return desc ? -1 : 1;
        const c = x < y ? -1 : 1;
        return desc ? -c : c;
      }
      return 0;
    });
    const sorted = keyed.map((e) => e.ctx);
    const top = Number(data.TopRowCount ?? 0);
    const capped = top > 0 ? sorted.slice(0, top) : sorted;
    const start = Math.max(0, Number(data.StartRow ?? 0) || 0);
    const requested = Number(data.Limit ?? 0) || maxLimit;
    const limit = Math.min(maxLimit, Math.max(1, requested));
    sendJson(res, 200, capped.slice(start, start + limit).map((ctx) => keys.map((k) => get(ctx, k) ?? null)));
  };

  const viewRecord = (formId: string, form: KdForm, row: KdRow): Record<string, unknown> => {
    const out: Record<string, unknown> = { Id: row.pk, Number: row.values[form.number] ?? null };
    const render = (defs: Record<string, KdField>, values: Record<string, unknown>): Record<string, unknown> => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(values)) {
        const def = defs[k];
        if (def?.kind === 'ref' && typeof v === 'number') {
          const ref = table(def.ref as string).get(v);
          o[k] = ref ? { Id: ref.pk, Number: ref.values.FNumber ?? null, Name: ref.values.FName ?? null } : null;
        } else if (def?.kind === 'sub' && typeof v === 'object' && v !== null) o[k] = render(def.fields ?? {}, v as Record<string, unknown>);
        else o[k] = def?.kind === 'datetime' ? trimMs(v) : v;
      }
      return o;
    };
    Object.assign(out, render(form.fields, row.values));
    for (const [en, def] of Object.entries(form.entries ?? {})) out[en] = (row.entries[en] ?? []).map((e) => render(def.fields, e));
    void formId;
    return out;
  };

  const status = (ok: boolean, extra: Record<string, unknown>): Record<string, unknown> => ({
    ErrorCode: ok ? 0 : 500,
    IsSuccess: flag(ok),
    Errors: [],
    SuccessEntitys: [],
    SuccessMessages: [],
    MsgCode: 0,
    ...extra,
  });

  const handleLogin = (service: string, body: Record<string, unknown>, res: ServerResponse): void => {
    const params = Array.isArray(body.parameters) ? (body.parameters as unknown[]) : undefined;
    const bySecret = /LoginByAppSecret$/i.test(service);
    const get = (name: string, index: number): unknown => (params ? params[index] : body[resolveKey(Object.keys(body), name) ?? name]);
    const ok =
      get('acctID', 0) === acctId &&
      get('username', 1) === username &&
      (bySecret ? get('appId', 2) === appId && get('appSecret', 3) === appSecret : get('password', 2) === password);
    if (!ok) {
      sendJson(res, 200, { Message: bySecret ? '应用ID或密钥错误' : '用户名或密码错误！', MessageCode: 'CheckPasswordPolicy', LoginResultType: 0, Context: null, KDSVCSessionId: null });
      return;
    }
    base.stats.logins++;
    const sid = `kdsid${String(++sessionCounter).padStart(8, '0')}`;
    sessions.set(sid, { user: username });
    sendJson(
      res,
      200,
      { Message: null, MessageCode: 'CheckPasswordPolicy', LoginResultType: 1, Context: { UserName: username, DBid: acctId, SessionId: sid, UserLocale: 'zh-CN', LogId: '' }, KDSVCSessionId: sid, IsSuccessByAPI: true },
      { 'set-cookie': [`kdservice-sessionid=${sid}; path=/`, `ASP.NET_SessionId=asp${sid}; path=/; HttpOnly`] as unknown as string },
    );
  };

  /**
   * Third-party authorisation: a request carrying X-Api-Signature is authenticated by its headers alone.
   * Returns the user, or an HTTP refusal like the gateway's (bad signature 401, stale timestamp 519).
   */
  const signedUser = (req: EmulatorRequest): { user: string } | { status: number; errcode: number; description: string } | undefined => {
    const h = (name: string): string => String(req.headers[name] ?? '');
    if (h('x-api-signature') === '') return undefined;
    const refuse = { status: 401, errcode: 4003, description: '签名校验失败' };
    if (h('x-kd-appkey') !== appId) return refuse;
    const data = Buffer.from(h('x-kd-appdata'), 'base64').toString('utf8');
    const [acct, user, lcid, org] = data.split(',');
    if (acct !== acctId || user !== username || !lcid || org === undefined) return refuse;
    const expected = signedHeaders({ appId, appSecret, acctId, username, lcid: Number(lcid), orgNumber: org }, req.path, h('x-api-nonce'), h('x-api-timestamp'));
    if (expected['x-api-signature'] !== h('x-api-signature') || expected['x-kd-signature'] !== h('x-kd-signature')) return refuse;
    const ts = Number(h('x-api-timestamp'));
    const ms = ts > 1e12 ? ts : ts * 1000; // the C# SDK sends milliseconds, the Python SDK seconds
    if (!Number.isFinite(ts) || Math.abs(now() - ms) > 10 * 60_000) return { status: 519, errcode: 4006, description: '请求已过期，请检查时间戳' };
    return { user: username };
  };

  const sessionOf = (req: EmulatorRequest): { user: string } | undefined => {
    const cookie = String(req.headers.cookie ?? '');
    const fromCookie = /(?:^|;\s*)kdservice-sessionid=([^;]+)/.exec(cookie)?.[1];
    const fromHeader = req.headers['kdservice-sessionid'];
    const sid = fromCookie ?? (typeof fromHeader === 'string' ? fromHeader : undefined);
    return sid ? sessions.get(sid) : undefined;
  };

  const vendor: VendorHandler = {
    handle(req, res) {
      const m = SERVICE.exec(req.path);
      if (!m || req.method !== 'POST') {
        sendText(res, 404, 'text/html; charset=utf-8', '<html><body>404 - Not Found</body></html>');
        return;
      }
      const service = m[1] as string;
      let body: Record<string, unknown>;
      try {
        const parsed = JSON.parse(req.body) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        sendJson(res, 200, { Result: { ResponseStatus: status(false, { Errors: [{ FieldName: null, Message: '请求参数不是有效的JSON', DIndex: 0 }], MsgCode: 9 }) } });
        return;
      }
      if (/AuthService\.(ValidateUser|LoginByAppSecret)$/i.test(service)) return handleLogin(service, body, res);
      const op = /DynamicFormService\.(Save|BatchSave|View|ExecuteBillQuery|Delete)$/i.exec(service)?.[1]?.toLowerCase();
      if (!op) {
        sendJson(res, 200, { Result: { ResponseStatus: status(false, { Errors: [{ FieldName: null, Message: `服务“${service}”不存在`, DIndex: 0 }], MsgCode: 9 }) } });
        return;
      }
      const signed = signedUser(req);
      if (signed && 'status' in signed) {
        sendJson(res, signed.status, { errcode: signed.errcode, description: signed.description });
        return;
      }
      const session = signed ?? sessionOf(req);
      // Legacy shape: {"parameters":["FormId","<json text>"]}.
      let formid = body.formid ?? body.FormId;
      let data = body.data as Record<string, unknown> | undefined;
      if (Array.isArray(body.parameters)) {
        const [f, d] = body.parameters as unknown[];
        formid = f;
        try {
          data = (typeof d === 'string' ? JSON.parse(d) : d) as Record<string, unknown>;
        } catch {
          data = undefined;
        }
      }
      if (!session) {
        const lost = { Result: { ResponseStatus: status(false, { Errors: [{ FieldName: null, Message: SESSION_LOST, DIndex: 0 }], MsgCode: 1 }) } };
        sendJson(res, 200, op === 'executebillquery' ? [[lost]] : lost);
        return;
      }
      if (typeof data !== 'object' || data === null) {
        sendJson(res, 200, { Result: { ResponseStatus: status(false, { Errors: [{ FieldName: null, Message: 'data 参数缺失', DIndex: 0 }], MsgCode: 9 }) } });
        return;
      }
      if (op === 'executebillquery') return executeBillQuery(res, { FormId: formid, ...data });
      const f = formOf(String(formid ?? ''));
      if (!f) {
        sendJson(res, 200, { Result: { ResponseStatus: status(false, { Errors: [{ FieldName: null, Message: `业务对象“${String(formid)}”不存在`, DIndex: 0 }], MsgCode: 9 }) } });
        return;
      }
      const [formId, form] = f;
      if (op === 'view') {
        const number = data.Number;
        const id = Number(data.Id || 0);
        const row = id ? table(formId).get(id) : typeof number === 'string' ? byNumber(formId, number)[0] : undefined;
        if (!row) {
          sendJson(res, 200, { Result: { ResponseStatus: status(false, { Errors: [{ FieldName: null, Message: '单据不存在或已被删除', DIndex: 0 }], MsgCode: 9 }), Result: null } });
          return;
        }
        sendJson(res, 200, { Result: { ResponseStatus: null, Result: viewRecord(formId, form, row) } });
        return;
      }
      if (op === 'delete') {
        const { errors, successes } = deleteRows(formId, form, data);
        sendJson(res, 200, { Result: { ResponseStatus: status(errors.length === 0, { Errors: errors, SuccessEntitys: successes, MsgCode: 0 }) } });
        return;
      }
      const models = op === 'batchsave' ? data.Model : [data.Model];
      if (!Array.isArray(models)) {
        sendJson(res, 200, { Result: { ResponseStatus: status(false, { Errors: [{ FieldName: 'Model', Message: 'BatchSave 的 Model 必须是数组', DIndex: 0 }], MsgCode: 9 }) } });
        return;
      }
      const needUpdate = Array.isArray(data.NeedUpDateFields) ? data.NeedUpDateFields.map(String) : [];
      const isDeleteEntry = String(data.IsDeleteEntry ?? 'true').toLowerCase() !== 'false';
      const errors: KdError[] = [];
      const successes: { Id: number; Number: string; DIndex: number }[] = [];
      let msgCode = 0;
      models.forEach((model, index) => {
        try {
          const [pk, number] = saveModel(formId, form, model, index, needUpdate, isDeleteEntry, session.user);
          successes.push({ Id: pk, Number: number, DIndex: index });
        } catch (e) {
          if (!(e instanceof ModelError)) throw e;
          errors.push(...e.errors);
          msgCode = Math.max(msgCode, e.msgCode);
        }
      });
      const ok = errors.length === 0;
      const first = successes[0];
      sendJson(res, 200, {
        Result: {
          ResponseStatus: status(ok, { Errors: errors, SuccessEntitys: successes, MsgCode: ok ? 0 : msgCode }),
          Id: op === 'save' && first ? first.Id : '',
          Number: op === 'save' && first ? first.Number : '',
          NeedReturnData: successes.map(() => ({})),
        },
      });
    },
    throttle(res, retryAfterSeconds) {
      // Throttling is undocumented for the WebAPI itself; gateways in front of it answer 429.
      sendJson(res, 429, { errcode: 429, message: '请求过于频繁，请稍后再试' }, retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    serverError(res, status, retryAfterSeconds) {
      sendText(res, status, 'text/html; charset=utf-8', `<html><body>${status} - Service Unavailable</body></html>`, retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {});
    },
    expireSessions() {
      sessions.clear();
    },
    records(entity) {
      if (entity === undefined) return Object.fromEntries([...store.keys()].sort().map((k) => [k, table(k).size]));
      const f = formOf(entity);
      if (!f) throw new AdminInputError(`unknown form ${entity}`);
      return [...table(f[0]).values()].map((r) => viewRecord(f[0], f[1], r));
    },
    seed(body) {
      if (typeof body !== 'object' || body === null) throw new AdminInputError('seed body must be {"<FormId>": [models]}');
      const out: Record<string, number> = {};
      for (const [form, rows] of Object.entries(body as Record<string, unknown>)) {
        if (!Array.isArray(rows)) throw new AdminInputError(`seed ${form} must be an array`);
        out[form] = rows.map((r) => putDirect(form, r as Record<string, unknown>)).length;
      }
      return out;
    },
    reset() {
      store.clear();
      numberIndex.clear();
      sessions.clear();
      seedAll();
    },
    adminRoutes: {
      'POST /__admin/mutate': (body) => {
        const b = body as { form?: unknown; number?: unknown; values?: unknown };
        if (typeof b.form !== 'string' || typeof b.number !== 'string' || typeof b.values !== 'object' || b.values === null) {
          throw new AdminInputError('mutate body must be {"form":"BD_Customer","number":"C001","values":{…}}');
        }
        return admin.mutate(b.form, b.number, b.values as Record<string, unknown>);
      },
    },
  };

  const base = await startEmulatorServer(vendor, { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.faults ? { faults: opts.faults } : {}) });
  seedAll();
  const admin: KingdeeAdmin = {
    ...baseAdmin(base, vendor),
    records: (formId) => vendor.records(formId) as Record<string, unknown>[],
    seed: (formId, models) => models.map((m) => {
      const row = putDirect(formId, m);
      const f = formOf(formId) as [string, KdForm];
      return viewRecord(f[0], f[1], row);
    }),
    mutate: (formId, number, values) => {
      const f = formOf(formId);
      if (!f) throw new AdminInputError(`unknown form ${formId}`);
      if (byNumber(f[0], number).length === 0) throw new AdminInputError(`no ${f[0]} numbered ${number}`);
      return viewRecord(f[0], f[1], putDirect(f[0], { ...values, [f[1].number]: number }));
    },
  };
  return { url: base.url, serverUrl: `${base.url}/k3cloud/`, acctId, admin, store, close: base.close };
}

/** "2026-03-01 10:00:00" / "2026-03-01T10:00:00.5" → "2026-03-01T10:00:00.500" (comparable as text). */
export function normaliseLocal(v: string): string {
  if (v.length === 23 && v.charCodeAt(10) === 84 /* T */ && v.charCodeAt(19) === 46 /* . */) return v; // already canonical
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?$/.exec(v.trim());
  if (!m) return v;
  return `${m[1]}T${m[2]}.${((m[3] ?? '') + '000').slice(0, 3)}`;
}

/** Kingdee prints whole seconds without a fraction. */
function trimMs(v: unknown): unknown {
  return typeof v === 'string' ? v.replace(/\.0+$/, '') : v;
}
