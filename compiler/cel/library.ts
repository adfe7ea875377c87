/**
 * The function table: every CEL operator, macro and function syntaxsync supports is declared here ONCE —
 * its overloads (types and nullability), its documentation, and its TypeScript emission. The checker,
 * the code generator and the reference pages (`compiler/docs/cel.ts`) all read this table.
 */
import type { Expr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import type { CelType } from './api.ts';
import type { Checker, Typed } from './check.ts';
import { Code, call, callFused, decimalInput, ident, lit, ts } from './code.ts';
import { closest } from './didyoumean.ts';
import type { Span } from './source.ts';
import { T, fmt, fmtTyped, isNumeric, join2, list, sameType } from './types.ts';

export type SigType =
  | Exclude<CelType, { kind: 'list' } | { kind: 'map' } | { kind: 'optional' }>
  | { kind: 'list'; elem: SigType }
  | { kind: 'map'; key: SigType; value: SigType }
  | { kind: 'optional'; inner: SigType }
  | { kind: 'param'; name: string };

export interface Overload {
  /** Called as `receiver.name(args)`; `params[0]` is the receiver. */
  method?: boolean;
  params: SigType[];
  result: SigType;
  emit: (codes: Code[], args: Typed[], c: Checker) => Code;
  /** Cannot throw when its operands cannot. */
  safe?: boolean;
  /** Accepts null operands itself (no run-time null check is inserted). */
  nullArgs?: boolean;
  /** The emitted code's TypeScript type is `unknown`. */
  returnsUnknown?: boolean;
}

export interface CallSite {
  id: bigint;
  expr: Expr;
  fn: string;
  target?: Expr | undefined;
  args: Expr[];
  span: Span;
  nameSpan?: Span;
  macro?: boolean;
}

export type Category = 'operators' | 'macros' | 'conversions' | 'strings' | 'lists-and-maps' | 'timestamps' | 'optionals' | 'decimal' | 'dates' | 'integration';

export interface Example {
  expr: string;
  /** The result, written as a CEL value (`"a"`, `3`, `decimal("0.30")`, `null`) or `error: <code>`. */
  result: string;
}

export interface FunctionDecl {
  name: string;
  style: 'function' | 'method' | 'operator' | 'macro';
  category: Category;
  summary: string;
  details?: string;
  examples: Example[];
  overloads: Overload[];
  /** Signatures shown in the docs for functions checked by `custom`. */
  signatures?: string[];
  /** Emission when argument types are only known at run time (`dyn`). */
  dynEmit?: (codes: Code[]) => Code;
  /** Full control of checking and emission (macros, short-circuit operators, lookups). */
  custom?: (site: CallSite, c: Checker) => Typed | undefined;
  /** Extra static checks on literal arguments (rounding mode, zone, regular expression). */
  validate?: (args: Typed[], c: Checker) => void;
}

const P = (name: string): SigType => ({ kind: 'param', name });
const A = P('A');
const K = P('K');
const V = P('V');
const L = (elem: SigType): SigType => ({ kind: 'list', elem });
const M = (key: SigType, value: SigType): SigType => ({ kind: 'map', key, value });
const O = (inner: SigType): SigType => ({ kind: 'optional', inner });

const rt =
  (fn: string) =>
  (c: Code[]): Code =>
    call(fn, ...c);
const infix =
  (op: '+' | '-' | '*' | '/' | '<' | '<=' | '>' | '>=' | '===' | '!==') =>
  (c: Code[]): Code =>
    new Code(`(${(c[0] as Code).text} ${op} ${(c[1] as Code).text})`);
const meth =
  (name: string) =>
  (c: Code[]): Code =>
    new Code(`${(c[0] as Code).text}.${ident(name).text}(${c.slice(1).map((x) => x.text).join(', ')})`);
const fn = (method: boolean, params: SigType[], result: SigType, emit: Overload['emit'], extra: Partial<Overload> = {}): Overload => ({
  method,
  params,
  result,
  emit,
  ...extra,
});
const g = (params: SigType[], result: SigType, emit: Overload['emit'], extra: Partial<Overload> = {}): Overload => fn(false, params, result, emit, extra);
const m = (params: SigType[], result: SigType, emit: Overload['emit'], extra: Partial<Overload> = {}): Overload => fn(true, params, result, emit, extra);

// ----------------------------------------------------------------------------------------- operators

const numericPairs: [SigType, SigType][] = [
  [T.int, T.double],
  [T.double, T.int],
  [T.int, T.uint],
  [T.uint, T.int],
  [T.uint, T.double],
  [T.double, T.uint],
];

/**
 * `[a, b].join(sep)` over a list literal of non-null strings with a literal separator as `(a + sep + b)`:
 * the same text without building an array. Undefined when the shape does not allow it.
 */
function concatenated(listArg: Typed | undefined, sep: Code, sepArg?: Typed): Code | undefined {
  const items = listArg?.items;
  if (!items || (sepArg !== undefined && typeof sepArg.literal?.value !== 'string')) return undefined;
  if (!items.every((x) => x.type.kind === 'string' && !x.nullable && x.tsUnknown !== true)) return undefined;
  if (items.length === 0) return lit('');
  const parts = sep.text === '""' ? items.map((x) => x.code.text) : items.flatMap((x, i) => (i === 0 ? [x.code.text] : [sep.text, x.code.text]));
  return new Code(`(${parts.join(' + ')})`);
}

/**
 * `<`, `<=`, `>`, `>=` on ints. `size(s)` of a string against an int literal (`size(x) > 255`, the usual guard
 * before `substring`) becomes `rt.strSizeGt(s, n)`, which counts code points only when the string has more
 * UTF-16 units than the bound; the rest compare BigInts.
 */
function intOrdering(op: '<' | '<=' | '>' | '>='): Overload['emit'] {
  return (c, args) => {
    const [a, b] = c as [Code, Code];
    const la = args[0]?.literal?.value;
    const lb = args[1]?.literal?.value;
    const bound = (v: unknown): number | undefined => (typeof v === 'bigint' && v > -(2n ** 52n) && v < 2n ** 52n ? Number(v) : undefined);
    // size(s) op n, or n op size(s) turned around into size(s) op' n.
    let size: Code | undefined;
    let n: number | undefined;
    let rel: typeof op = op;
    if (a.fused?.kind === 'strSize' && bound(lb) !== undefined) {
      size = a.fused.str;
      n = bound(lb);
    } else if (b.fused?.kind === 'strSize' && bound(la) !== undefined) {
      size = b.fused.str;
      n = bound(la);
      rel = op === '<' ? '>' : op === '<=' ? '>=' : op === '>' ? '<' : '<=';
    }
    if (size === undefined || n === undefined) return infix(op)(c);
    // size > n;  size >= n ⇔ size > n − 1;  size <= n ⇔ !(size > n);  size < n ⇔ !(size > n − 1)
    const gt = (k: number): Code => call('strSizeGt', size as Code, lit(k));
    switch (rel) {
      case '>':
        return gt(n);
      case '>=':
        return gt(n - 1);
      case '<=':
        return ts`(!${gt(n)})`;
      case '<':
        return ts`(!${gt(n - 1)})`;
    }
  };
}

function comparison(name: '_<_' | '_<=_' | '_>_' | '_>=_', op: '<' | '<=' | '>' | '>=', gen: string, sym: string): FunctionDecl {
  return {
    name,
    style: 'operator',
    category: 'operators',
    summary: `Ordering ${sym}: numbers (int, uint and double mix; an int meets a double as a double, as in cel-go), strings by code point, bools, bytes, timestamps, durations, decimals and dates.`,
    examples: [
      { expr: `1 ${sym} 2.5`, result: String(op === '<' || op === '<=') },
      { expr: `decimal("10.50") ${sym} decimal("10.5")`, result: String(op === '<=' || op === '>=') },
    ],
    overloads: [
      g([T.int, T.int], T.bool, intOrdering(op), { safe: true }),
      g([T.double, T.double], T.bool, infix(op), { safe: true }),
      g([T.bool, T.bool], T.bool, infix(op), { safe: true }),
      g([T.string, T.string], T.bool, (c) => new Code(`(rt.cmpStr(${c[0]?.text}, ${c[1]?.text}) ${op} 0)`), { safe: true }),
      g([T.uint, T.uint], T.bool, rt(gen), { safe: true }),
      g([T.bytes, T.bytes], T.bool, rt(gen), { safe: true }),
      g([T.timestamp, T.timestamp], T.bool, rt(gen), { safe: true }),
      g([T.duration, T.duration], T.bool, rt(gen), { safe: true }),
      g([T.date, T.date], T.bool, rt(gen), { safe: true }),
      g([T.decimal, T.decimal], T.bool, (c) => new Code(`(${c[0]?.text}.cmp(${c[1]?.text}) ${op} 0)`), { safe: true }),
      g([T.decimal, T.int], T.bool, rt(gen), { safe: true }),
      g([T.int, T.decimal], T.bool, rt(gen), { safe: true }),
      ...numericPairs.map(([a, b]) => g([a, b], T.bool, rt(gen), { safe: true })),
    ],
    dynEmit: rt(gen),
  };
}

function arithmetic(name: string, sym: string, summary: string, overloads: Overload[], gen: string, examples: Example[]): FunctionDecl {
  return { name, style: 'operator', category: 'operators', summary, examples, overloads, dynEmit: rt(gen), details: `Written \`a ${sym} b\`.` };
}

const decOp = (method: 'add' | 'sub' | 'mul' | 'div') => [
  g([T.decimal, T.decimal], T.decimal, (c) => new Code(`${c[0]?.text}.${method}(${c[1]?.text})`), { safe: method !== 'div' }),
  g([T.decimal, T.int], T.decimal, (c) => new Code(`${c[0]?.text}.${method}(rt.Decimal.fromInt(${c[1]?.text}))`), { safe: method !== 'div' }),
  g([T.int, T.decimal], T.decimal, (c) => new Code(`rt.Decimal.fromInt(${c[0]?.text}).${method}(${c[1]?.text})`), { safe: method !== 'div' }),
];

const operators: FunctionDecl[] = [
  arithmetic(
    '_+_',
    '+',
    'Addition of numbers (int and uint overflow is an error), decimals (exact), concatenation of strings, bytes and lists, timestamp + duration.',
    [
      g([T.int, T.int], T.int, rt('addI')),
      g([T.uint, T.uint], T.uint, rt('addU')),
      g([T.double, T.double], T.double, infix('+'), { safe: true }),
      g([T.string, T.string], T.string, infix('+'), { safe: true }),
      g([T.bytes, T.bytes], T.bytes, rt('add'), { returnsUnknown: true }),
      g([L(A), L(A)], L(A), rt('concat'), { safe: true }),
      ...decOp('add'),
      g([T.timestamp, T.duration], T.timestamp, rt('addTsDur')),
      g([T.duration, T.timestamp], T.timestamp, (c) => call('addTsDur', c[1] as Code, c[0] as Code)),
      g([T.duration, T.duration], T.duration, rt('addDur')),
    ],
    'add',
    [
      { expr: 'decimal("0.1") + decimal("0.2") == decimal("0.3")', result: 'true' },
      { expr: '"ERP-" + "00123"', result: '"ERP-00123"' },
      { expr: '9223372036854775807 + 1', result: 'error: SS5101' },
    ],
  ),
  arithmetic(
    '_-_',
    '-',
    'Subtraction of numbers and decimals; timestamp - duration, timestamp - timestamp (a duration), duration - duration.',
    [
      g([T.int, T.int], T.int, rt('subI')),
      g([T.uint, T.uint], T.uint, rt('subU')),
      g([T.double, T.double], T.double, infix('-'), { safe: true }),
      ...decOp('sub'),
      g([T.timestamp, T.duration], T.timestamp, rt('subTsDur')),
      g([T.timestamp, T.timestamp], T.duration, rt('subTs')),
      g([T.duration, T.duration], T.duration, rt('subDur')),
    ],
    'sub',
    [{ expr: 'decimal("100.00") - decimal("0.01")', result: 'decimal("99.99")' }],
  ),
  arithmetic(
    '_*_',
    '*',
    'Multiplication; decimal × decimal keeps every digit (scales add up).',
    [g([T.int, T.int], T.int, rt('mulI')), g([T.uint, T.uint], T.uint, rt('mulU')), g([T.double, T.double], T.double, infix('*'), { safe: true }), ...decOp('mul')],
    'mul',
    [{ expr: 'decimal("19.99") * 3', result: 'decimal("59.97")' }],
  ),
  arithmetic(
    '_/_',
    '/',
    'Division. int and uint truncate toward zero and division by zero is an error; double follows IEEE 754; decimal keeps max(scale a, scale b) + 10 digits (half-even), trimmed back to max(scale a, scale b).',
    [g([T.int, T.int], T.int, rt('divI')), g([T.uint, T.uint], T.uint, rt('divU')), g([T.double, T.double], T.double, infix('/'), { safe: true }), ...decOp('div')],
    'div',
    [
      { expr: '7 / 2', result: '3' },
      { expr: 'decimal("10.00") / 4', result: 'decimal("2.50")' },
      { expr: '1 / 0', result: 'error: SS5102' },
    ],
  ),
  arithmetic('_%_', '%', 'Remainder of int and uint division (sign of the dividend); modulus by zero is an error.', [g([T.int, T.int], T.int, rt('modI')), g([T.uint, T.uint], T.uint, rt('modU'))], 'mod', [
    { expr: '-7 % 3', result: '-1' },
  ]),
  {
    name: '-_',
    style: 'operator',
    category: 'operators',
    summary: 'Negation of int (overflow is an error), double, decimal and duration.',
    examples: [{ expr: '-decimal("1.50")', result: 'decimal("-1.50")' }],
    overloads: [
      g([T.int], T.int, rt('negI')),
      g([T.double], T.double, (c) => new Code(`(-${c[0]?.text})`), { safe: true }),
      g([T.decimal], T.decimal, (c) => new Code(`${c[0]?.text}.neg()`), { safe: true }),
      g([T.duration], T.duration, rt('neg'), { returnsUnknown: true }),
    ],
    dynEmit: rt('neg'),
  },
  {
    name: '!_',
    style: 'operator',
    category: 'operators',
    summary: 'Logical not.',
    examples: [{ expr: '!true', result: 'false' }],
    overloads: [g([T.bool], T.bool, (c) => new Code(`(!${c[0]?.text})`), { safe: true })],
    dynEmit: rt('not'),
  },
  comparison('_<_', '<', 'lt', '<'),
  comparison('_<=_', '<=', 'le', '<='),
  comparison('_>_', '>', 'gt', '>'),
  comparison('_>=_', '>=', 'ge', '>='),
  {
    name: '_==_',
    style: 'operator',
    category: 'operators',
    summary: 'Equality. Numbers compare by value across int, uint and double; lists and maps element by element; `x == null` tests a nullable value.',
    examples: [
      { expr: '1 == 1.0', result: 'true' },
      { expr: '[1, 2] == [1, 2]', result: 'true' },
      { expr: 'decimal("1.0") == decimal("1.00")', result: 'true' },
    ],
    overloads: [],
    signatures: ['A == A -> bool', 'int/uint/double == int/uint/double -> bool', 'A? == null -> bool'],
    custom: (site, c) => equality(site, c, false),
  },
  {
    name: '_!=_',
    style: 'operator',
    category: 'operators',
    summary: 'Inequality: the negation of `==`.',
    examples: [{ expr: '"a" != "b"', result: 'true' }],
    overloads: [],
    signatures: ['A != A -> bool'],
    custom: (site, c) => equality(site, c, true),
  },
  {
    name: '_&&_',
    style: 'operator',
    category: 'operators',
    summary: 'Logical and. Commutative over errors as CEL specifies: `false && <error>` and `<error> && false` are both false.',
    examples: [
      { expr: 'false && 1 / 0 == 1', result: 'false' },
      { expr: '1 / 0 == 1 && false', result: 'false' },
    ],
    overloads: [],
    signatures: ['bool && bool -> bool'],
    custom: (site, c) => logic(site, c, '&&'),
  },
  {
    name: '_||_',
    style: 'operator',
    category: 'operators',
    summary: 'Logical or. Commutative over errors: `true || <error>` and `<error> || true` are both true.',
    examples: [{ expr: '1 / 0 == 1 || true', result: 'true' }],
    overloads: [],
    signatures: ['bool || bool -> bool'],
    custom: (site, c) => logic(site, c, '||'),
  },
  {
    name: '_?_:_',
    style: 'operator',
    category: 'operators',
    summary: 'Conditional: `cond ? a : b` evaluates only the chosen branch.',
    examples: [{ expr: '2 > 1 ? "yes" : "no"', result: '"yes"' }],
    overloads: [],
    signatures: ['bool ? A : A -> A'],
    custom: conditional,
  },
  {
    name: '@in',
    style: 'operator',
    category: 'operators',
    summary: 'Membership: `x in list` (element equality) or `key in map`.',
    examples: [
      { expr: '"CN" in ["CN", "HK"]', result: 'true' },
      { expr: '"b" in {"a": 1}', result: 'false' },
    ],
    overloads: [
      g([A, L(A)], T.bool, rt('inList')),
      g([K, M(K, V)], T.bool, rt('inMap')),
      ...numericPairs.map(([a, b]) => g([a, L(b)], T.bool, rt('inList'))),
      ...numericPairs.map(([a, b]) => g([a, M(b, V)], T.bool, rt('inMap'))),
    ],
    dynEmit: rt('within'),
  },
  {
    name: '_[_]',
    style: 'operator',
    category: 'lists-and-maps',
    summary: 'Indexing: `list[i]` (out of range is an error), `map[key]` (a missing key is an error).',
    examples: [
      { expr: '[10, 20, 30][1]', result: '20' },
      { expr: '{"a": 1}["a"]', result: '1' },
      { expr: '[1][5]', result: 'error: SS5108' },
    ],
    overloads: [
      g([L(A), T.int], A, rt('listAt')),
      g([O(T.dyn), T.dyn], O(T.dyn), rt('index'), { returnsUnknown: true }),
      g([L(A), T.uint], A, rt('index'), { returnsUnknown: true }),
      g([L(A), T.double], A, rt('index'), { returnsUnknown: true }),
      g([M(K, V), K], V, rt('index'), { returnsUnknown: true }),
      ...numericPairs.map(([a, b]) => g([M(a, V), b], V, rt('index'), { returnsUnknown: true })),
    ],
    dynEmit: rt('index'),
  },
];

// ----------------------------------------------------------------------------------------- helpers

function equality(site: CallSite, c: Checker, negate: boolean): Typed | undefined {
  const [a, b] = checkArgs(site, c);
  if (!a || !b) return undefined;
  const ta = a.type;
  const tb = b.type;
  const comparable =
    sameType(ta, tb) ||
    ta.kind === 'dyn' ||
    tb.kind === 'dyn' ||
    ta.kind === 'null' ||
    tb.kind === 'null' ||
    (isNumeric(ta) && isNumeric(tb)) ||
    (ta.kind === 'decimal' && tb.kind === 'int') ||
    (ta.kind === 'int' && tb.kind === 'decimal') ||
    (ta.kind === 'list' && tb.kind === 'list') ||
    (ta.kind === 'map' && tb.kind === 'map') ||
    (ta.kind === 'optional' && tb.kind === 'optional');
  if (!comparable) return c.error('SS3105', site.span, `cannot compare ${fmtTyped(a)} with ${fmtTyped(b)}`, { detail: 'Both sides of == and != must have the same type (numbers may mix).' });
  const op = negate ? '!==' : '===';
  let code: Code;
  if (ta.kind === 'null' || tb.kind === 'null') {
    const other = ta.kind === 'null' ? b : a;
    code = new Code(`(${other.code.text} ${negate ? '!=' : '=='} null)`);
  } else if (sameType(ta, tb) && ['string', 'bool', 'int'].includes(ta.kind) && !a.tsUnknown && !b.tsUnknown) {
    code = new Code(`(${a.code.text} ${op} ${b.code.text})`);
  } else if (sameType(ta, tb) && ta.kind === 'double' && !a.tsUnknown && !b.tsUnknown) {
    code = new Code(`(${a.code.text} ${op} ${b.code.text})`);
  } else {
    code = call(negate ? 'ne' : 'eq', a.code, b.code);
  }
  return { type: T.bool, nullable: false, code, safe: a.safe && b.safe, span: site.span };
}

function checkArgs(site: CallSite, c: Checker): (Typed | undefined)[] {
  const exprs = site.target ? [site.target, ...site.args] : site.args;
  return exprs.map((e) => c.check(e));
}

function boolOperand(v: Typed, c: Checker, what: string): Code | undefined {
  if (v.type.kind === 'bool') return c.nonNull(v);
  if (v.type.kind === 'dyn') return v.code;
  c.error('SS3106', v.span, `${what} must be bool, not ${fmtTyped(v)}`);
  return undefined;
}

function logic(site: CallSite, c: Checker, op: '&&' | '||'): Typed | undefined {
  const [ea, eb] = site.args;
  if (!ea || !eb) return undefined;
  const a = c.check(ea);
  // In `has(source.X) && source.X.size() > 0` the right side sees source.X as present.
  const b = op === '&&' ? c.checkNarrowed(eb, c.presentWhenTrue(ea)) : c.check(eb);
  if (!a || !b) return undefined;
  const ca = boolOperand(a, c, `left operand of ${op}`);
  const cb = boolOperand(b, c, `right operand of ${op}`);
  if (!ca || !cb) return undefined;
  const nativeOk = a.safe && b.safe && a.type.kind === 'bool' && b.type.kind === 'bool' && !a.nullable && !b.nullable;
  const code = nativeOk ? new Code(`(${ca.text} ${op} ${cb.text})`) : call(op === '&&' ? 'and' : 'or', ts`() => ${ca}`, ts`() => ${cb}`);
  return { type: T.bool, nullable: false, code, safe: nativeOk, span: site.span };
}

function conditional(site: CallSite, c: Checker): Typed | undefined {
  const [ec, ea, eb] = site.args;
  if (!ec || !ea || !eb) return undefined;
  const cond = c.check(ec);
  const a = c.checkNarrowed(ea, c.presentWhenTrue(ec));
  const b = c.check(eb);
  if (!cond || !a || !b) return undefined;
  const cc = cond.type.kind === 'dyn' ? call('bool', cond.code) : boolOperand(cond, c, 'condition of ?:');
  if (!cc) return undefined;
  const type = join2(a.type, b.type);
  const nullable = a.nullable || b.nullable;
  const tsUnknown = a.tsUnknown === true || b.tsUnknown === true || (type.kind === 'dyn' && !sameType(a.type, b.type));
  return { type, nullable, code: ts`(${cc} ? ${a.code} : ${b.code})`, safe: cond.safe && a.safe && b.safe && cond.type.kind === 'bool' && !cond.nullable, span: site.span, ...(tsUnknown ? { tsUnknown } : {}) };
}

/** Checks a literal string argument (lookup table, spec name, zone, mode) and returns its value. */
function literalString(v: Typed, c: Checker, what: string): string | undefined {
  if (v.literal && typeof v.literal.value === 'string') return v.literal.value;
  c.error('SS3115', v.span, `${what} must be a string literal`);
  return undefined;
}

// --------------------------------------------------------------------------------------------- macros

function macroVar(site: CallSite, c: Checker): string | undefined {
  const v = site.args[0];
  if (v?.exprKind.case !== 'identExpr') {
    c.error('SS3101', site.span, `${site.fn}() needs a variable name as its first argument`);
    return undefined;
  }
  return v.exprKind.value.name;
}

interface Range {
  code: Code;
  elem: CelType;
  elemUnknown: boolean;
}
function macroRange(site: CallSite, c: Checker): Range | undefined {
  if (!site.target) return undefined;
  const r = c.check(site.target);
  if (!r) return undefined;
  const code = c.nonNull(r);
  if (r.type.kind === 'list' && !r.tsUnknown) return { code, elem: r.type.elem, elemUnknown: r.type.elem.kind === 'dyn' };
  if (r.type.kind === 'list') return { code: call('asList', code), elem: r.type.elem, elemUnknown: true };
  if (r.type.kind === 'map') return { code: call('range', code), elem: r.type.key, elemUnknown: true };
  if (r.type.kind === 'dyn') return { code: call('range', code), elem: T.dyn, elemUnknown: true };
  c.error('SS3106', r.span, `${site.fn}() ranges over a list or map, not ${fmtTyped(r)}`);
  return undefined;
}

function withVar<R>(c: Checker, name: string, range: Range, f: (js: string) => R): R {
  const js = c.freshVar();
  return c.withLocals({ [name]: { typed: { type: range.elem, nullable: false }, js, tsUnknown: range.elemUnknown } }, () => f(js));
}

interface PairRange {
  code: Code;
  first: CelType;
  second: CelType;
  firstUnknown: boolean;
  secondUnknown: boolean;
}
/** Range of a two-variable comprehension: (index, element) of a list, (key, value) of a map. */
function pairRange(site: CallSite, c: Checker): PairRange | undefined {
  if (!site.target) return undefined;
  const r = c.check(site.target);
  if (!r) return undefined;
  const code = call('pairs', c.nonNull(r));
  if (r.type.kind === 'list') return { code, first: T.int, second: r.type.elem, firstUnknown: r.tsUnknown === true, secondUnknown: r.tsUnknown === true || r.type.elem.kind === 'dyn' };
  if (r.type.kind === 'map') return { code, first: r.type.key, second: r.type.value, firstUnknown: true, secondUnknown: true };
  if (r.type.kind === 'dyn') return { code, first: T.dyn, second: T.dyn, firstUnknown: true, secondUnknown: true };
  c.error('SS3106', r.span, `${site.fn}() ranges over a list or map, not ${fmtTyped(r)}`);
  return undefined;
}
function varName(e: Expr | undefined, c: Checker, site: CallSite): string | undefined {
  if (e?.exprKind.case === 'identExpr') return e.exprKind.value.name;
  c.error('SS3101', site.span, `${site.fn}() needs variable names as its first arguments`);
  return undefined;
}
function withPair<R>(site: CallSite, c: Checker, f: (range: PairRange, param: Code) => R): R | undefined {
  const n1 = varName(site.args[0], c, site);
  const n2 = varName(site.args[1], c, site);
  const range = pairRange(site, c);
  if (!n1 || !n2 || !range) return undefined;
  const j1 = c.freshVar();
  const j2 = c.freshVar();
  return c.withLocals(
    {
      [n1]: { typed: { type: range.first, nullable: false }, js: j1, tsUnknown: range.firstUnknown },
      [n2]: { typed: { type: range.second, nullable: false }, js: j2, tsUnknown: range.secondUnknown },
    },
    () => f(range, new Code(`([${j1}, ${j2}])`)),
  );
}
function predicate2(rtName: string) {
  return (site: CallSite, c: Checker): Typed | undefined =>
    withPair(site, c, (range, param) => {
      const body = site.args[2] && c.check(site.args[2]);
      if (!body) return undefined;
      if (body.type.kind !== 'bool' && body.type.kind !== 'dyn') return c.error('SS3106', body.span, `the predicate of ${site.fn}() must be bool, not ${fmtTyped(body)}`);
      return { type: T.bool, nullable: false, code: call(rtName, range.code, ts`${param} => ${body.code}`), safe: false, span: site.span };
    });
}
function transform2(kind: 'list' | 'map') {
  return (site: CallSite, c: Checker): Typed | undefined =>
    withPair(site, c, (range, param) => {
      if (site.args.length !== 3 && site.args.length !== 4) return c.error('SS3105', site.span, `${site.fn}() takes two variables, an optional filter and an expression`);
      const filterExpr = site.args.length === 4 ? site.args[2] : undefined;
      const pred = filterExpr ? c.check(filterExpr) : undefined;
      const body = c.check(site.args[site.args.length - 1] as Expr);
      if (!body || (filterExpr && !pred)) return undefined;
      const first = new Code(param.text.slice(2, param.text.indexOf(',')));
      const value = kind === 'list' ? body.code : call('entry', first, body.code);
      const f = ts`${param} => ${value}`;
      const listCode = pred ? call('mapFilter', range.code, ts`${param} => ${pred.code}`, f) : call('mapList', range.code, f);
      if (kind === 'list') return { type: list(body.type), nullable: false, code: listCode, safe: false, span: site.span };
      return { type: { kind: 'map', key: range.first, value: body.type }, nullable: false, code: call('map', listCode), safe: false, span: site.span };
    });
}

function predicateMacro(kind: 'all' | 'exists' | 'exists_one', rtName: string) {
  return (site: CallSite, c: Checker): Typed | undefined => {
    if (site.args.length === 3) return predicate2(rtName)(site, c);
    const name = macroVar(site, c);
    const range = macroRange(site, c);
    if (!name || !range) return undefined;
    return withVar(c, name, range, (js) => {
      const body = site.args[1] && c.check(site.args[1]);
      if (!body) return undefined;
      if (body.type.kind !== 'bool' && body.type.kind !== 'dyn') return c.error('SS3106', body.span, `the predicate of ${kind}() must be bool, not ${fmtTyped(body)}`);
      return { type: T.bool, nullable: false, code: call(rtName, range.code, new Code(`(${js}) => ${c.nonNull(body).text}`)), safe: false, span: site.span };
    });
  };
}

function mapMacro(site: CallSite, c: Checker): Typed | undefined {
  const name = macroVar(site, c);
  const range = macroRange(site, c);
  if (!name || !range) return undefined;
  return withVar(c, name, range, (js) => {
    const hasFilter = site.args.length === 3;
    const filterExpr = hasFilter ? site.args[1] : undefined;
    const bodyExpr = hasFilter ? site.args[2] : site.args[1];
    const pred = filterExpr ? c.check(filterExpr) : undefined;
    const body = bodyExpr ? c.check(bodyExpr) : undefined;
    if (!body || (filterExpr && !pred)) return undefined;
    if (pred && pred.type.kind !== 'bool' && pred.type.kind !== 'dyn') return c.error('SS3106', pred.span, `the filter of map() must be bool, not ${fmtTyped(pred)}`);
    const f = new Code(`(${js}) => ${body.code.text}`);
    const code = pred ? call('mapFilter', range.code, new Code(`(${js}) => ${pred.code.text}`), f) : call('mapList', range.code, f);
    return { type: list(body.type), nullable: false, code, safe: false, span: site.span };
  });
}

function filterMacro(site: CallSite, c: Checker): Typed | undefined {
  const name = macroVar(site, c);
  const range = macroRange(site, c);
  if (!name || !range) return undefined;
  return withVar(c, name, range, (js) => {
    const pred = site.args[1] && c.check(site.args[1]);
    if (!pred) return undefined;
    if (pred.type.kind !== 'bool' && pred.type.kind !== 'dyn') return c.error('SS3106', pred.span, `the predicate of filter() must be bool, not ${fmtTyped(pred)}`);
    return { type: list(range.elem), nullable: false, code: call('filter', range.code, new Code(`(${js}) => ${pred.code.text}`)), safe: false, span: site.span, ...(range.elemUnknown ? { tsUnknown: true } : {}) };
  });
}

const macros: FunctionDecl[] = [
  {
    name: 'has',
    style: 'macro',
    category: 'macros',
    summary: 'Whether a field is present (and not null) on a record, or a key on a map: `has(source.Description)`.',
    examples: [
      { expr: 'has({"a": 1}.a)', result: 'true' },
      { expr: 'has({"a": 1}.b)', result: 'false' },
    ],
    overloads: [],
    signatures: ['has(record.field) -> bool', 'has(map.key) -> bool'],
    custom: (site, c) => {
      const arg = site.args[0];
      if (site.macro !== true || arg?.exprKind.case !== 'selectExpr') return c.error('SS3106', site.span, 'has() takes a field selection such as has(source.Field)');
      const sel = arg.exprKind.value;
      if (!sel.operand) return undefined;
      const obj = c.check(sel.operand);
      if (!obj) return undefined;
      if (obj.type.kind === 'record') {
        const entity = c.scope.entity(obj.type.entity);
        if (entity && !Object.hasOwn(entity.fields, sel.field)) {
          const sp = c.spans.nameSpan(arg, sel.field);
          const suggestion = closest(sel.field, Object.keys(entity.fields));
          return c.error('SS3103', sp, `${obj.type.entity} has no field "${sel.field}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, suggestion ? { suggestion } : {});
        }
      } else if (obj.type.kind !== 'map' && obj.type.kind !== 'dyn' && obj.type.kind !== 'optional') {
        return c.error('SS3106', obj.span, `has() needs a record or map, not ${fmtTyped(obj)}`);
      }
      return { type: T.bool, nullable: false, code: call('has', c.nonNull(obj), lit(sel.field)), safe: false, span: site.span };
    },
  },
  {
    name: 'all',
    style: 'macro',
    category: 'macros',
    summary: 'True when the predicate holds for every element (list) or key (map). A false result wins over errors on other elements.',
    examples: [{ expr: '[1, 2, 3].all(x, x > 0)', result: 'true' }],
    overloads: [],
    signatures: ['list(A).all(x, bool) -> bool', 'map(K, V).all(k, bool) -> bool'],
    custom: predicateMacro('all', 'all'),
  },
  {
    name: 'exists',
    style: 'macro',
    category: 'macros',
    summary: 'True when the predicate holds for at least one element. A true result wins over errors on other elements.',
    examples: [{ expr: '["a", "b"].exists(s, s == "b")', result: 'true' }],
    overloads: [],
    signatures: ['list(A).exists(x, bool) -> bool', 'map(K, V).exists(k, bool) -> bool'],
    custom: predicateMacro('exists', 'exists'),
  },
  {
    name: 'exists_one',
    style: 'macro',
    category: 'macros',
    summary: 'True when the predicate holds for exactly one element.',
    examples: [{ expr: '[1, 2, 3].exists_one(x, x > 2)', result: 'true' }],
    overloads: [],
    signatures: ['list(A).exists_one(x, bool) -> bool'],
    custom: predicateMacro('exists_one', 'existsOne'),
  },
  {
    name: 'map',
    style: 'macro',
    category: 'macros',
    summary: 'Transforms each element: `list.map(x, expr)`, or with a filter first: `list.map(x, cond, expr)`.',
    examples: [
      { expr: '[1, 2, 3].map(x, x * 2)', result: '[2, 4, 6]' },
      { expr: '[1, 2, 3].map(x, x > 1, x * 10)', result: '[20, 30]' },
    ],
    overloads: [],
    signatures: ['list(A).map(x, B) -> list(B)', 'list(A).map(x, bool, B) -> list(B)'],
    custom: mapMacro,
  },
  {
    name: 'existsOne',
    style: 'macro',
    category: 'macros',
    summary: 'Alias of exists_one; also takes two variables: `list.existsOne(i, v, pred)`.',
    examples: [{ expr: '[1, 2, 3].existsOne(i, v, i == 0 && v == 1)', result: 'true' }],
    overloads: [],
    signatures: ['list(A).existsOne(x, bool) -> bool', 'list(A).existsOne(i, v, bool) -> bool'],
    custom: (site, c) => (site.args.length === 3 ? predicate2('existsOne')(site, c) : predicateMacro('exists_one', 'existsOne')(site, c)),
  },
  {
    name: 'transformList',
    style: 'macro',
    category: 'macros',
    summary: 'A list built from (index, element) of a list or (key, value) of a map, with an optional filter.',
    examples: [{ expr: '["a", "b"].transformList(i, v, string(i) + v)', result: '["0a", "1b"]' }],
    overloads: [],
    signatures: ['list(A).transformList(i, v, B) -> list(B)', 'map(K, V).transformList(k, v, bool, B) -> list(B)'],
    custom: transform2('list'),
  },
  {
    name: 'transformMap',
    style: 'macro',
    category: 'macros',
    summary: 'A map with the same keys (or list indexes) and transformed values, with an optional filter.',
    examples: [{ expr: '{"a": 1}.transformMap(k, v, v * 10)', result: '{"a": 10}' }],
    overloads: [],
    signatures: ['map(K, V).transformMap(k, v, B) -> map(K, B)', 'list(A).transformMap(i, v, bool, B) -> map(int, B)'],
    custom: transform2('map'),
  },
  {
    name: 'filter',
    style: 'macro',
    category: 'macros',
    summary: 'The elements for which the predicate holds.',
    examples: [{ expr: '[1, 2, 3, 4].filter(x, x % 2 == 0)', result: '[2, 4]' }],
    overloads: [],
    signatures: ['list(A).filter(x, bool) -> list(A)'],
    custom: filterMacro,
  },
];

// ----------------------------------------------------------------------------------------- conversions

const scalarsToString: SigType[] = [T.int, T.uint, T.double, T.bool, T.bytes, T.timestamp, T.duration, T.decimal, T.date];

const conversions: FunctionDecl[] = [
  {
    name: 'int',
    style: 'function',
    category: 'conversions',
    summary: 'Converts to int: from uint (range-checked), double (truncated; out of range is an error), string (decimal digits), timestamp (Unix seconds), decimal (truncated).',
    examples: [
      { expr: 'int("42")', result: '42' },
      { expr: 'int(2.9)', result: '2' },
    ],
    overloads: [T.int, T.uint, T.double, T.string, T.timestamp, T.decimal].map((t) => g([t], T.int, t.kind === 'int' ? (c) => c[0] as Code : rt('toInt'))),
    dynEmit: rt('toInt'),
  },
  {
    name: 'uint',
    style: 'function',
    category: 'conversions',
    summary: 'Converts to uint from int (negative is an error), double or string.',
    examples: [{ expr: 'uint(42)', result: '42u' }],
    overloads: [T.uint, T.int, T.double, T.string].map((t) => g([t], T.uint, rt('toUint'))),
    dynEmit: rt('toUint'),
  },
  {
    name: 'double',
    style: 'function',
    category: 'conversions',
    summary: 'Converts to double (IEEE 754) from int, uint, string or decimal. Never use it for money.',
    examples: [{ expr: 'double("1.5")', result: '1.5' }],
    overloads: [T.double, T.int, T.uint, T.string, T.decimal].map((t) => g([t], T.double, t.kind === 'double' ? (c) => c[0] as Code : rt('toDouble'))),
    dynEmit: rt('toDouble'),
  },
  {
    name: 'string',
    style: 'function',
    category: 'conversions',
    summary: 'Converts to string: numbers in CEL form, bytes as UTF-8 (invalid UTF-8 is an error), timestamps in RFC 3339, decimals with their scale, dates as YYYY-MM-DD.',
    examples: [
      { expr: 'string(123)', result: '"123"' },
      { expr: 'string(decimal("5.50"))', result: '"5.50"' },
    ],
    overloads: [g([T.string], T.string, (c) => c[0] as Code, { safe: true }), ...scalarsToString.map((t) => g([t], T.string, rt('toStr')))],
    dynEmit: rt('toStr'),
  },
  {
    name: 'bool',
    style: 'function',
    category: 'conversions',
    summary: 'Converts to bool from "true"/"false" (also "True", "TRUE", "t", "1" and their negatives).',
    examples: [{ expr: 'bool("true")', result: 'true' }],
    overloads: [g([T.bool], T.bool, (c) => c[0] as Code, { safe: true }), g([T.string], T.bool, rt('toBool'))],
    dynEmit: rt('toBool'),
  },
  {
    name: 'bytes',
    style: 'function',
    category: 'conversions',
    summary: 'Converts a string to its UTF-8 bytes.',
    examples: [{ expr: 'size(bytes("é"))', result: '2' }],
    overloads: [g([T.bytes], T.bytes, (c) => c[0] as Code, { safe: true }), g([T.string], T.bytes, rt('toBytes'))],
    dynEmit: rt('toBytes'),
  },
  {
    name: 'timestamp',
    style: 'function',
    category: 'conversions',
    summary: 'An instant from RFC 3339 text with an offset, or from Unix seconds. For offset-less local times use datetime(x, zone).',
    examples: [{ expr: 'timestamp("2026-03-01T08:00:00+08:00") == timestamp("2026-03-01T00:00:00Z")', result: 'true' }],
    overloads: [g([T.timestamp], T.timestamp, (c) => c[0] as Code, { safe: true }), g([T.string], T.timestamp, rt('toTimestamp')), g([T.int], T.timestamp, rt('toTimestamp'))],
    dynEmit: rt('toTimestamp'),
  },
  {
    name: 'duration',
    style: 'function',
    category: 'conversions',
    summary: 'A duration from Go-style text: "1h30m", "90s", "1.5s", "250ms".',
    examples: [{ expr: 'duration("1h30m") == duration("90m")', result: 'true' }],
    overloads: [g([T.duration], T.duration, (c) => c[0] as Code, { safe: true }), g([T.string], T.duration, rt('toDuration'))],
    dynEmit: rt('toDuration'),
  },
  {
    name: 'dyn',
    style: 'function',
    category: 'conversions',
    summary: 'Marks a value as dynamically typed: overloads are then chosen at run time.',
    examples: [{ expr: 'dyn(1) == 1.0', result: 'true' }],
    overloads: [g([A], T.dyn, (c) => c[0] as Code, { safe: true, returnsUnknown: true })],
  },
  {
    name: 'type',
    style: 'function',
    category: 'conversions',
    summary: 'The type of a value, comparable with type names: `type(1) == int`.',
    examples: [{ expr: 'type("a") == string', result: 'true' }],
    overloads: [g([A], T.type, rt('type'), { safe: true, nullArgs: true })],
  },
];

// --------------------------------------------------------------------------------------------- strings

const strMethod = (name: string, summary: string, overloads: Overload[], examples: Example[], category: Category = 'strings'): FunctionDecl => ({
  name,
  style: 'method',
  category,
  summary,
  examples,
  overloads,
});

const strings: FunctionDecl[] = [
  {
    name: 'size',
    style: 'function',
    category: 'lists-and-maps',
    summary: 'Length: code points of a string, bytes of bytes, elements of a list, entries of a map. Also a method: `s.size()`.',
    examples: [
      { expr: 'size("中文")', result: '2' },
      { expr: '[1, 2, 3].size()', result: '3' },
    ],
    overloads: [
      ...[false, true].flatMap((method) => [
        fn(method, [T.string], T.int, (c) => callFused({ kind: 'strSize', str: c[0] as Code }, 'strSize', c[0] as Code), { safe: true }),
        fn(method, [T.bytes], T.int, (c) => new Code(`BigInt(${c[0]?.text}.length)`), { safe: true }),
        fn(method, [L(A)], T.int, (c) => new Code(`BigInt(${c[0]?.text}.length)`), { safe: true }),
        fn(method, [M(K, V)], T.int, (c) => new Code(`BigInt(${c[0]?.text}.size)`), { safe: true }),
      ]),
    ],
    dynEmit: rt('size'),
  },
  strMethod('contains', 'Whether the string contains the substring.', [m([T.string, T.string], T.bool, meth('includes'), { safe: true })], [{ expr: '"Shanghai".contains("hai")', result: 'true' }]),
  strMethod('startsWith', 'Whether the string starts with the prefix.', [m([T.string, T.string], T.bool, meth('startsWith'), { safe: true })], [{ expr: '"ERP-001".startsWith("ERP-")', result: 'true' }]),
  strMethod('endsWith', 'Whether the string ends with the suffix.', [m([T.string, T.string], T.bool, meth('endsWith'), { safe: true })], [{ expr: '"a.pdf".endsWith(".pdf")', result: 'true' }]),
  {
    name: 'matches',
    style: 'method',
    category: 'strings',
    summary: 'Whether the string matches the regular expression anywhere (RE2 syntax; use ^…$ to match the whole string).',
    examples: [{ expr: '"ABC-123".matches("^[A-Z]+-[0-9]+$")', result: 'true' }],
    overloads: [m([T.string, T.string], T.bool, rt('matches')), g([T.string, T.string], T.bool, rt('matches'))],
    validate: (args, c) => {
      const re = args[1];
      if (re?.literal && typeof re.literal.value === 'string') {
        try {
          new RegExp(re.literal.value, 'u');
        } catch (e) {
          c.error('SS3118', re.span, `invalid regular expression: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    },
  },
  strMethod('charAt', 'The character (code point) at an index; the index equal to the length gives "".', [m([T.string, T.int], T.string, rt('charAt'))], [{ expr: '"中文".charAt(1)', result: '"文"' }]),
  strMethod(
    'indexOf',
    'Code-point index of the first occurrence of a substring (from an optional start), or -1.',
    [m([T.string, T.string], T.int, rt('indexOf')), m([T.string, T.string, T.int], T.int, rt('indexOf'))],
    [{ expr: '"hello".indexOf("l")', result: '2' }],
  ),
  strMethod(
    'lastIndexOf',
    'Code-point index of the last occurrence of a substring (searching back from an optional index), or -1.',
    [m([T.string, T.string], T.int, rt('lastIndexOf')), m([T.string, T.string, T.int], T.int, rt('lastIndexOf'))],
    [{ expr: '"hello".lastIndexOf("l")', result: '3' }],
  ),
  strMethod('lowerAscii', 'Lower-cases ASCII letters only (other characters unchanged).', [m([T.string], T.string, rt('lowerAscii'), { safe: true })], [{ expr: '"ÀBC".lowerAscii()', result: '"Àbc"' }]),
  strMethod('upperAscii', 'Upper-cases ASCII letters only.', [m([T.string], T.string, rt('upperAscii'), { safe: true })], [{ expr: '"abc".upperAscii()', result: '"ABC"' }]),
  strMethod(
    'replace',
    'Replaces every occurrence (or the first n) of a substring.',
    [m([T.string, T.string, T.string], T.string, rt('replace')), m([T.string, T.string, T.string, T.int], T.string, rt('replace'))],
    [{ expr: '"a-b-c".replace("-", "/", 1)', result: '"a/b-c"' }],
  ),
  strMethod(
    'split',
    'Splits at a separator (at most n parts when n is given).',
    [m([T.string, T.string], L(T.string), rt('split')), m([T.string, T.string, T.int], L(T.string), rt('split'))],
    [{ expr: '"a,b,c".split(",")', result: '["a", "b", "c"]' }],
  ),
  strMethod(
    'substring',
    'The code points from start (inclusive) to end (exclusive); indexes outside the string are an error.',
    [m([T.string, T.int], T.string, rt('substring')), m([T.string, T.int, T.int], T.string, rt('substring'))],
    [{ expr: '"Shanghai".substring(0, 5)', result: '"Shang"' }],
  ),
  strMethod('trim', 'Removes leading and trailing Unicode white space (incl. the ideographic space U+3000).', [m([T.string], T.string, rt('trim'), { safe: true })], [{ expr: '"  上海 ".trim()', result: '"上海"' }]),
  strMethod(
    'join',
    'Concatenates a list of strings, with an optional separator.',
    // A list statically of strings joins natively; a dyn list is checked element by element (rt.join).
    [
      m([L(T.string)], T.string, (c, a) => (a[0]?.tsUnknown || a[0]?.type.kind !== 'list' || (a[0].type.elem.kind !== 'string') ? call('join', c[0] as Code) : (concatenated(a[0], lit('')) ?? new Code(`${c[0]?.text}.join("")`))), { safe: true }),
      m([L(T.string), T.string], T.string, (c, a) => (a[0]?.tsUnknown || a[0]?.type.kind !== 'list' || (a[0].type.elem.kind !== 'string') ? call('join', c[0] as Code, c[1] as Code) : (concatenated(a[0], c[1] as Code, a[1]) ?? new Code(`${c[0]?.text}.join(${c[1]?.text})`))), { safe: true }),
    ],
    [{ expr: '["a", "b"].join("-")', result: '"a-b"' }],
    'lists-and-maps',
  ),
  {
    name: 'strings.quote',
    style: 'function',
    category: 'strings',
    summary: 'The string written as a CEL string literal, with quotes and escapes.',
    examples: [{ expr: 'strings.quote("a\\nb")', result: '"\\"a\\\\nb\\""' }],
    overloads: [g([T.string], T.string, rt('quote'), { safe: true })],
  },
  strMethod(
    'truncate',
    'The first n code points (the whole string when shorter) — unlike substring(0, n), which is an error for shorter strings.',
    [m([T.string, T.int], T.string, rt('truncate'))],
    [{ expr: '"Shanghai".truncate(5)', result: '"Shang"' }, { expr: '"SH".truncate(5)', result: '"SH"' }],
  ),
  strMethod('reverse', 'The string with its code points in reverse order.', [m([T.string], T.string, rt('reverse'), { safe: true })], [{ expr: '"abc".reverse()', result: '"cba"' }]),
];

// ---------------------------------------------------------------------------------------- timestamps

const tsParts: [string, string, string][] = [
  ['getFullYear', 'fullYear', 'The year'],
  ['getMonth', 'month', 'The month, 0-based (January is 0)'],
  ['getDate', 'date', 'The day of the month, 1-based'],
  ['getDayOfMonth', 'dayOfMonth', 'The day of the month, 0-based'],
  ['getDayOfWeek', 'dayOfWeek', 'The day of the week, Sunday is 0'],
  ['getDayOfYear', 'dayOfYear', 'The day of the year, 0-based'],
  ['getHours', 'hours', 'The hour'],
  ['getMinutes', 'minutes', 'The minute'],
  ['getSeconds', 'seconds', 'The second'],
  ['getMilliseconds', 'milliseconds', 'The millisecond'],
];
const durParts = new Set(['getHours', 'getMinutes', 'getSeconds', 'getMilliseconds']);

const timestamps: FunctionDecl[] = tsParts.map(([name, part, text]) => ({
  name,
  style: 'method',
  category: 'timestamps',
  summary: `${text} of a timestamp, in UTC or in the IANA zone given${durParts.has(name) ? '; of a duration, the whole span in that unit' : ''}.`,
  examples: name === 'getHours' ? [{ expr: 'timestamp("2026-03-01T00:30:00Z").getHours("Asia/Shanghai")', result: '8' }] : [],
  overloads: [
    m([T.timestamp], T.int, (c) => call('tsGet', c[0] as Code, lit(part))),
    m([T.timestamp, T.string], T.int, (c) => call('tsGet', c[0] as Code, lit(part), c[1] as Code)),
    ...(durParts.has(name) ? [m([T.duration], T.int, (c) => call('durGet', c[0] as Code, lit(part)))] : []),
  ],
  validate: (args, c) => validateZoneArg(args[1], c),
}));

function validateZoneArg(z: Typed | undefined, c: Checker): void {
  if (z?.literal && typeof z.literal.value === 'string' && !isZone(z.literal.value)) c.error('SS3116', z.span, `unknown time zone "${z.literal.value}"`, { detail: 'Use an IANA zone name such as Asia/Shanghai or Europe/Berlin, or a fixed offset such as +08:00.' });
}
/** Zone validity, memoised: creating an Intl.DateTimeFormat costs far more than the rest of a check. */
const zoneCache = new Map<string, boolean>();
function isZone(z: string): boolean {
  if (/^[+-]?\d{2}:?\d{2}$/.test(z) || z === 'UTC') return true;
  let ok = zoneCache.get(z);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: z });
      ok = true;
    } catch {
      ok = false;
    }
    if (zoneCache.size < 1000) zoneCache.set(z, ok);
  }
  return ok;
}

