/**
 * The OData v2 `$filter` / `$orderby` subset the SAP emulator evaluates: comparisons (eq ne gt ge lt le)
 * joined by and / or / not with parentheses, over property names and literals — strings ('it''s'),
 * datetime'…', datetimeoffset'…', time'PT…', numbers (10, 10.5M, 2L, 1.5d), true, false, null.
 * Values compare after normalisation: OData dates and times to milliseconds, Edm.Decimal strings to
 * numbers when the literal is numeric. Anything else is a FilterError (answered 400 by the server).
 */
import { parseODataDate, parseODataTime } from '../odata.ts';

export class FilterError extends Error {}

type Literal = { kind: 'lit'; value: string | number | boolean | null; type: 'string' | 'number' | 'instant' | 'time' | 'bool' | 'null' };
type Prop = { kind: 'prop'; name: string };
export type FilterNode =
  | { kind: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: Prop | Literal; right: Prop | Literal }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode };

const TOKEN = /\s*(\(|\)|(?:datetimeoffset|datetime|time|guid)'(?:[^']*)'|'(?:[^']|'')*'|-?\d+(?:\.\d+)?[MmLlDdFf]?|[A-Za-z_][A-Za-z0-9_/]*)/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) throw new FilterError(`Invalid token at position ${pos} of $filter`);
    out.push(m[1] as string);
    pos = TOKEN.lastIndex;
  }
  return out;
}

function literal(tok: string): Literal | undefined {
  if (tok.startsWith("'")) return { kind: 'lit', type: 'string', value: tok.slice(1, -1).replace(/''/g, "'") };
  const typed = /^(datetimeoffset|datetime|time|guid)'([^']*)'$/.exec(tok);
  if (typed) {
    const [, t, body] = typed as unknown as [string, string, string];
    if (t === 'time') {
      const ms = parseODataTime(body);
      if (ms === undefined) throw new FilterError(`Invalid time literal ${tok}`);
      return { kind: 'lit', type: 'time', value: ms };
    }
    if (t === 'guid') return { kind: 'lit', type: 'string', value: body };
    // datetime'…' has no offset and means UTC; datetimeoffset'…' carries one.
    const ms = Date.parse(t === 'datetime' && !/[Zz]|[+-]\d{2}:?\d{2}$/.test(body) ? `${body}Z` : body);
    if (Number.isNaN(ms)) throw new FilterError(`Invalid ${t} literal ${tok}`);
    return { kind: 'lit', type: 'instant', value: ms };
  }
  if (/^-?\d/.test(tok)) return { kind: 'lit', type: 'number', value: Number(tok.replace(/[MmLlDdFf]$/, '')) };
  if (tok === 'true' || tok === 'false') return { kind: 'lit', type: 'bool', value: tok === 'true' };
  if (tok === 'null') return { kind: 'lit', type: 'null', value: null };
  return undefined;
}

export function parseFilter(text: string): FilterNode {
  const toks = tokenize(text);
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const take = (): string => {
    const t = toks[i++];
    if (t === undefined) throw new FilterError('Unexpected end of $filter');
    return t;
  };
  const operand = (): Prop | Literal => {
    const t = take();
    const lit = literal(t);
    if (lit) return lit;
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t) && !['and', 'or', 'not', 'eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(t)) return { kind: 'prop', name: t };
    throw new FilterError(`Unexpected "${t}" in $filter`);
  };
  const primary = (): FilterNode => {
    if (peek() === 'not') {
      take();
      return { kind: 'not', operand: primary() };
    }
    if (peek() === '(') {
      take();
      const inner = or();
      if (take() !== ')') throw new FilterError('Missing ")" in $filter');
      return inner;
    }
    const left = operand();
    const op = take();
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) throw new FilterError(`Unsupported operator "${op}" in $filter`);
    return { kind: 'cmp', op: op as 'eq', left, right: operand() };
  };
  const and = (): FilterNode => {
    let left = primary();
    while (peek() === 'and') {
      take();
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): FilterNode => {
    let left = and();
    while (peek() === 'or') {
      take();
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const tree = or();
  if (i !== toks.length) throw new FilterError(`Unexpected "${toks[i] ?? ''}" in $filter`);
  return tree;
}

/** Property names a filter reads (the server checks them against the entity type). */
export function filterProperties(n: FilterNode): string[] {
  if (n.kind === 'cmp') return [n.left, n.right].filter((o): o is Prop => o.kind === 'prop').map((p) => p.name);
  if (n.kind === 'not') return filterProperties(n.operand);
  return [...filterProperties(n.left), ...filterProperties(n.right)];
}

/** A stored wire value normalised for comparison with a literal of `type`. */
function normalise(v: unknown, type: Literal['type'] | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'instant') return parseODataDate(v) ?? (typeof v === 'string' ? Date.parse(v) : v);
  if (type === 'time') return parseODataTime(v) ?? v;
  if (type === 'number' && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return v;
}

function compare(a: unknown, b: unknown): number | undefined {
  if (a === null || b === null) return a === b ? 0 : undefined;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return undefined;
}

export function evalFilter(n: FilterNode, row: Record<string, unknown>): boolean {
  switch (n.kind) {
    case 'and':
      return evalFilter(n.left, row) && evalFilter(n.right, row);
    case 'or':
      return evalFilter(n.left, row) || evalFilter(n.right, row);
    case 'not':
      return !evalFilter(n.operand, row);
    case 'cmp': {
      const litType = n.left.kind === 'lit' ? n.left.type : n.right.kind === 'lit' ? n.right.type : undefined;
      const val = (o: Prop | Literal): unknown => (o.kind === 'lit' ? o.value : normalise(row[o.name], litType));
      const c = compare(val(n.left), val(n.right));
      if (c === undefined) return n.op === 'ne';
      return { eq: c === 0, ne: c !== 0, gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0 }[n.op];
    }
  }
}

export interface OrderTerm {
  name: string;
  desc: boolean;
}

export function parseOrderBy(text: string): OrderTerm[] {
  return text.split(',').map((part) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/.exec(part);
    if (!m) throw new FilterError(`Invalid $orderby term "${part.trim()}"`);
    return { name: m[1] as string, desc: m[2] === 'desc' };
  });
}

/** Sort value of a stored property: OData dates and times as milliseconds, everything else as is. */
export function sortValue(v: unknown): unknown {
  return parseODataDate(v) ?? parseODataTime(v) ?? v ?? null;
}

export function compareRows(order: readonly OrderTerm[], a: Record<string, unknown>, b: Record<string, unknown>): number {
  for (const t of order) {
    const c = compare(sortValue(a[t.name]), sortValue(b[t.name]));
    if (c !== undefined && c !== 0) return t.desc ? -c : c;
    if (c === undefined) {
      const an = a[t.name] === null || a[t.name] === undefined;
      if (an !== (b[t.name] === null || b[t.name] === undefined)) return (an ? -1 : 1) * (t.desc ? -1 : 1);
    }
  }
  return 0;
}
