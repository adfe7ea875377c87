/**
 * `compileExpression` (the contract in api.ts): parse → check against the scope → emit a TypeScript
 * expression over `source`/`item`/`ctx`/`rt`; with a target field, also check assignability and convert
 * to the field's wire form (decimal text with the field's scale, `YYYY-MM-DD`, local date-time text).
 */
import type { FieldDef } from '../catalog/types.ts';
import type { CelScope, CelType, CompileExpression, CompiledExpression, ExprDiagnostic, TypedValue } from './api.ts';
import { Checker, checkedReader, type Typed } from './check.ts';
import { Code, call, decimalInput, lit } from './code.ts';
import { parseSource } from './source.ts';
import { fmt, fmtField, fmtTyped } from './types.ts';

export type { CelScope, CelType, CompileExpression, CompiledExpression, ExprDiagnostic, TypedValue } from './api.ts';
export { functions, functionIndex, type FunctionDecl, type Example } from './library.ts';
export { fmt as formatType, fieldType } from './types.ts';

export const compileExpression: CompileExpression = (text: string, scope: CelScope, expected?: FieldDef): CompiledExpression => {
  const { parsed, diagnostic } = parseSource(text);
  if (!parsed) return { diagnostics: diagnostic ? [{ ...diagnostic }] : [] };
  const checker = new Checker(parsed, scope);
  let typed: Typed | undefined;
  try {
    typed = checker.check(parsed.expr);
  } catch (e) {
    // A name that cannot become an identifier (SS4001) or a deeper bug: report, never crash the compiler.
    checker.diagnostics.push({ code: 'SS3119', severity: 'error', summary: `cannot compile this expression: ${e instanceof Error ? e.message : String(e)}`, start: 0, end: text.length });
    typed = undefined;
  }
  const diagnostics = checker.diagnostics;
  if (!typed || diagnostics.some((d) => d.severity === 'error')) return { diagnostics: sortDiags(diagnostics) };
  const result: TypedValue = { type: typed.type, nullable: typed.nullable };
  if (!expected) return { result, code: typed.code.text, diagnostics: sortDiags(diagnostics) };
  const code = toTarget(typed, expected, checker, parsed.expr);
  if (!code || diagnostics.some((d) => d.severity === 'error')) return { result, diagnostics: sortDiags(diagnostics) };
  return { result, code: code.text, diagnostics: sortDiags(diagnostics) };
};