// ----------------------------------------------------------------------------------------- optionals

const optionals: FunctionDecl[] = [
  {
    name: 'optional.of',
    style: 'function',
    category: 'optionals',
    summary: 'An optional holding the value.',
    examples: [{ expr: 'optional.of(1).value()', result: '1' }],
    overloads: [g([A], O(A), rt('optOf'), { safe: true })],
  },
  {
    name: 'optional.ofNonZeroValue',
    style: 'function',
    category: 'optionals',
    summary: 'An optional holding the value, or none when it is the zero value of its type ("" , 0, [], …).',
    examples: [{ expr: 'optional.ofNonZeroValue("").hasValue()', result: 'false' }],
    overloads: [g([A], O(A), rt('optOfNonZero'), { safe: true })],
  },
  {
    name: 'optional.none',
    style: 'function',
    category: 'optionals',
    summary: 'The empty optional.',
    examples: [{ expr: 'optional.none().hasValue()', result: 'false' }],
    overloads: [g([], O(T.dyn), () => new Code('rt.optNone'), { safe: true })],
  },
  {
    name: 'hasValue',
    style: 'method',
    category: 'optionals',
    summary: 'Whether the optional holds a value.',
    examples: [{ expr: 'optional.of(1).hasValue()', result: 'true' }],
    overloads: [m([O(A)], T.bool, (c) => new Code(`${c[0]?.text}.has`), { safe: true })],
  },
  {
    name: 'value',
    style: 'method',
    category: 'optionals',
    summary: 'The value of an optional; an error when it is none.',
    examples: [{ expr: 'optional.of("x").value()', result: '"x"' }],
    overloads: [m([O(A)], A, rt('optValue'), { returnsUnknown: true })],
  },
  {
    name: 'or',
    style: 'method',
    category: 'optionals',
    summary: 'This optional if it has a value, otherwise the other one (evaluated only when needed).',
    examples: [{ expr: 'optional.none().or(optional.of(2)).value()', result: '2' }],
    overloads: [m([O(A), O(A)], O(A), (c) => call('optOr', c[0] as Code, ts`() => ${c[1] as Code}`))],
  },
  {
    name: 'optMap',
    style: 'macro',
    category: 'optionals',
    summary: 'Transforms the value of an optional, keeping none as none: `opt.optMap(x, x + 1)`.',
    examples: [{ expr: 'optional.of(2).optMap(x, x * 10).value()', result: '20' }],
    overloads: [],
    signatures: ['optional(A).optMap(x, B) -> optional(B)'],
    custom: (site, c) => optionalMap(site, c, false),
  },
  {
    name: 'optFlatMap',
    style: 'macro',
    category: 'optionals',
    summary: 'Like optMap, but the expression yields an optional itself.',
    examples: [{ expr: 'optional.of(2).optFlatMap(x, optional.none()).hasValue()', result: 'false' }],
    overloads: [],
    signatures: ['optional(A).optFlatMap(x, optional(B)) -> optional(B)'],
    custom: (site, c) => optionalMap(site, c, true),
  },
  {
    name: 'orValue',
    style: 'method',
    category: 'optionals',
    summary: 'The value, or the fallback when absent: on a nullable field (`source.Description.orValue("")`) or an optional. The fallback is evaluated only when needed.',
    examples: [
      { expr: 'optional.none().orValue("n/a")', result: '"n/a"' },
      { expr: 'coalesce(null, "x").orValue("y")', result: '"x"' },
    ],
    overloads: [],
    signatures: ['A?.orValue(A) -> A', 'optional(A).orValue(A) -> A'],
    custom: (site, c) => {
      const [recv, fallback] = checkArgs(site, c);
      if (!recv || !fallback || site.args.length !== 1) {
        if (recv && fallback === undefined && site.args.length !== 1) c.error('SS3105', site.span, 'orValue() takes exactly one argument');
        return undefined;
      }
      if (recv.type.kind === 'optional') {
        const inner = recv.type.inner;
        const type = inner.kind === 'dyn' ? fallback.type : join2(inner, fallback.type);
        return { type, nullable: fallback.nullable, code: call('optOrValue', c.nonNull(recv), ts`() => ${fallback.code}`), safe: recv.safe && fallback.safe, span: site.span, tsUnknown: true };
      }
      if (!compatible(recv.type, fallback.type)) return c.error('SS3105', fallback.span, `orValue() fallback is ${fmtTyped(fallback)} but the value is ${fmt(recv.type)}`);
      const type = recv.type.kind === 'null' ? fallback.type : recv.type;
      return {
        type,
        nullable: fallback.nullable,
        code: ts`(${recv.code} ?? ${fallback.code})`,
        safe: recv.safe && fallback.safe,
        span: site.span,
        ...(recv.tsUnknown || fallback.tsUnknown ? { tsUnknown: true } : {}),
      };
    },
  },
];

