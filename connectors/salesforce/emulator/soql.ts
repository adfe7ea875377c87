/**
 * The SOQL subset the emulator answers: `SELECT f, Rel.f, (SELECT … FROM ChildRel …), … FROM Obj
 * [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n]` where `cond` combines
 * `field op literal` and `field [NOT] IN (literal, …)` with AND / OR / NOT and parentheses. Relationship paths go one level deep and only
 * in the select list. Anything else (functions, semi-joins, GROUP BY, OFFSET, LIKE, deeper paths)
 * is refused with MALFORMED_QUERY, as the real parser would for text it cannot read.
 */
import { instantMs } from '../../shared/cursor.ts';

export class SoqlError extends Error {
  readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE';
  constructor(errorCode: SoqlError['errorCode'], message: string) {
    super(message);
    this.name = 'SoqlError';
    this.errorCode = errorCode;
  }
}

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'datetime'; ms: number; text: string }
  | { kind: 'date'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type Condition =
  | { kind: 'cmp'; field: string; op: Op; value: Literal }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition };

export interface OrderTerm {
  field: string;
  desc: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  /** Field names, or one-level relationship paths (`Product2.ProductCode`). */
  fields: string[];
  /** Parent-to-child sub-queries in the select list: `(SELECT … FROM OrderItems)`. */
  subqueries: { relationship: string; query: SoqlQuery }[];
  object: string;
  where?: Condition;
  orderBy: OrderTerm[];
  limit?: number;
}

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'number'; v: number; at: number }
  | { t: 'datetime'; v: string; ms: number; at: number }
  | { t: 'date'; v: string; at: number }
  | { t: 'punct'; v: string; at: number };

const DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2})/y;
const DATE = /\d{4}-\d{2}-\d{2}(?![T\d])/y;
const NUMBER = /-?\d+(?:\.\d+)?(?![\w-])/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;

function malformed(message: string): SoqlError {
  return new SoqlError('MALFORMED_QUERY', message);
}

export function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const sticky = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(q);
    return m?.[0];
  };
  while (i < q.length) {
    const c = q[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= q.length) throw malformed(`unterminated string literal at ${i}`);
        const d = q[j] as string;
        if (d === '\\') {
          const e = q[j + 1];
          const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', "'": "'", '"': '"', '\\': '\\', b: '\b', f: '\f' };
          if (e === undefined || map[e] === undefined) throw malformed(`invalid escape at ${j}`);
          v += map[e];
          j += 2;
        } else if (d === "'") break;
        else {
          v += d;
          j++;
        }
      }
      out.push({ t: 'string', v, at: i });
      i = j + 1;
      continue;
    }
    const dt = sticky(DATETIME);
    if (dt) {
      const ms = Date.parse(dt.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (Number.isNaN(ms)) throw malformed(`invalid datetime literal ${dt}`);
      out.push({ t: 'datetime', v: dt, ms, at: i });
      i += dt.length;
      continue;
    }
    const date = sticky(DATE);
    if (date) {
      out.push({ t: 'date', v: date, at: i });
      i += date.length;
      continue;
    }
    const num = sticky(NUMBER);
    if (num) {
      out.push({ t: 'number', v: Number(num), at: i });
      i += num.length;
      continue;
    }
    const word = sticky(WORD);
    if (word) {
      out.push({ t: 'word', v: word, at: i });
      i += word.length;
      continue;
    }
    const two = q.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '<>') {
      out.push({ t: 'punct', v: two === '<>' ? '!=' : two, at: i });
      i += 2;
      continue;
    }
    if ('=<>,().'.includes(c)) {
      out.push({ t: 'punct', v: c, at: i });
      i++;
      continue;
    }
    throw malformed(`unexpected character '${c}' at ${i}`);
  }
  return out;
}

const RESERVED = new Set(['select', 'from', 'where', 'and', 'or', 'not', 'in', 'order', 'by', 'asc', 'desc', 'nulls', 'first', 'last', 'limit', 'true', 'false', 'null']);