function sortDiags(ds: ExprDiagnostic[]): ExprDiagnostic[] {
  return [...ds].sort((a, b) => a.start - b.start || a.end - b.end || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

type Conv = (c: Code) => Code;

/** Assignability of the expression's result to a target field, and the conversion into its wire form. */
function toTarget(v: Typed, f: FieldDef, c: Checker, root: import('@bufbuild/cel-spec/cel/expr/syntax_pb.js').Expr): Code | undefined {
  const span = v.span;
  const mismatch = (hint?: string): undefined =>
    c.error('SS3107', span, `the target field expects ${fmtField(f)} but the expression yields ${fmtTyped(v)}`, hint ? { detail: hint } : {});
  // A ref() mapped as a whole waits for the referenced record instead of yielding null.
  if (v.nullable && f.requiredOnCreate === true && v.whenRequired !== undefined) v = { ...v, code: v.whenRequired, nullable: false };
  if (v.nullable && f.requiredOnCreate === true) {
    c.error('SS3108', span, `the expression may be null but the target field is required on create`, {
      detail: `The value is ${fmtTyped(v)}. Give a fallback with .orValue(…) or coalesce(…), or set a default: for the mapping.`,
      suggestion: `${c.textOf(span)}.orValue(${defaultLiteral(f)})`,
    });
    return undefined;
  }
  if (v.type.kind === 'null') return new Code('null');
  const t: CelType = v.type;
  const dyn = t.kind === 'dyn' || v.tsUnknown === true;
  const read = (want: CelType): Conv => (x) => {
    const r = dyn ? checkedReader(want) : undefined;
    return r ? call(r, x) : x;
  };
  let conv: Conv | undefined;
  switch (f.type) {
    case 'string':
    case 'reference':
    case 'enum': {
      if (t.kind !== 'string' && t.kind !== 'dyn') return mismatch(t.kind === 'decimal' || t.kind === 'int' || t.kind === 'double' || t.kind === 'date' || t.kind === 'timestamp' ? 'Convert explicitly with string(…) (or .format(…) for dates).' : undefined);
      const r = read({ kind: 'string' });
      if (f.type === 'enum') {
        const lv = v.literal?.value;
        if (typeof lv === 'string') {
          if (!f.values.includes(lv)) return c.error('SS3110', span, `"${lv}" is not one of the target's values: ${f.values.join(', ')}`);
          conv = r;
        } else conv = (x) => call('outEnum', r(x), new Code(`[${f.values.map((s) => lit(s).text).join(', ')}]`));
      } else if (f.type === 'string' && f.maxLength !== undefined) {
        const max = f.maxLength;
        const known = staticLength(v, root);
        if (known?.exact !== undefined && known.exact > max) return c.error('SS3109', span, `text of ${known.exact} characters is longer than the target's maximum length ${max}`, { detail: `Shorten it, e.g. with .truncate(${max}).` });
        conv = known !== undefined && known.atMost <= max ? r : (x) => call('outStr', r(x), lit(max));
      } else conv = r;
      break;
    }
    case 'integer':
      if (t.kind !== 'int' && t.kind !== 'dyn') return mismatch(t.kind === 'double' || t.kind === 'decimal' || t.kind === 'string' ? 'Convert explicitly with int(…).' : undefined);
      conv = (x) => call('outInt', read({ kind: 'int' })(x));
      break;
    case 'decimal': {
      const scale = f.scale;
      const args = (x: Code): Code[] => [x, ...(scale !== undefined || f.precision !== undefined ? [scale === undefined ? new Code('undefined') : lit(scale)] : []), ...(f.precision !== undefined ? [lit(f.precision)] : [])];
      // Fused writers (runtime/support/fused.ts) for a decimal made from a plain value, possibly rounded: no
      // intermediate BigInt decimal for ordinary amounts. They handle null themselves where the value may be null.
      const fused = v.code.fused;
      const input = t.kind === 'decimal' && v.tsUnknown !== true ? decimalInput(v.code) : undefined;
      if (t.kind === 'decimal' && v.tsUnknown !== true && fused?.kind === 'rounded' && !v.nullable) {
        const [x, ...rest] = args(fused.input) as [Code, ...Code[]];
        // Two decimals (money) has a writer of its own: the commonest rounding, and the hottest.
        return fused.places === 2 ? call('outRounded2', x, lit(fused.mode), ...rest) : call('outRounded', x, lit(fused.places), lit(fused.mode), ...rest);
      }
      if (input !== undefined && !v.nullable) return call('outDecOf', ...args(input));
      if (t.kind === 'decimal' && v.tsUnknown !== true && fused?.kind === 'field' && fused.reader === 'DecN') return call('outDecOfN', ...args(call('fieldDecInN', fused.raw, fused.key)));
      if ((t.kind === 'int' || t.kind === 'double') && v.tsUnknown !== true) return call(v.nullable ? 'outDecOfN' : 'outDecOf', ...args(v.code));
      if (t.kind === 'decimal' || t.kind === 'dyn') conv = (x) => call('outDec', ...args(t.kind === 'dyn' ? call('decimal', x) : x));
      else if (t.kind === 'int' || t.kind === 'double') conv = (x) => call('outDec', ...args(call('decimal', x)));
      else return mismatch(t.kind === 'string' ? 'Parse the text explicitly with decimal(…); a malformed amount then fails with a clear error.' : undefined);
      break;
    }
    case 'double':
      if (t.kind === 'double' || t.kind === 'dyn') conv = read({ kind: 'double' });
      else if (t.kind === 'int') conv = (x) => call('toDouble', x);
      else return mismatch(t.kind === 'decimal' ? 'Convert explicitly with double(…) (it may lose exactness).' : undefined);
      break;
    case 'boolean':
      if (t.kind !== 'bool' && t.kind !== 'dyn') return mismatch();
      conv = read({ kind: 'bool' });
      break;
    case 'date':
      if (t.kind !== 'date' && t.kind !== 'dyn') return mismatch(t.kind === 'string' || t.kind === 'timestamp' ? 'Convert with date(…, zone).' : undefined);
      // A date field copied as it is: `YYYY-MM-DD` text is checked in place and passed on (rt.outDateField).
      if (t.kind === 'date' && v.tsUnknown !== true && v.code.fused?.kind === 'field' && (v.code.fused.reader === 'Date' || v.code.fused.reader === 'DateN') && v.code.fused.zone) {
        const { raw, key, zone, reader } = v.code.fused;
        return call(reader === 'Date' ? 'outDateField' : 'outDateFieldN', raw, key, zone);
      }
      conv = (x) => call('outDate', read({ kind: 'date' })(x));
      break;
    case 'datetime': {
      if (t.kind !== 'timestamp' && t.kind !== 'dyn') return mismatch(t.kind === 'string' || t.kind === 'date' ? 'Convert with datetime(…, zone).' : undefined);
      const zone = f.zone;
      conv = (x) => call('outTs', read({ kind: 'timestamp' })(x), ...(zone !== undefined ? [lit(zone)] : []));
      break;
    }
    case 'record':
      if (t.kind !== 'record' && t.kind !== 'dyn') return mismatch();
      conv = (x) => x;
      break;
    case 'list':
      if (t.kind !== 'list' && t.kind !== 'dyn') return mismatch();
      conv = (x) => x;
      break;
  }
  const body = conv(v.code);
  if (!v.nullable || body.text === v.code.text) return body;
  // A writer applied directly to the value has a null-passing variant (rt.outStrN, …); else wrap.
  const probe = conv(new Code('x')).text;
  const direct = /^rt\.(out(?:Str|Int|Dec|Date|Ts|Enum))\(x(, .*)?\)$/s.exec(probe);
  if (direct) return new Code(`rt.${direct[1]}N(${v.code.text}${direct[2] ?? ''})`);
  return new Code(`((x) => (x === null || x === undefined ? null : ${probe}))(${v.code.text})`);
}

/**
 * Length of the result when it is bounded before run time: exact for a literal or `.substring(a, b)` with
 * literal bounds (CEL's substring fails rather than return less), at most n for `.truncate(n)`.
 */
function staticLength(v: Typed, root: import('@bufbuild/cel-spec/cel/expr/syntax_pb.js').Expr): { exact?: number; atMost: number } | undefined {
  if (typeof v.literal?.value === 'string') {
    const n = [...v.literal.value].length;
    return { exact: n, atMost: n };
  }
  const k = root.exprKind;
  if (k.case !== 'callExpr' || !k.value.target) return undefined;
  const ints = k.value.args.map((x) => (x.exprKind.case === 'constExpr' && x.exprKind.value.constantKind.case === 'int64Value' ? x.exprKind.value.constantKind.value : undefined));
  if (k.value.function === 'substring' && ints.length === 2) {
    const [a, b] = ints;
    if (a !== undefined && b !== undefined && b >= a) return { exact: Number(b - a), atMost: Number(b - a) };
  }
  if (k.value.function === 'truncate' && ints.length === 1 && ints[0] !== undefined && ints[0] >= 0n) return { atMost: Number(ints[0]) };
  return undefined;
}

function defaultLiteral(f: FieldDef): string {
  switch (f.type) {
    case 'integer':
      return '0';
    case 'decimal':
      return 'decimal("0")';
    case 'double':
      return '0.0';
    case 'boolean':
      return 'false';
    case 'enum':
      return JSON.stringify(f.values[0] ?? '');
    default:
      return '""';
  }
}

export { fmt };