function optionalMap(site: CallSite, c: Checker, flat: boolean): Typed | undefined {
  const name = varName(site.args[0], c, site);
  if (!name || !site.target || site.args.length !== 2) return undefined;
  const o = c.check(site.target);
  if (!o) return undefined;
  if (o.type.kind !== 'optional' && o.type.kind !== 'dyn') return c.error('SS3106', o.span, `${site.fn}() needs an optional, not ${fmtTyped(o)}`);
  const inner = o.type.kind === 'optional' ? o.type.inner : T.dyn;
  const js = c.freshVar();
  return c.withLocals({ [name]: { typed: { type: inner, nullable: false }, js, tsUnknown: true } }, () => {
    const body = c.check(site.args[1] as Expr);
    if (!body) return undefined;
    if (flat && body.type.kind !== 'optional' && body.type.kind !== 'dyn') return c.error('SS3106', body.span, `optFlatMap() needs an optional result, not ${fmtTyped(body)}`);
    const type: CelType = flat ? body.type : { kind: 'optional', inner: body.type };
    const code = call(flat ? 'optFlatMap' : 'optMap', c.want(o, O(A)), new Code(`(${js}) => ${body.code.text}`));
    return { type, nullable: false, code, safe: false, span: site.span };
  });
}

function compatible(a: CelType, b: CelType): boolean {
  return sameType(a, b) || a.kind === 'dyn' || b.kind === 'dyn' || a.kind === 'null' || b.kind === 'null' || (a.kind === 'decimal' && b.kind === 'int');
}

