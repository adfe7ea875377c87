/**
 * Parsing with @bufbuild/cel and exact character ranges for diagnostics. The parser records one offset
 * per node (the name of an identifier or global call, the `.` of a selection or method call, the
 * operator of a binary expression); ranges are widened over children and closing brackets.
 */
import { parse as celParse } from '@bufbuild/cel';
import type { Expr, SourceInfo } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import type { ExprDiagnostic } from './api.ts';

export interface ParsedSource {
  text: string;
  expr: Expr;
  info: SourceInfo;
}

export interface Span {
  start: number;
  end: number;
}

type ParseOutcome = { parsed?: ParsedSource; diagnostic?: ExprDiagnostic };

/**
 * Parse results by expression text. Parsing is most of the cost of a compile and the same expressions
 * recur across specs and watch-mode re-checks; the AST is never mutated, so sharing it is safe.
 */
const parseCache = new Map<string, ParseOutcome>();
const PARSE_CACHE_LIMIT = 20_000;

export function parseSource(text: string): ParseOutcome {
  const hit = parseCache.get(text);
  if (hit) return hit;
  const outcome = parseUncached(text);
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.delete(parseCache.keys().next().value as string);
  parseCache.set(text, outcome);
  return outcome;
}

function parseUncached(text: string): ParseOutcome {
  try {
    const r = celParse(text);
    if (!r.sourceInfo) throw new Error('parser returned no source info');
    return { parsed: { text, expr: r.expr, info: r.sourceInfo } };
  } catch (e) {
    const loc = (e as { location?: { start?: { offset?: number } } }).location;
    const raw = (e as { rawMessage?: unknown }).rawMessage;
    const at = Math.min(Math.max(loc?.start?.offset ?? 0, 0), text.length);
    return {
      diagnostic: {
        code: 'SS3101',
        severity: 'error',
        summary: `CEL syntax error: ${typeof raw === 'string' ? raw : e instanceof Error ? e.message : String(e)}`,
        start: at,
        end: Math.min(at + 1, text.length) === at ? at : at + 1,
      },
    };
  }
}

export class Spans {
  readonly #src: ParsedSource;
  readonly #cache = new Map<bigint, Span>();
  constructor(src: ParsedSource) {
    this.#src = src;
  }
  pos(e: Expr | bigint): number {
    const id = typeof e === 'bigint' ? e : e.id;
    return this.#src.info.positions[id.toString() as unknown as number] ?? 0;
  }
  /** Range of an identifier, global function name, or the member name after a `.`. */
  nameSpan(e: Expr, name: string): Span {
    const text = this.#src.text;
    let at = this.pos(e);
    if (text[at] === '.') {
      at++;
      while (at < text.length && /\s/.test(text[at] as string)) at++;
      if (text[at] === '?') at++;
    }
    const found = text.indexOf(name, at);
    const start = found === at ? found : at;
    return { start, end: Math.min(start + name.length, text.length) };
  }
  span(e: Expr): Span {
    const hit = this.#cache.get(e.id);
    if (hit) return hit;
    const s = this.#compute(e);
    this.#cache.set(e.id, s);
    return s;
  }
  #compute(e: Expr): Span {
    const text = this.#src.text;
    const own = this.pos(e);
    let start = own;
    let end = own;
    const widen = (c: Expr | undefined): void => {
      if (!c) return;
      const s = this.span(c);
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
    };
    const k = e.exprKind;
    switch (k.case) {
      case 'identExpr':
        end = own + k.value.name.length;
        break;
      case 'constExpr':
        end = literalEnd(text, own);
        break;
      case 'selectExpr': {
        widen(k.value.operand);
        end = Math.max(end, this.nameSpan(e, k.value.field).end);
        if (k.value.testOnly) end = closeAfter(text, end, ')');
        break;
      }
      case 'callExpr': {
        const fn = k.value.function;
        widen(k.value.target);
        for (const a of k.value.args) widen(a);
        if (!fn.startsWith('_') && !fn.startsWith('@') && !fn.endsWith('_')) {
          end = Math.max(end, this.nameSpan(e, fn).end);
          end = closeAfter(text, end, ')');
        } else if (fn === '_[_]' || fn === '_[?_]') end = closeAfter(text, end, ']');
        break;
      }
      case 'listExpr':
        for (const a of k.value.elements) widen(a);
        end = closeAfter(text, Math.max(end, own + 1), ']');
        break;
      case 'structExpr':
        for (const en of k.value.entries) {
          if (en.keyKind.case === 'mapKey') widen(en.keyKind.value);
          widen(en.value);
        }
        end = closeAfter(text, Math.max(end, own + 1), '}');
        break;
      case 'comprehensionExpr': {
        const m = this.#src.info.macroCalls[e.id.toString() as unknown as number];
        if (m && m.exprKind.case === 'callExpr') {
          widen(m.exprKind.value.target);
          for (const a of m.exprKind.value.args) widen(a);
          end = closeAfter(text, end, ')');
        } else widen(k.value.iterRange);
        break;
      }
      default:
        end = own + 1;
    }
    return { start, end: Math.min(Math.max(end, start + 1), text.length) };
  }
}

/** Index just past `ch` if it follows `from` after whitespace; otherwise `from`. */
function closeAfter(text: string, from: number, ch: string): number {
  let i = from;
  while (i < text.length && /[\s,]/.test(text[i] as string)) i++;
  return text[i] === ch ? i + 1 : from;
}

function literalEnd(text: string, at: number): number {
  let i = at;
  if (text[i] === '-') i++;
  while (/[rRbB]/.test(text[i] ?? '') && /['"rRbB]/.test(text[i + 1] ?? '')) i++;
  const q = text[i];
  if (q === '"' || q === "'") {
    const triple = text.startsWith(q.repeat(3), i);
    const close = triple ? q.repeat(3) : q;
    i += close.length;
    while (i < text.length) {
      if (text[i] === '\\') {
        i += 2;
        continue;
      }
      if (text.startsWith(close, i)) return i + close.length;
      i++;
    }
    return text.length;
  }
  const m = /^[\w.]+(?:[eE][+-]?\d+)?/.exec(text.slice(i));
  return i + (m ? m[0].length : 1);
}
