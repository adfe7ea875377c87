/**
 * The type checker and planner: walks the @bufbuild/cel AST once, resolving every identifier, field and
 * overload against the scope (catalog entities, lookups, refs), and builds the TypeScript expression for
 * each typed node. Problems are collected (not the first only), each with the exact character range.
 */
import type { Constant, Expr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import type { CelScope, CelType, ExprDiagnostic, TypedValue } from './api.ts';
import { Code, bigintLit, call, callFused, ident, join, lit, ts, type Fused } from './code.ts';
import { closest } from './didyoumean.ts';
import { functionIndex, type CallSite, type Overload, type SigType } from './library.ts';
import type { ParsedSource, Span } from './source.ts';
import { Spans } from './source.ts';
import { T, containsDyn, fieldType, fmt, fmtTyped, join2, list, map, sameType } from './types.ts';

export interface Typed extends TypedValue {
  code: Code;
  /** Evaluating the code cannot throw (literals, variables, total operators over such). */
  safe: boolean;
  /** The code's TypeScript type is `unknown` (a generic run-time read); a concrete use needs a checked read. */
  tsUnknown?: boolean;
  /** The value when the node is a literal (for static checks: lookup table names, lengths, enum values). */
  literal?: { value: unknown };
  /**
   * Code for the same value where the target field requires one (required on create): instead of
   * yielding null it raises a retryable run-time error. `ref()` has it — a record whose reference is not
   * synced yet waits for it rather than going out with an empty reference.
   */
  whenRequired?: Code;
  /** The elements when the node is a list literal (`[a, b]`), for emission that needs no array. */
  items?: readonly Typed[];
  span: Span;
}

export interface Local {
  typed: TypedValue;
  js: string;
  /** The JavaScript value's TypeScript type is `unknown` (map keys, dyn ranges). */
  tsUnknown?: boolean;
}

const TYPE_NAMES: Record<string, string> = {
  int: 'int',
  uint: 'uint',
  double: 'double',
  bool: 'bool',
  string: 'string',
  bytes: 'bytes',
  list: 'list',
  map: 'map',
  null_type: 'null_type',
  type: 'type',
  decimal: 'decimal',
  date: 'date',
  'google.protobuf.Timestamp': 'google.protobuf.Timestamp',
  'google.protobuf.Duration': 'google.protobuf.Duration',
  optional_type: 'optional_type',
};

export class Checker {
  readonly diagnostics: ExprDiagnostic[] = [];
  readonly scope: CelScope;
  readonly src: ParsedSource;
  readonly spans: Spans;
  readonly #locals: Map<string, Local>[] = [];
  /** Field paths known to be present in the current branch (`has(source.X) ? source.X : …`). */
  readonly #narrowed: Set<string>[] = [];
  #varCounter = 0;

  constructor(src: ParsedSource, scope: CelScope) {
    this.src = src;
    this.scope = scope;
    this.spans = new Spans(src);
  }

  error(code: string, span: Span, summary: string, extra: { detail?: string; suggestion?: string } = {}): undefined {
    const d: ExprDiagnostic = { code, severity: 'error', summary, start: span.start, end: span.end };
    if (extra.detail !== undefined) d.detail = extra.detail;
    if (extra.suggestion !== undefined) d.suggestion = extra.suggestion;
    this.diagnostics.push(d);
    return undefined;
  }

  textOf(span: Span): string {
    return this.src.text.slice(span.start, span.end);
  }

  freshVar(): string {
    return `v${this.#varCounter++}`;
  }

  withLocals<R>(locals: Record<string, Local>, f: () => R): R {
    this.#locals.push(new Map(Object.entries(locals)));
    try {
      return f();
    } finally {
      this.#locals.pop();
    }
  }

  #byId: Map<bigint, Expr> | undefined;
  /** Macro arguments refer to nested macros by id only (an empty node); find the expanded node. */
  #resolveRef(e: Expr): Expr | undefined {
    if (!this.#byId) {
      const index = new Map<bigint, Expr>();
      const visit = (x: Expr | undefined): void => {
        if (!x) return;
        if (x.exprKind.case !== undefined && !index.has(x.id)) index.set(x.id, x);
        const k = x.exprKind;
        if (k.case === 'callExpr') {
          visit(k.value.target);
          k.value.args.forEach(visit);
        } else if (k.case === 'selectExpr') visit(k.value.operand);
        else if (k.case === 'listExpr') k.value.elements.forEach(visit);
        else if (k.case === 'structExpr') k.value.entries.forEach((en) => { if (en.keyKind.case === 'mapKey') visit(en.keyKind.value); visit(en.value); });
        else if (k.case === 'comprehensionExpr') [k.value.iterRange, k.value.accuInit, k.value.loopCondition, k.value.loopStep, k.value.result].forEach(visit);
      };
      visit(this.src.expr);
      for (const m of Object.values(this.src.info.macroCalls)) visit(m);
      this.#byId = index;
    }
    const hit = this.#byId.get(e.id);
    return hit && hit.exprKind.case !== undefined ? hit : undefined;
  }

  /** Checks `e` knowing that the field paths in `present` are neither absent nor null. */
  checkNarrowed(e: Expr, present: ReadonlySet<string>): Typed | undefined {
    if (present.size === 0) return this.check(e);
    this.#narrowed.push(new Set(present));
    try {
      return this.check(e);
    } finally {
      this.#narrowed.pop();
    }
  }

  /** Field paths a true condition guarantees present: `has(p)`, `p != null`, and both sides of `&&`. */
  presentWhenTrue(cond: Expr): Set<string> {
    const out = new Set<string>();
    const k = cond.exprKind;
    if (k.case === 'selectExpr' && k.value.testOnly && k.value.operand) {
      const base = pathKey(k.value.operand);
      if (base !== undefined) out.add(`${base}.${k.value.field}`);
    } else if (k.case === 'callExpr' && k.value.function === '_!=_') {
      const [l, r] = k.value.args;
      const isNull = (x: Expr | undefined): boolean => x?.exprKind.case === 'constExpr' && x.exprKind.value.constantKind.case === 'nullValue';
      const p = isNull(r) && l ? pathKey(l) : isNull(l) && r ? pathKey(r) : undefined;
      if (p !== undefined) out.add(p);
    } else if (k.case === 'callExpr' && k.value.function === '_&&_') {
      for (const a of k.value.args) for (const p of this.presentWhenTrue(a)) out.add(p);
    }
    return out;
  }

  #isNarrowed(key: string | undefined): boolean {
    return key !== undefined && this.#narrowed.some((s) => s.has(key));
  }

  check(e: Expr): Typed | undefined {
    if (e.exprKind.case === undefined) {
      const real = this.#resolveRef(e);
      if (real) return this.check(real);
    }
    const span = this.spans.span(e);
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr':
        return this.#constant(k.value, span);
      case 'identExpr':
        return this.#ident(k.value.name, e, span);
      case 'selectExpr':
        return this.#select(e, k.value.operand, k.value.field, k.value.testOnly, span);
      case 'callExpr':
        return this.#call({ id: e.id, expr: e, fn: k.value.function, target: k.value.target, args: k.value.args, span });
      case 'listExpr':
        return this.#list(k.value.elements, k.value.optionalIndices, span);
      case 'structExpr':
        return this.#struct(e, span);
      case 'comprehensionExpr': {
        const macro = this.src.info.macroCalls[e.id.toString() as unknown as number];
        if (macro?.exprKind.case === 'callExpr') {
          const c = macro.exprKind.value;
          return this.#call({ id: e.id, expr: macro, fn: c.function, target: c.target, args: c.args, span, macro: true });
        }
        return this.error('SS3119', span, 'unsupported CEL construct: a comprehension that is not one of the standard macros');
      }
      default:
        return this.error('SS3101', span, 'empty or unknown CEL expression node');
    }
  }

  #constant(c: Constant, span: Span): Typed {
    const kind = c.constantKind;
    const v = (type: CelType, code: Code, value: unknown): Typed => ({ type, nullable: type.kind === 'null', code, safe: true, literal: { value }, span });
    switch (kind.case) {
      case 'boolValue':
        return v(T.bool, new Code(kind.value ? 'true' : 'false'), kind.value);
      case 'int64Value':
        return v(T.int, bigintLit(kind.value), kind.value);
      case 'uint64Value':
        return v(T.uint, call('u', bigintLit(kind.value)), kind.value);
      case 'doubleValue':
        return v(T.double, lit(kind.value), kind.value);
      case 'stringValue':
        return v(T.string, lit(kind.value), kind.value);
      case 'bytesValue':
        return v(T.bytes, call('bytes', ...[...kind.value].map((b) => new Code(String(b)))), kind.value);
      case 'nullValue':
        return v(T.null, new Code('null'), null);
      default:
        return { type: T.dyn, nullable: false, code: new Code('null'), safe: true, span };
    }
  }

  #lookupLocal(name: string): Local | undefined {
    for (let i = this.#locals.length - 1; i >= 0; i--) {
      const hit = this.#locals[i]?.get(name);
      if (hit) return hit;
    }
    return undefined;
  }

  #ident(name: string, e: Expr, span: Span): Typed | undefined {
    const local = this.#lookupLocal(name);
    if (local) return { ...local.typed, code: new Code(local.js), safe: true, span, tsUnknown: local.tsUnknown === true || containsDyn(local.typed.type) };
    const v = Object.hasOwn(this.scope.variables, name) ? this.scope.variables[name] : undefined;
    if (v) {
      let code: Code;
      try {
        code = ident(name);
      } catch {
        return this.error('SS3102', span, `variable "${name}" cannot be used in generated code`);
      }
      return { ...v, code, safe: true, span, tsUnknown: v.type.kind === 'dyn' };
    }
    const typeName = TYPE_NAMES[name];
    if (typeName !== undefined) return { type: T.type, nullable: false, code: call('typeValue', lit(typeName)), safe: true, span };
    const candidates = [...Object.keys(this.scope.variables), ...this.#locals.flatMap((m) => [...m.keys()])];
    const suggestion = closest(name, candidates);
    return this.error('SS3102', this.spans.nameSpan(e, name), `unknown variable "${name}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, {
      detail: `Variables in scope: ${candidates.sort().join(', ') || '(none)'}.`,
      ...(suggestion ? { suggestion } : {}),
    });
  }

  /** `a.b.c` where `a` is not a variable: a qualified type name such as `google.protobuf.Timestamp`. */
  #qualifiedName(e: Expr): string | undefined {
    const k = e.exprKind;
    if (k.case === 'identExpr') return this.#lookupLocal(k.value.name) || Object.hasOwn(this.scope.variables, k.value.name) ? undefined : k.value.name;
    if (k.case === 'selectExpr' && !k.value.testOnly) {
      if (!k.value.operand) return undefined;
      const head = this.#qualifiedName(k.value.operand);
      return head === undefined ? undefined : `${head}.${k.value.field}`;
    }
    return undefined;
  }

  #select(e: Expr, operand: Expr | undefined, field: string, testOnly: boolean, span: Span): Typed | undefined {
    if (!operand) return this.error('SS3101', span, 'selection without an operand');
    const q = this.#qualifiedName(e);
    if (q !== undefined && TYPE_NAMES[q] !== undefined) return { type: T.type, nullable: false, code: call('typeValue', lit(q)), safe: true, span };
    const obj = this.check(operand);
    if (!obj) return undefined;
    const fieldSpan = this.spans.nameSpan(e, field);
    const t = obj.type;
    if (t.kind === 'record') return this.recordField(obj, t.entity, field, fieldSpan, testOnly, span, testOnly ? undefined : pathKey(e));
    if (t.kind === 'map' || t.kind === 'dyn') {
      const objCode = t.kind === 'map' ? this.nonNull(obj) : obj.code;
      if (testOnly) return { type: T.bool, nullable: false, code: call('has', objCode, lit(field)), safe: false, span };
      if (t.kind === 'map' && t.key.kind !== 'string' && t.key.kind !== 'dyn') return this.error('SS3106', fieldSpan, `cannot select "${field}" from ${fmt(t)}: its keys are not strings`);
      const valueType = t.kind === 'map' ? t.value : T.dyn;
      return this.fromUnknown(call('select', objCode, lit(field)), valueType, span);
    }
    if (t.kind === 'optional') {
      // Selecting from an optional yields an optional: none stays none, a missing key or field gives none.
      if (testOnly) return { type: T.bool, nullable: false, code: call('has', obj.code, lit(field)), safe: false, span };
      const inner = t.inner;
      let valueType: CelType = T.dyn;
      if (inner.kind === 'map') valueType = inner.value;
      else if (inner.kind === 'record') {
        const def = this.scope.entity(inner.entity)?.fields[field];
        if (def) valueType = fieldType(def).type;
      }
      return { type: { kind: 'optional', inner: valueType }, nullable: false, code: call('select', obj.code, lit(field)), safe: false, span, tsUnknown: true };
    }
    return this.error('SS3106', fieldSpan, `cannot select field "${field}" from a value of type ${fmtTyped(obj)}`);
  }

  /** Reads `field` of a catalog record (`source.Name`, or `source["名称"]` for names that are not CEL identifiers). */
  recordField(obj: Typed, entityName: string, field: string, fieldSpan: Span, testOnly: boolean, span: Span, key?: string): Typed | undefined {
    const t = { entity: entityName };
    const entity = this.scope.entity(t.entity);
    if (!entity) return this.error('SS3103', fieldSpan, `entity "${t.entity}" is not in the catalog`);
    const def = Object.hasOwn(entity.fields, field) ? entity.fields[field] : undefined;
    if (!def) {
      const suggestion = closest(field, Object.keys(entity.fields));
      return this.error('SS3103', fieldSpan, `${t.entity} has no field "${field}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, {
        detail: `Fields of ${t.entity}: ${Object.keys(entity.fields).sort().slice(0, 40).join(', ')}${Object.keys(entity.fields).length > 40 ? ', …' : ''}.`,
        ...(suggestion ? { suggestion } : {}),
      });
    }
    // has(source.Account.Name) is false, not an error, when the related record itself is null.
    if (testOnly) return { type: T.bool, nullable: false, code: call(obj.nullable ? 'hasN' : 'has', obj.code, lit(field)), safe: obj.safe, span };
    const objCode = this.nonNull(obj);
    const declared = fieldType(def);
    // Inside `has(source.X) ? source.X : …` the field is known present: read it as non-nullable.
    const present = declared.nullable && this.#isNarrowed(key);
    const ft = present ? { ...declared, nullable: false } : declared;
    // Offset-less text is local time: in UTC for systems that write UTC, else in the field's or the connection's zone.
    const zone = def.type === 'datetime' && def.zone === 'utc' ? 'UTC' : def.type === 'datetime' && def.zone !== undefined && def.zone !== 'offset' ? def.zone : this.scope.timezone;
    const reader = readerFor(ft, def.nullable === true && !present);
    const zoneArg = ft.type.kind === 'date' || ft.type.kind === 'timestamp' ? [lit(zone)] : [];
    // A name Object.prototype also has is read through Object.hasOwn (rt.f*), so input data cannot reach the
    // prototype; every other name is read at the call site with a constant key, which V8 keeps monomorphic.
    if (field in Object.prototype) return { ...ft, code: call(`f${reader}`, objCode, lit(field), ...zoneArg), safe: false, span };
    const raw = ts`${memberBase(objCode)}[${lit(field)}]`;
    const fused: Fused = { kind: 'field', reader, raw, key: lit(field), ...(zoneArg[0] ? { zone: zoneArg[0] } : {}) };
    return { ...ft, code: callFused(fused, `field${reader}`, raw, lit(field), ...zoneArg), safe: false, span };
  }

  /** Wraps the code of a generic run-time read (`unknown` in TypeScript) so it has the static type `t`. */
  fromUnknown(code: Code, t: CelType, span: Span, nullable = false): Typed {
    return { type: t, nullable, code, safe: false, span, tsUnknown: true };
  }

  /** Code for `v` used where a non-null value is needed: a run-time null check when `v` may be null. */
  nonNull(v: Typed): Code {
    if (!v.nullable || v.type.kind === 'null') return v.code;
    return call('nn', v.code, lit(this.textOf(v.span)));
  }

  /** Code for `v` passed where type `want` is expected: a checked read when `v` is dyn or untyped for TypeScript. */
  want(v: Typed, want: SigType): Code {
    const code = this.nonNull(v);
    const needsRead = v.type.kind === 'dyn' || v.tsUnknown === true;
    if (!needsRead) return code;
    const reader = checkedReader(want);
    return reader === undefined ? code : call(reader, code);
  }

  #list(elements: Expr[], optionalIndices: number[], span: Span): Typed | undefined {
    if (optionalIndices.length > 0) return this.error('SS3119', span, 'optional list elements (`[?x]`) are not supported');
    const items = elements.map((x) => this.check(x));
    if (items.some((x) => x === undefined)) return undefined;
    const typed = items as Typed[];
    let elem: CelType | undefined;
    for (const t of typed) elem = elem === undefined ? t.type : join2(elem, t.type);
    const nullableElems = typed.some((t) => t.nullable && t.type.kind !== 'null');
    return {
      type: list(elem ?? T.dyn),
      nullable: false,
      code: ts`[${join(typed.map((t) => (nullableElems ? t.code : t.code)))}]`,
      safe: typed.every((t) => t.safe),
      items: typed,
      span,
    };
  }

  #struct(e: Expr, span: Span): Typed | undefined {
    const k = e.exprKind;
    if (k.case !== 'structExpr') return undefined;
    if (k.value.messageName !== '') return this.error('SS3119', span, `message literals (${k.value.messageName}{…}) are not supported: records come from the catalog`);
    const pairs: [Typed, Typed][] = [];
    let keyT: CelType | undefined;
    let valT: CelType | undefined;
    let failed = false;
    for (const en of k.value.entries) {
      if (en.optionalEntry) {
        this.error('SS3119', span, 'optional map entries (`?key: value`) are not supported');
        failed = true;
        continue;
      }
      const key = en.keyKind.case === 'mapKey' ? this.check(en.keyKind.value) : undefined;
      const value = en.value ? this.check(en.value) : undefined;
      if (!key || !value) {
        failed = true;
        continue;
      }
      if (!['string', 'int', 'uint', 'bool', 'dyn'].includes(key.type.kind)) {
        this.error('SS3106', key.span, `map keys must be string, int, uint or bool, not ${fmt(key.type)}`);
        failed = true;
        continue;
      }
      keyT = keyT === undefined ? key.type : join2(keyT, key.type);
      valT = valT === undefined ? value.type : join2(valT, value.type);
      pairs.push([key, value]);
    }
    if (failed) return undefined;
    return {
      type: map(keyT ?? T.dyn, valT ?? T.dyn),
      nullable: false,
      code: call('map', ts`[${join(pairs.map(([a, b]) => ts`[${a.code}, ${b.code}]`))}]`),
      safe: false,
      span,
    };
  }

  #call(site: CallSite): Typed | undefined {
    const qualified = site.target ? this.#qualifiedName(site.target) : undefined;
    let fnName = site.fn;
    let target = site.target;
    if (qualified !== undefined && functionIndex.has(`${qualified}.${site.fn}`)) {
      fnName = `${qualified}.${site.fn}`;
      target = undefined;
    }
    const decl = functionIndex.get(fnName);
    const nameSpan = this.spans.nameSpan(site.expr, site.fn);
    if (!decl || (decl.style === 'method' && !target && !decl.overloads.some((o) => !o.method)) ) {
      if (fnName === 'now') return this.error('SS3121', nameSpan, 'now() is not available: a transform is a pure function of its input', { detail: 'Use a timestamp field of the source record, so examples and replays give the same result.' });
      const names = [...functionIndex.keys()].filter((n) => /^[a-z]/i.test(n));
      const suggestion = closest(site.fn, names);
      return this.error('SS3104', nameSpan, `unknown function "${site.fn}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, suggestion ? { suggestion } : {});
    }
    const s: CallSite = { ...site, fn: fnName, nameSpan };
    if (target) s.target = target;
    else delete s.target;
    if (decl.custom) return decl.custom(s, this);
    const argExprs = target ? [target, ...site.args] : site.args;
    const args = argExprs.map((a) => this.check(a));
    if (args.some((a) => a === undefined)) return undefined;
    const [obj, key] = args as Typed[];
    if (fnName === '_[_]' && obj?.type.kind === 'record' && key) {
      if (typeof key.literal?.value !== 'string') return this.error('SS3106', key.span, 'a record field is selected by a string literal: source["Field"]');
      return this.recordField(obj, obj.type.entity, key.literal.value, key.span, false, site.span);
    }
    return this.resolve(decl.name, target !== undefined, args as Typed[], s);
  }

  /** Picks the overload of `fn` for the argument types (receiver first for methods) and emits the call. */
  resolve(fn: string, method: boolean, args: Typed[], site: CallSite): Typed | undefined {
    const decl = functionIndex.get(fn);
    if (!decl) return undefined;
    const candidates = decl.overloads.filter((o) => (o.method ?? false) === method && o.params.length === args.length);
    const matches: { o: Overload; binds: Map<string, CelType> }[] = [];
    for (const o of candidates) {
      const binds = new Map<string, CelType>();
      if (o.params.every((p, i) => unify(p, (args[i] as Typed).type, binds))) matches.push({ o, binds });
    }
    const exact = matches.filter((m) => m.o.params.every((p, i) => !isDynArg(args[i] as Typed) || p.kind === 'param' || p.kind === 'dyn'));
    const anyDyn = args.some(isDynArg);
    if (matches.length === 0) {
      const shown = decl.overloads.filter((o) => (o.method ?? false) === method).map((o) => sigText(decl.name, o));
      return this.error('SS3105', site.span, `no overload of ${opName(decl.name)} takes (${args.map(fmtTyped).join(', ')})`, {
        detail: `Candidates:\n${shown.map((x) => `  ${x}`).join('\n') || '  (none)'}`,
      });
    }
    if (anyDyn && matches.length > 1 && exact.length !== 1 && decl.dynEmit) {
      const results = matches.map((m) => substitute(m.o.result, m.binds));
      const first = results[0] as CelType;
      const type = results.every((r) => sameType(r, first)) ? first : T.dyn;
      const code = decl.dynEmit(args.map((a) => this.nonNull(a)));
      return { type, nullable: false, code, safe: false, span: site.span, tsUnknown: true };
    }
    const chosen = (exact[0] ?? matches[0]) as { o: Overload; binds: Map<string, CelType> };
    const before = this.diagnostics.length;
    decl.validate?.(args, this);
    if (this.diagnostics.length > before) return undefined;
    const codes = args.map((a, i) => (chosen.o.nullArgs ? a.code : this.want(a, chosen.o.params[i] as SigType)));
    const code = chosen.o.emit(codes, args, this);
    const result = substitute(chosen.o.result, chosen.binds);
    const safe = (chosen.o.safe ?? false) && args.every((a) => a.safe && (!a.nullable || chosen.o.nullArgs === true));
    const out: Typed = { type: result, nullable: false, code, safe, span: site.span };
    if (chosen.o.returnsUnknown) out.tsUnknown = true;
    return out;
  }
}

/** `source.A.B` as text for an identifier/selection chain (the key narrowing uses); undefined otherwise. */
export function pathKey(e: Expr): string | undefined {
  const k = e.exprKind;
  if (k.case === 'identExpr') return k.value.name;
  if (k.case === 'selectExpr' && !k.value.testOnly && k.value.operand) {
    const base = pathKey(k.value.operand);
    return base === undefined ? undefined : `${base}.${k.value.field}`;
  }
  return undefined;
}

function isDynArg(a: Typed): boolean {
  return a.type.kind === 'dyn';
}

export function opName(fn: string): string {
  const ops: Record<string, string> = {
    '_+_': 'operator +',
    '_-_': 'operator -',
    '_*_': 'operator *',
    '_/_': 'operator /',
    '_%_': 'operator %',
    '-_': 'unary -',
    '!_': 'operator !',
    '_<_': 'operator <',
    '_<=_': 'operator <=',
    '_>_': 'operator >',
    '_>=_': 'operator >=',
    '_==_': 'operator ==',
    '_!=_': 'operator !=',
    '@in': 'operator in',
    '_[_]': 'index []',
  };
  return ops[fn] ?? `${fn}()`;
}

export function sigText(name: string, o: Overload): string {
  const ps = o.params.map(fmtSig);
  const res = fmtSig(o.result);
  if (name.startsWith('_') || name === '-_' || name === '!_' || name === '@in') return `${opName(name)} (${ps.join(', ')}) -> ${res}`;
  if (o.method) return `${ps[0]}.${name}(${ps.slice(1).join(', ')}) -> ${res}`;
  return `${name}(${ps.join(', ')}) -> ${res}`;
}

export function fmtSig(t: SigType): string {
  switch (t.kind) {
    case 'param':
      return t.name;
    case 'list':
      return `list(${fmtSig(t.elem)})`;
    case 'map':
      return `map(${fmtSig(t.key)}, ${fmtSig(t.value)})`;
    case 'optional':
      return `optional(${fmtSig(t.inner)})`;
    default:
      return fmt(t);
  }
}

function unify(sig: SigType, t: CelType, binds: Map<string, CelType>): boolean {
  if (t.kind === 'dyn') {
    if (sig.kind === 'param' && !binds.has(sig.name)) binds.set(sig.name, T.dyn);
    return true;
  }
  switch (sig.kind) {
    case 'param': {
      const b = binds.get(sig.name);
      if (b === undefined || b.kind === 'dyn') {
        binds.set(sig.name, t);
        return true;
      }
      if (t.kind === 'null' || b.kind === 'null') return true;
      return sameType(b, t) || (b.kind === 'list' && t.kind === 'list' && (containsDyn(b) || containsDyn(t)));
    }
    case 'dyn':
      return true;
    case 'list':
      return t.kind === 'list' && unify(sig.elem, t.elem, binds);
    case 'map':
      return t.kind === 'map' && unify(sig.key, t.key, binds) && unify(sig.value, t.value, binds);
    case 'optional':
      return t.kind === 'optional' && unify(sig.inner, t.inner, binds);
    default:
      return sameType(sig as CelType, t);
  }
}

function substitute(sig: SigType, binds: Map<string, CelType>): CelType {
  switch (sig.kind) {
    case 'param':
      return binds.get(sig.name) ?? T.dyn;
    case 'list':
      return list(substitute(sig.elem, binds));
    case 'map':
      return map(substitute(sig.key, binds), substitute(sig.value, binds));
    case 'optional':
      return { kind: 'optional', inner: substitute(sig.inner, binds) };
    default:
      return sig;
  }
}

/** The `rt.as*` checked read that gives a dyn value the static type `t` (undefined: no check needed). */
export function checkedReader(t: SigType): string | undefined {
  switch (t.kind) {
    case 'string':
      return 'asStr';
    case 'int':
      return 'asInt';
    case 'uint':
      return 'asUint';
    case 'double':
      return 'asDbl';
    case 'bool':
      return 'asBool';
    case 'bytes':
      return 'asBytes';
    case 'list':
      return 'asList';
    case 'map':
      return 'asMap';
    case 'timestamp':
      return 'asTs';
    case 'duration':
      return 'asDur';
    case 'decimal':
      return 'asDec';
    case 'date':
      return 'asDate';
    case 'record':
      return 'asRec';
    case 'type':
      return 'asType';
    case 'optional':
      return 'asOpt';
    default:
      return undefined;
  }
}

/** The suffix of the `rt.field*` / `rt.f*` read of a record field of type `t`. */
function readerFor(t: TypedValue, nullable: boolean): string {
  const base = (() => {
    switch (t.type.kind) {
      case 'string':
        return 'Str';
      case 'int':
        return 'Int';
      case 'double':
        return 'Dbl';
      case 'bool':
        return 'Bool';
      case 'decimal':
        return 'Dec';
      case 'date':
        return 'Date';
      case 'timestamp':
        return 'Ts';
      case 'list':
        return 'List';
      default:
        return 'Rec';
    }
  })();
  return nullable ? `${base}N` : base;
}

/** `code` as the object of a member access: parenthesised unless it is a name or ends in a call of its own. */
function memberBase(code: Code): Code {
  return /^[A-Za-z_$][\w$]*$/.test(code.text) || isWholeCall(code.text) ? code : ts`(${code})`;
}

/** Whether `text` is one call `f(…)` whose closing parenthesis is the last character (strings skipped). */
function isWholeCall(text: string): boolean {
  const open = /^[A-Za-z_$][\w$.]*\(/.exec(text);
  if (!open || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = open[0].length - 1; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i === text.length - 1;
  }
  return false;
}