export function parseSoql(q: string): SoqlQuery {
  const toks = tokenize(q);
  let p = 0;
  const peek = (): Token | undefined => toks[p];
  const isWord = (w: string): boolean => {
    const t = peek();
    return t?.t === 'word' && t.v.toLowerCase() === w;
  };
  const keyword = (w: string): void => {
    if (!isWord(w)) throw malformed(`expected ${w.toUpperCase()} at ${peek()?.at ?? q.length}`);
    p++;
  };
  const punct = (v: string): boolean => {
    const t = peek();
    if (t?.t === 'punct' && t.v === v) {
      p++;
      return true;
    }
    return false;
  };
  const ident = (allowReserved = false): string => {
    const t = peek();
    if (t?.t !== 'word' || (!allowReserved && RESERVED.has(t.v.toLowerCase()))) throw malformed(`expected a name at ${t?.at ?? q.length}`);
    p++;
    const next = peek();
    if (next?.t === 'punct' && next.v === '(') throw malformed(`functions are not supported (${t.v}) at ${t.at}`);
    return t.v;
  };
  const literal = (): Literal => {
    const t = peek();
    if (!t) throw malformed('expected a value at end of query');
    p++;
    if (t.t === 'string') return { kind: 'string', value: t.v };
    if (t.t === 'number') return { kind: 'number', value: t.v };
    if (t.t === 'datetime') return { kind: 'datetime', ms: t.ms, text: t.v };
    if (t.t === 'date') return { kind: 'date', value: t.v };
    if (t.t === 'word') {
      const w = t.v.toLowerCase();
      if (w === 'true' || w === 'false') return { kind: 'boolean', value: w === 'true' };
      if (w === 'null') return { kind: 'null' };
    }
    throw malformed(`expected a value at ${t.at}`);
  };
  const condition = (): Condition => {
    let left = conjunction();
    while (isWord('or')) {
      p++;
      left = { kind: 'or', left, right: conjunction() };
    }
    return left;
  };
  const conjunction = (): Condition => {
    let left = unary();
    while (isWord('and')) {
      p++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): Condition => {
    if (isWord('not')) {
      p++;
      return { kind: 'not', inner: unary() };
    }
    if (punct('(')) {
      const inner = condition();
      if (!punct(')')) throw malformed(`expected ) at ${peek()?.at ?? q.length}`);
      return inner;
    }
    const field = ident();
    if (isWord('in') || (isWord('not') && toks[p + 1]?.t === 'word' && String(toks[p + 1]?.v).toLowerCase() === 'in')) {
      // `f IN (a, b)` is `f = a OR f = b`; `NOT IN` its negation (as the real parser reads them).
      const negated = isWord('not');
      p += negated ? 2 : 1;
      if (!punct('(')) throw malformed(`expected ( after IN at ${peek()?.at ?? q.length}`);
      let any: Condition = { kind: 'cmp', field, op: '=', value: literal() };
      while (punct(',')) any = { kind: 'or', left: any, right: { kind: 'cmp', field, op: '=', value: literal() } };
      if (!punct(')')) throw malformed(`expected ) at ${peek()?.at ?? q.length}`);
      return negated ? { kind: 'not', inner: any } : any;
    }
    const t = peek();
    if (t?.t !== 'punct' || !['=', '!=', '<', '<=', '>', '>='].includes(t.v)) throw malformed(`expected an operator at ${t?.at ?? q.length}`);
    p++;
    return { kind: 'cmp', field, op: t.v as Op, value: literal() };
  };

  const selectItem = (fields: string[], subqueries: SoqlQuery['subqueries'], nested: boolean): void => {
    if (!nested && punct('(')) {
      const sub = selectQuery(true);
      if (!punct(')')) throw malformed(`expected ) at ${peek()?.at ?? q.length}`);
      subqueries.push({ relationship: sub.object, query: sub });
      return;
    }
    let path = ident();
    if (punct('.')) path += `.${ident()}`;
    const t = peek();
    if (t?.t === 'punct' && t.v === '.') throw malformed(`relationship paths deeper than one level are not supported at ${t.at}`);
    fields.push(path);
  };
  const selectQuery = (nested: boolean): SoqlQuery => {
    keyword('select');
    const fields: string[] = [];
    const subqueries: SoqlQuery['subqueries'] = [];
    selectItem(fields, subqueries, nested);
    while (punct(',')) selectItem(fields, subqueries, nested);
    keyword('from');
    const object = ident(true); // `FROM Order` is valid although ORDER is a keyword
    const query: SoqlQuery = { fields, subqueries, object, orderBy: [] };
    clauses(query);
    return query;
  };
  const clauses = (query: SoqlQuery): void => {
  if (isWord('where')) {
    p++;
    query.where = condition();
  }
  if (isWord('order')) {
    p++;
    keyword('by');
    do {
      const field = ident();
      let desc = false;
      if (isWord('asc')) p++;
      else if (isWord('desc')) {
        p++;
        desc = true;
      }
      let nullsLast = desc;
      if (isWord('nulls')) {
        p++;
        if (isWord('first')) nullsLast = false;
        else if (isWord('last')) nullsLast = true;
        else throw malformed(`expected FIRST or LAST at ${peek()?.at ?? q.length}`);
        p++;
      }
      query.orderBy.push({ field, desc, nullsLast });
    } while (punct(','));
  }
  if (isWord('limit')) {
    p++;
    const t = peek();
    if (t?.t !== 'number' || !Number.isInteger(t.v) || t.v < 0) throw malformed(`LIMIT needs a non-negative integer at ${t?.at ?? q.length}`);
    p++;
    query.limit = t.v;
  }
  };
  const query = selectQuery(false);
  if (p < toks.length) throw malformed(`unexpected token at ${(toks[p] as Token).at}`);
  return query;
}

/** Compares a stored value with a literal the way SOQL does for the field's type. */
function compareValue(stored: unknown, lit: Literal): number | undefined {
  if (lit.kind === 'null') return stored === null || stored === undefined ? 0 : undefined;
  if (stored === null || stored === undefined) return undefined;
  let a: number | string;
  let b: number | string;
  if (lit.kind === 'datetime') {
    a = instantMs(String(stored));
    b = lit.ms;
  } else if (lit.kind === 'number') {
    a = Number(stored);
    b = lit.value;
  } else if (lit.kind === 'boolean') {
    a = stored === true ? 1 : 0;
    b = lit.value ? 1 : 0;
  } else {
    a = String(stored);
    b = lit.value;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export function matches(cond: Condition | undefined, row: Record<string, unknown>): boolean {
  if (!cond) return true;
  switch (cond.kind) {
    case 'and':
      return matches(cond.left, row) && matches(cond.right, row);
    case 'or':
      return matches(cond.left, row) || matches(cond.right, row);
    case 'not':
      return !matches(cond.inner, row);
    case 'cmp': {
      const c = compareValue(row[cond.field], cond.value);
      if (cond.value.kind === 'null') return cond.op === '=' ? c === 0 : cond.op === '!=' ? c === undefined : false;
      if (c === undefined) return cond.op === '!=';
      switch (cond.op) {
        case '=':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '>=':
          return c >= 0;
      }
    }
  }
}

export function fieldsOf(cond: Condition | undefined): string[] {
  if (!cond) return [];
  if (cond.kind === 'cmp') return [cond.field];
  if (cond.kind === 'not') return fieldsOf(cond.inner);
  return [...fieldsOf(cond.left), ...fieldsOf(cond.right)];
}

/** Rewrites field names to their canonical spelling (SOQL names are case-insensitive). */
export function mapFields(cond: Condition | undefined, canon: (f: string) => string): Condition | undefined {
  if (!cond) return undefined;
  if (cond.kind === 'cmp') return { ...cond, field: canon(cond.field) };
  if (cond.kind === 'not') return { kind: 'not', inner: mapFields(cond.inner, canon) as Condition };
  return { kind: cond.kind, left: mapFields(cond.left, canon) as Condition, right: mapFields(cond.right, canon) as Condition };
}

/**
 * Sorts rows in place by the ORDER BY terms (stable). Each row's sort values are computed once —
 * datetimes parsed once per row, not twice per comparison — which keeps the first page of a
 * million-row query from spending seconds in the comparator.
 */
export function sortRows(rows: Record<string, unknown>[], order: readonly OrderTerm[], isDatetime: (f: string) => boolean): void {
  if (order.length === 0) return;
  const dt = order.map((o) => isDatetime(o.field));
  const keyed = rows.map((row) => ({
    row,
    keys: order.map((o, i): unknown => {
      const v = row[o.field];
      if (v === null || v === undefined) return undefined;
      return dt[i] ? instantMs(String(v)) : v;
    }),
  }));
  keyed.sort((x, y) => {
    for (let i = 0; i < order.length; i++) {
      const o = order[i] as OrderTerm;
      const a = x.keys[i];
      const b = y.keys[i];
      const an = a === undefined;
      const bn = b === undefined;
      if (an || bn) {
        if (an && bn) continue;
        return an === o.nullsLast ? 1 : -1;
      }
      const av = a as string | number;
      const bv = b as string | number;
      if (av === bv) continue;
      const c = av < bv ? -1 : 1;
      return o.desc ? -c : c;
    }
    return 0;
  });
  for (let i = 0; i < keyed.length; i++) rows[i] = (keyed[i] as { row: Record<string, unknown> }).row;
}