// ---------------------------------------------------------------------------------- integration library

const ROUNDING = ['half-up', 'half-even', 'half-down', 'down', 'up', 'floor', 'ceiling'];

/**
 * `d.round(n[, mode])`. With literal places and mode over a decimal made from a plain value or read from a
 * field, the code also carries that description, so a decimal target field is written by one fused call.
 */
const roundEmit: Overload['emit'] = (c, args) => {
  const code = call('round', ...c);
  const input = decimalInput(c[0] as Code);
  const places = args[1]?.literal?.value;
  const mode = args.length > 2 ? args[2]?.literal?.value : 'half-up';
  if (input === undefined || typeof places !== 'bigint' || places < 0n || places > 1000n || typeof mode !== 'string' || !ROUNDING.includes(mode)) return code;
  return new Code(code.text, { kind: 'rounded', input, places: Number(places), mode });
};

const integration: FunctionDecl[] = [
  {
    name: 'decimal',
    style: 'function',
    category: 'decimal',
    summary: 'An exact decimal from text ("113.00", "1e-3"), an int, or a double (through its shortest decimal text, so 0.1 stays 0.1). Money never goes through a binary float.',
    details: 'Decimals keep their scale: `decimal("113.00")` prints as "113.00". Arithmetic is exact; see `/` for the division scale.',
    examples: [
      { expr: 'decimal("113.00")', result: 'decimal("113.00")' },
      { expr: 'decimal(0.1) + decimal(0.2)', result: 'decimal("0.3")' },
      { expr: 'decimal("12,5")', result: 'error: SS5106' },
    ],
    overloads: [T.string, T.int, T.double, T.decimal].map((t) =>
      g([t], T.decimal, t.kind === 'decimal' ? (c) => c[0] as Code : (c) => callFused({ kind: 'decimal', input: c[0] as Code }, 'decimal', c[0] as Code)),
    ),
    dynEmit: rt('decimal'),
  },
  {
    name: 'round',
    style: 'method',
    category: 'decimal',
    summary: 'Rounds a decimal to n places, half-up (四舍五入) by default; pass a mode for others: half-up, half-even (banker’s), half-down, down (toward zero), up (away from zero), floor, ceiling. The result has exactly n places.',
    examples: [
      { expr: 'decimal("2.345").round(2)', result: 'decimal("2.35")' },
      { expr: 'decimal("2.345").round(2, "half-even")', result: 'decimal("2.34")' },
      { expr: 'decimal("113").round(2)', result: 'decimal("113.00")' },
    ],
    overloads: [m([T.decimal, T.int], T.decimal, roundEmit), m([T.decimal, T.int, T.string], T.decimal, roundEmit)],
    validate: (args, c) => {
      const mode = args[2];
      if (mode === undefined) return;
      const v = literalString(mode, c, 'the rounding mode');
      if (v !== undefined && !ROUNDING.includes(v)) {
        const suggestion = closest(v, ROUNDING);
        c.error('SS3117', mode.span, `unknown rounding mode "${v}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, { detail: `Modes: ${ROUNDING.join(', ')}.`, ...(suggestion ? { suggestion } : {}) });
      }
      const places = args[1];
      if (places?.literal && typeof places.literal.value === 'bigint' && (places.literal.value < 0n || places.literal.value > 1000n)) c.error('SS3118', places.span, 'round() needs 0 to 1000 places');
    },
  },
  {
    name: 'date',
    style: 'function',
    category: 'dates',
    summary: 'A calendar date from "YYYY-MM-DD", a date-time text (its local date in the zone), SAP "/Date(ms)/", or a timestamp. The zone (IANA, e.g. Asia/Shanghai) defaults to the connection’s.',
    examples: [
      { expr: 'date("2026-03-01T23:30:00Z", "Asia/Shanghai")', result: 'date("2026-03-02")' },
      { expr: 'date("/Date(1672531200000)/", "UTC")', result: 'date("2023-01-01")' },
    ],
    overloads: [
      ...[T.string, T.timestamp, T.date].map((t) => g([t], T.date, (c, _a, ck) => call('date', c[0] as Code, lit(ck.scope.timezone)))),
      ...[T.string, T.timestamp, T.date].map((t) => g([t, T.string], T.date, rt('date'))),
    ],
    validate: (args, c) => validateZoneArg(args[1], c),
  },
  {
    name: 'datetime',
    style: 'function',
    category: 'dates',
    summary: 'An instant from ISO-8601 text (text without an offset is local time in the zone, DST-aware), a date (midnight in the zone), or SAP "/Date(ms)/". The zone defaults to the connection’s.',
    examples: [
      { expr: 'string(datetime("2026-03-01 08:00:00", "Asia/Shanghai"))', result: '"2026-03-01T00:00:00Z"' },
      { expr: 'string(datetime("2026-07-01T12:00:00", "Europe/Berlin"))', result: '"2026-07-01T10:00:00Z"' },
    ],
    overloads: [
      ...[T.string, T.timestamp, T.date].map((t) => g([t], T.timestamp, (c, _a, ck) => call('datetime', c[0] as Code, lit(ck.scope.timezone)))),
      ...[T.string, T.timestamp, T.date].map((t) => g([t, T.string], T.timestamp, rt('datetime'))),
    ],
    validate: (args, c) => validateZoneArg(args[1], c),
  },
  {
    name: 'format',
    style: 'method',
    category: 'dates',
    summary: 'Formats a date or timestamp with the tokens yyyy, MM, dd, HH, mm, ss, SSS (a timestamp in the zone given, default the connection’s). On a string, the CEL strings extension: `"%s has %d lines".format([name, n])` with %s %d %f %e %b %o %x %X.',
    examples: [
      { expr: 'date("2026-03-01").format("yyyyMMdd")', result: '"20260301"' },
      { expr: 'timestamp("2026-03-01T00:00:00Z").format("yyyy-MM-dd HH:mm", "Asia/Shanghai")', result: '"2026-03-01 08:00"' },
      { expr: '"%s: %.2f".format(["total", 3.14159])', result: '"total: 3.14"' },
    ],
    overloads: [
      m([T.string, L(T.dyn)], T.string, rt('format')),
      m([T.date, T.string], T.string, rt('formatDate')),
      m([T.timestamp, T.string], T.string, (c, _a, ck) => call('formatTs', c[0] as Code, c[1] as Code, lit(ck.scope.timezone))),
      m([T.timestamp, T.string, T.string], T.string, rt('formatTs')),
    ],
    validate: (args, c) => validateZoneArg(args[2], c),
  },
  {
    name: 'lookup',
    style: 'function',
    category: 'integration',
    summary: 'The value a LookupTable maps the key to (units, currencies, regions). The table name must be a literal naming a LookupTable; the key type must match the table’s. Null when the key is absent and the table has no default.',
    examples: [{ expr: 'lookup("units", "EA")', result: '"Pcs"' }],
    overloads: [],
    signatures: ['lookup(string literal, string|int) -> string|int|decimal (nullable unless the table has a default)'],
    custom: (site, c) => {
      const [table, key] = checkArgs(site, c);
      if (!table || !key) return undefined;
      if (site.args.length !== 2) return c.error('SS3105', site.span, 'lookup() takes a table name and a key');
      const name = literalString(table, c, 'the lookup table name');
      if (name === undefined) return undefined;
      const info = Object.hasOwn(c.scope.lookups, name) ? c.scope.lookups[name] : undefined;
      if (!info) {
        const suggestion = closest(name, Object.keys(c.scope.lookups));
        return c.error('SS3111', table.span, `unknown lookup table "${name}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, {
          detail: `LookupTables: ${Object.keys(c.scope.lookups).sort().join(', ') || '(none)'}.`,
          ...(suggestion ? { suggestion } : {}),
        });
      }
      if (key.type.kind !== info.keyType && key.type.kind !== 'dyn') return c.error('SS3112', key.span, `lookup table "${name}" has ${info.keyType} keys but the key is ${fmtTyped(key)}`);
      if (key.literal && info.keys.length > 0 && !info.hasDefault && !info.keys.includes(String(key.literal.value))) {
        const suggestion = closest(String(key.literal.value), [...info.keys]);
        c.error('SS3120', key.span, `key ${JSON.stringify(String(key.literal.value))} is not in lookup table "${name}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, suggestion ? { suggestion } : {});
      }
      const keyCode = key.type.kind === 'dyn' ? call(info.keyType === 'int' ? 'asInt' : 'asStr', key.code) : c.nonNull(key);
      const type = info.valueType === 'int' ? T.int : info.valueType === 'decimal' ? T.decimal : T.string;
      const fnName = `${info.valueType === 'int' ? 'lookupInt' : info.valueType === 'decimal' ? 'lookupDec' : 'lookupStr'}${info.hasDefault ? 'D' : ''}`;
      const code = call(fnName, new Code('ctx'), lit(name), keyCode);
      return { type, nullable: !info.hasDefault, code, safe: false, span: site.span };
    },
  },
  {
    name: 'ref',
    style: 'function',
    category: 'integration',
    summary: 'The target id another spec’s id crosswalk holds for a source id (e.g. the ERP customer of a CRM account). The spec name must be a literal naming a SyncSpec; the id type must match that spec’s source key. Null until that record has been synced; mapped as a whole to a field required on create, an unsynced reference is not null but “dependency pending” (SS5118): the record waits, with the spec’s retry backoff, until the referenced record is synced.',
    examples: [{ expr: 'ref("crm-account-to-erp-customer", "001A000001")', result: '"CUST-0001"' }],
    overloads: [],
    signatures: ['ref(string literal, source key) -> string?'],
    custom: (site, c) => {
      const [spec, id] = checkArgs(site, c);
      if (!spec || !id) return undefined;
      if (site.args.length !== 2) return c.error('SS3105', site.span, 'ref() takes a spec name and a source id');
      const name = literalString(spec, c, 'the spec name');
      if (name === undefined) return undefined;
      const info = Object.hasOwn(c.scope.refs, name) ? c.scope.refs[name] : undefined;
      if (!info) {
        const suggestion = closest(name, Object.keys(c.scope.refs));
        return c.error('SS3113', spec.span, `unknown spec "${name}" in ref()${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, {
          detail: `SyncSpecs: ${Object.keys(c.scope.refs).sort().join(', ') || '(none)'}.`,
          ...(suggestion ? { suggestion } : {}),
        });
      }
      if (!sameType(info.sourceKeyType, id.type) && id.type.kind !== 'dyn')
        return c.error('SS3114', id.span, `spec "${name}" is keyed by ${fmt(info.sourceKeyType)} but the id is ${fmtTyped(id)}`);
      const idCode = c.nonNull(id);
      return { type: T.string, nullable: true, code: call('ref', new Code('ctx'), lit(name), idCode), whenRequired: call('refRequired', new Code('ctx'), lit(name), idCode), safe: false, span: site.span };
    },
  },
  {
    name: 'coalesce',
    style: 'function',
    category: 'integration',
    summary: 'The first argument that is not null. Nullable only if every argument is; later arguments are evaluated only when needed.',
    examples: [
      { expr: 'coalesce(null, "b", "c")', result: '"b"' },
      { expr: 'coalesce(null, null)', result: 'null' },
    ],
    overloads: [],
    signatures: ['coalesce(A?, A?, …, A) -> A'],
    custom: (site, c) => {
      const args = checkArgs(site, c);
      if (args.some((a) => a === undefined)) return undefined;
      const typed = args as Typed[];
      if (typed.length < 2) return c.error('SS3105', site.span, 'coalesce() needs at least two arguments');
      let type: CelType = T.null;
      for (const a of typed) {
        if (!compatible(type, a.type)) return c.error('SS3105', a.span, `coalesce() arguments must share one type: ${fmt(type)} and ${fmtTyped(a)}`);
        type = type.kind === 'null' ? a.type : type;
      }
      const nullable = typed.every((a) => a.nullable);
      return { type, nullable, code: new Code(`(${typed.map((a) => a.code.text).join(' ?? ')})`), safe: typed.every((a) => a.safe), span: site.span };
    },
  },
  {
    name: 'hash',
    style: 'function',
    category: 'integration',
    summary: 'SHA-256 (hex) of the canonical text of the arguments — stable across runs, key order and number formatting. For deterministic ids and change detection.',
    examples: [{ expr: 'size(hash("a", 1))', result: '64' }],
    overloads: [],
    signatures: ['hash(A, …) -> string'],
    custom: (site, c) => {
      const args = checkArgs(site, c);
      if (args.some((a) => a === undefined)) return undefined;
      if (args.length === 0) return c.error('SS3105', site.span, 'hash() needs at least one argument');
      return { type: T.string, nullable: false, code: call('hash', ...(args as Typed[]).map((a) => a.code)), safe: false, span: site.span };
    },
  },
];

export const functions: readonly FunctionDecl[] = [...operators, ...macros, ...conversions, ...strings, ...timestamps, ...optionals, ...integration];

export const functionIndex: ReadonlyMap<string, FunctionDecl> = new Map(functions.map((f) => [f.name, f]));

