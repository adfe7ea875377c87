/**
 * The FilterString subset the Kingdee emulator evaluates: SQL-like `field op value` terms joined by
 * AND / OR / NOT with parentheses, ops `= <> != > >= < <= IN (…) LIKE`, values in single quotes ('' for
 * a quote) or numbers, fields as `FKey`, `FRef.FNumber` or `FEntry_FEntryID`. Also OrderString.
 */

export class FilterError extends Error {}

export type Value = string | number;
export type Filter =
  | { kind: 'cmp'; field: string; op: '=' | '<>' | '>' | '>=' | '<' | '<=' | 'like'; value: Value }
  | { kind: 'in'; field: string; values: Value[]; negate: boolean }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; inner: Filter };

type Tok = { t: 'id' | 'str' | 'num' | 'op' | 'p'; v: string; at: number };

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= s.length) throw new FilterError(`unterminated string at ${i}`);
        if (s[j] === "'") {
          if (s[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += s[j];
        j++;
      }
      out.push({ t: 'str', v, at: i });
      i = j + 1;
    } else if (/[0-9-]/.test(c) && /^-?\d/.test(s.slice(i, i + 2))) {
      const m = /^-?\d+(\.\d+)?/.exec(s.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: m[0], at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?/.exec(s.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0], at: i });
      i += m[0].length;
    } else if (['<>', '!=', '>=', '<='].includes(s.slice(i, i + 2))) {
      out.push({ t: 'op', v: s.slice(i, i + 2) === '!=' ? '<>' : s.slice(i, i + 2), at: i });
      i += 2;
    } else if ('=<>'.includes(c)) {
      out.push({ t: 'op', v: c, at: i });
      i++;
    } else if ('(),'.includes(c)) {
      out.push({ t: 'p', v: c, at: i });
      i++;
    } else throw new FilterError(`unexpected character '${c}' at ${i}`);
  }
  return out;
}

export function parseFilter(s: string): Filter | undefined {
  const toks = lex(s);
  if (toks.length === 0) return undefined;
  let p = 0;
  const kw = (w: string): boolean => toks[p]?.t === 'id' && (toks[p] as Tok).v.toLowerCase() === w;
  const punct = (v: string): boolean => {
    if (toks[p]?.t === 'p' && (toks[p] as Tok).v === v) {
      p++;
      return true;
    }
    return false;
  };
  const value = (): Value => {
    const t = toks[p++];
    if (t?.t === 'str') return t.v;
    if (t?.t === 'num') return Number(t.v);
    throw new FilterError(`expected a value at ${t?.at ?? s.length}`);
  };
  const or = (): Filter => {
    let l = and();
    while (kw('or')) {
      p++;
      l = { kind: 'or', left: l, right: and() };
    }
    return l;
  };
  const and = (): Filter => {
    let l = unary();
    while (kw('and')) {
      p++;
      l = { kind: 'and', left: l, right: unary() };
    }
    return l;
  };
  const unary = (): Filter => {
    if (kw('not')) {
      p++;
      return { kind: 'not', inner: unary() };
    }
    if (punct('(')) {
      const f = or();
      if (!punct(')')) throw new FilterError(`expected ) at ${toks[p]?.at ?? s.length}`);
      return f;
    }
    const f = toks[p++];
    if (f?.t !== 'id' || ['and', 'or', 'not', 'in', 'like'].includes(f.v.toLowerCase())) throw new FilterError(`expected a field at ${f?.at ?? s.length}`);
    let negate = false;
    if (kw('not')) {
      p++;
      negate = true;
      if (!kw('in')) throw new FilterError(`expected IN at ${toks[p]?.at ?? s.length}`);
    }
    if (kw('in')) {
      p++;
      if (!punct('(')) throw new FilterError(`expected ( at ${toks[p]?.at ?? s.length}`);
      const values = [value()];
      while (punct(',')) values.push(value());
      if (!punct(')')) throw new FilterError(`expected ) at ${toks[p]?.at ?? s.length}`);
      return { kind: 'in', field: f.v, values, negate };
    }
    if (kw('like')) {
      p++;
      return { kind: 'cmp', field: f.v, op: 'like', value: value() };
    }
    const op = toks[p++];
    if (op?.t !== 'op') throw new FilterError(`expected an operator at ${op?.at ?? s.length}`);
    return { kind: 'cmp', field: f.v, op: op.v as '=', value: value() };
  };
  const f = or();
  if (p < toks.length) throw new FilterError(`unexpected text at ${(toks[p] as Tok).at}`);
  return f;
}

export function filterFields(f: Filter | undefined): string[] {
  if (!f) return [];
  if (f.kind === 'cmp' || f.kind === 'in') return [f.field];
  if (f.kind === 'not') return filterFields(f.inner);
  return [...filterFields(f.left), ...filterFields(f.right)];
}

function cmp(a: unknown, b: Value, norm: (v: unknown) => unknown): number | undefined {
  if (a === null || a === undefined) return undefined;
  const x = norm(a);
  const y = norm(b);
  if (typeof x === 'number' || typeof y === 'number') {
    const nx = Number(x);
    const ny = Number(y);
    return nx < ny ? -1 : nx > ny ? 1 : 0;
  }
  const sx = String(x);
  const sy = String(y);
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

/** Evaluates a filter on one row; `norm(field)` normalises values of that field for comparison (dates). */
export function evalFilter(f: Filter | undefined, row: (field: string) => unknown, norm: (field: string) => (v: unknown) => unknown): boolean {
  if (!f) return true;
  switch (f.kind) {
    case 'and':
      return evalFilter(f.left, row, norm) && evalFilter(f.right, row, norm);
    case 'or':
      return evalFilter(f.left, row, norm) || evalFilter(f.right, row, norm);
    case 'not':
      return !evalFilter(f.inner, row, norm);
    case 'in': {
      const hit = f.values.some((v) => cmp(row(f.field), v, norm(f.field)) === 0);
      return f.negate ? !hit : hit;
    }
    case 'cmp': {
      const v = row(f.field);
      if (f.op === 'like') {
        if (typeof f.value !== 'string' || v === null || v === undefined) return false;
        const re = new RegExp(`^${f.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 's');
        return re.test(String(v));
      }
      const c = cmp(v, f.value, norm(f.field));
      if (c === undefined) return f.op === '<>';
      return { '=': c === 0, '<>': c !== 0, '>': c > 0, '>=': c >= 0, '<': c < 0, '<=': c <= 0 }[f.op];
    }
  }
}

export interface OrderKey {
  field: string;
  desc: boolean;
}

export function parseOrder(s: string): OrderKey[] {
  if (s.trim() === '') return [];
  return s.split(',').map((part) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\s*(ASC|DESC)?\s*$/i.exec(part);
    if (!m) throw new FilterError(`cannot read order term "${part.trim()}"`);
    return { field: m[1] as string, desc: (m[2] ?? '').toUpperCase() === 'DESC' };
  });
}
