/**
 * Label and field selectors as the API server parses them (k8s.io/apimachinery labels/selector.go):
 * `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist), joined by commas.
 */
import { ApiError, isObject } from './types.ts';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' };

const KEY = /^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function bad(selector: string, why: string): ApiError {
  return new ApiError(400, 'BadRequest', `unable to parse requirement: ${why} in selector "${selector}"`);
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t.length > 0);
}

export function parseLabelSelector(selector: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const term of splitTerms(selector)) {
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const [, key = '', op, list = ''] = m;
      const values = list.split(',').map((v) => v.trim());
      if (!KEY.test(key)) throw bad(selector, `invalid label key "${key}"`);
      for (const v of values) if (!VALUE.test(v)) throw bad(selector, `invalid label value "${v}"`);
      reqs.push({ key, op: op === 'in' ? 'in' : 'notin', values });
    } else if ((m = term.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      const [, key = '', op, value = ''] = m;
      if (!KEY.test(key)) throw bad(selector, `invalid label key "${key}"`);
      if (!VALUE.test(value)) throw bad(selector, `invalid label value "${value}"`);
      reqs.push({ key, op: op === '!=' ? 'notin' : 'in', values: [value] });
    } else if ((m = term.match(/^!\s*(\S+)$/))) {
      const key = m[1] ?? '';
      if (!KEY.test(key)) throw bad(selector, `invalid label key "${key}"`);
      reqs.push({ key, op: '!' });
    } else if (KEY.test(term)) {
      reqs.push({ key: term, op: 'exists' });
    } else {
      throw bad(selector, `cannot parse "${term}"`);
    }
  }
  return reqs;
}

export function matchesLabels(reqs: readonly Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'exists': return has;
      case '!': return !has;
      case 'in': return has && r.values.includes(l[r.key] ?? '');
      case 'notin': return !has || !r.values.includes(l[r.key] ?? '');
    }
  });
}

export interface FieldRequirement { path: string; op: '=' | '!='; value: string }

/** Field selectors: `path=value`, `path==value`, `path!=value`; a path is a dotted field path. */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  return splitTerms(selector).map((term) => {
    const m = term.match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new ApiError(400, 'BadRequest', `invalid field selector term "${term}" in "${selector}"`);
    return { path: m[1] ?? '', op: m[2] === '!=' ? '!=' : '=', value: m[3] ?? '' };
  });
}

function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) cur = isObject(cur) ? cur[part] : undefined;
  return cur === undefined || cur === null ? '' : String(cur);
}

export function matchesFields(reqs: readonly FieldRequirement[], obj: unknown): boolean {
  return reqs.every((r) => (fieldValue(obj, r.path) === r.value) === (r.op === '='));
}
