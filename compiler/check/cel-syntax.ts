/**
 * CEL syntax (SS3016): every filter, field mapping and `each` collection of every SyncSpec parses with
 * `@bufbuild/cel`, and a failure points at the exact character inside the expression, mapped to the file.
 *
 * Also the single entry other phases reuse: `parseCel` (memoised, so the type checker does not parse twice)
 * and `exprRange` (a span inside an expression → a span in the YAML file).
 */
import type { parse as celParse } from '@bufbuild/cel';
import type { Diagnostic, SourceRange } from '../diagnostics/diagnostic.ts';
import type { DataPath, LoadedDocument } from '../model.ts';
import { isObj, str, type Repo } from './repo.ts';

type Parse = typeof celParse;
type ParsedExpr = ReturnType<Parse>;

/**
 * The package's public entry loads the whole interpreter and its protobuf registry (150–400 ms in a cold
 * process); `syncspec validate` needs only the parser module beside it (~10 ms). That file is not in the
 * package's exports map, so it is located next to the resolved entry; any surprise falls back to the entry.
 */
async function loadParser(): Promise<{ parse: Parse; source: 'parser module' | 'package entry' }> {
  try {
    const entry = import.meta.resolve('@bufbuild/cel');
    const mod = (await import(new URL('./parse.js', entry).href)) as { parse?: unknown };
    if (typeof mod.parse === 'function') return { parse: mod.parse as Parse, source: 'parser module' };
  } catch {
    // fall through to the public entry
  }
  return { parse: (await import('@bufbuild/cel')).parse, source: 'package entry' };
}

const parser = await loadParser();
const parse: Parse = parser.parse;
/** Which module the parser came from (for the test that keeps the fast import honest). */
export const parserSource = parser.source;

export interface CelSyntaxError {
  /** UTF-16 offsets into the expression text; `end` exclusive (equal to `start` at the end of the text). */
  start: number;
  end: number;
  summary: string;
  detail: string;
}

export type CelParse =
  | { ok: true; text: string; /** The AST, parsed on first access (simple field paths skip the parser until then). */ readonly parsed: ParsedExpr }
  | { ok: false; text: string; error: CelSyntaxError };

/**
 * `source.A.B` style paths are most mappings; recognising them by pattern avoids the parser on the hot path of
 * `syncspec validate`. Words CEL reserves are left to the parser so the two never disagree.
 */
const SIMPLE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

const CACHE_LIMIT = 50_000;
const cache = new Map<string, CelParse>();

/** Parses one expression; never throws. Results are memoised by text (bounded), so repeated checks are free. */
export function parseCel(text: string): CelParse {
  const hit = cache.get(text);
  if (hit) return hit;
  const result = parseUncached(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, result);
  return result;
}

function parseUncached(text: string): CelParse {
  const trimmed = text.trim();
  if (SIMPLE_PATH.test(trimmed) && !trimmed.split('.').some((w) => RESERVED.has(w))) {
    let parsed: ParsedExpr | undefined;
    return {
      ok: true,
      text,
      get parsed(): ParsedExpr {
        parsed ??= parse(text);
        return parsed;
      },
    };
  }
  try {
    const parsed = parse(text);
    return { ok: true, text, parsed };
  } catch (e) {
    return { ok: false, text, error: describeFailure(text, e) };
  }
}

interface ParserFailure {
  rawMessage?: unknown;
  found?: unknown;
  expected?: unknown;
  location?: { start?: { offset?: unknown }; end?: { offset?: unknown } };
}

function describeFailure(text: string, e: unknown): CelSyntaxError {
  // The parser reports where its top rule stopped, which for an unclosed bracket or quote is far from the cause;
  // a lexical scan finds those exactly, so it goes first.
  const lexical = scanDelimiters(text);
  if (lexical) return lexical;
  const failure = (typeof e === 'object' && e !== null ? e : {}) as ParserFailure;
  const offset = typeof failure.location?.start?.offset === 'number' ? Math.max(0, Math.min(failure.location.start.offset, text.length)) : 0;
  const found = typeof failure.found === 'string' ? failure.found : undefined;
  const end = tokenEnd(text, offset);
  const token = text.slice(offset, end);
  const rest = text.slice(offset).trim();
  if (found === '' || (found === undefined && offset >= text.trimEnd().length)) {
    return { start: offset, end: offset, summary: 'CEL syntax error: the expression ends too early', detail: 'Something is missing at the end: an operand, an argument or a closing bracket.' };
  }
  if (/^(&&|\|\||[-+*/%<>!=]=?|\?|:|\.)$/.test(rest)) {
    return { start: offset, end: text.trimEnd().length, summary: `CEL syntax error: "${rest}" needs an operand after it`, detail: 'The expression ends right after an operator.' };
  }
  if (text[offset] === '=' && text[offset + 1] !== '=') {
    return { start: offset, end: offset + 1, summary: 'CEL syntax error: "=" is not an operator', detail: 'CEL compares with "==" and has no assignment.' };
  }
  if (found !== undefined) {
    return {
      start: offset,
      end,
      summary: `CEL syntax error: unexpected "${token}"`,
      detail: `The expression does not parse at column ${offset + 1} of the expression. Check the operators, commas and brackets before it.`,
    };
  }
  const message = typeof failure.rawMessage === 'string' ? failure.rawMessage : 'the expression does not parse';
  return { start: offset, end, summary: `CEL syntax error: ${message} "${token}"`, detail: 'Fix the expression at the marked position; reserved words cannot be field names without quoting them in a map index (source["in"]).' };
}

/** End of the token starting at `offset`: a whole identifier or number, else one character. */
function tokenEnd(text: string, offset: number): number {
  if (offset >= text.length) return offset;
  const m = /^[A-Za-z0-9_]+/.exec(text.slice(offset));
  return offset + (m ? m[0].length : 1);
}

const CLOSING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Unterminated string literals and unbalanced brackets, with the offending character's offset. */
export function scanDelimiters(text: string): CelSyntaxError | undefined {
  const open: { ch: string; at: number }[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const raw = i > 0 && /[rR]/.test(text[i - 1] as string) && (i < 2 || !/[A-Za-z0-9_]/.test(text[i - 2] as string));
      const end = stringEnd(text, i, raw);
      if (end < 0) {
        return {
          start: i,
          end: text.length,
          summary: 'CEL syntax error: unterminated string literal',
          detail: `The string that starts here has no closing ${ch}. In YAML, quote the whole expression with the other kind of quote, or double the quote inside a single-quoted YAML string.`,
        };
      }
      i = end;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') open.push({ ch, at: i });
    else if (ch === ')' || ch === ']' || ch === '}') {
      const last = open.pop();
      if (!last || CLOSING[last.ch] !== ch) {
        return {
          start: i,
          end: i + 1,
          summary: `CEL syntax error: unexpected "${ch}"`,
          detail: last ? `It closes the "${last.ch}" at column ${last.at + 1} of the expression, which needs "${CLOSING[last.ch]}".` : 'There is no opening bracket for it.',
        };
      }
    }
    i++;
  }
  const unclosed = open.pop();
  if (unclosed) {
    return {
      start: unclosed.at,
      end: unclosed.at + 1,
      summary: `CEL syntax error: "${unclosed.ch}" is never closed`,
      detail: `Add the matching "${CLOSING[unclosed.ch]}".`,
    };
  }
  return undefined;
}

/** Offset just after the string literal opening at `at`, or -1 when it is not terminated. */
function stringEnd(text: string, at: number, raw: boolean): number {
  const q = text[at] as string;
  const triple = text.startsWith(q.repeat(3), at);
  const delimiter = triple ? q.repeat(3) : q;
  let i = at + delimiter.length;
  while (i < text.length) {
    if (!raw && text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text.startsWith(delimiter, i)) return i + delimiter.length;
    if (!triple && (text[i] === '\n' || text[i] === '\r')) return -1;
    i++;
  }
  return -1;
}

/** The file span of characters `start`..`end` (exclusive) of the expression scalar at `path`. */
export function exprRange(doc: LoadedDocument, path: DataPath, start: number, end: number): SourceRange {
  const from = doc.locateInScalar(path, start);
  const to = end <= start ? from : doc.locateInScalar(path, end);
  return { file: doc.file, start: from, end: to.offset < from.offset ? from : to };
}

export type ExpressionRole = 'filter' | 'field' | 'each';

export interface ExpressionSite {
  doc: LoadedDocument;
  /** Data path of the expression's scalar. */
  path: DataPath;
  text: string;
  role: ExpressionRole;
  /** Target field path for mappings (`FSaleOrderEntry[].FQty`); undefined for the filter. */
  field?: string;
}

/** Every CEL expression of one SyncSpec document, in document order. */
export function expressionsOf(doc: LoadedDocument, spec: Record<string, unknown>): ExpressionSite[] {
  const sites: ExpressionSite[] = [];
  const filter = str(spec.filter);
  if (filter !== undefined) sites.push({ doc, path: ['spec', 'filter'], text: filter, role: 'filter' });
  const walk = (fields: unknown, path: (string | number)[], prefix: string): void => {
    if (!isObj(fields)) return;
    for (const [name, mapping] of Object.entries(fields)) {
      const field = prefix + name;
      const at = [...path, name];
      if (typeof mapping === 'string') sites.push({ doc, path: at, text: mapping, role: 'field', field });
      else if (isObj(mapping)) {
        const expr = str(mapping.expr);
        if (expr !== undefined) sites.push({ doc, path: [...at, 'expr'], text: expr, role: 'field', field });
        const each = str(mapping.each);
        if (each !== undefined) {
          sites.push({ doc, path: [...at, 'each'], text: each, role: 'each', field });
          walk(mapping.fields, [...at, 'fields'], `${field}[].`);
        }
      }
    }
  };
  walk(spec.fields, ['spec', 'fields'], '');
  return sites;
}

export function checkCelSyntax(repo: Repo): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const spec of repo.syncSpecs) {
    for (const site of expressionsOf(spec.doc, spec.body)) {
      const result = parseCel(site.text);
      if (result.ok) continue;
      const where = site.role === 'filter' ? 'filter' : site.role === 'each' ? `each of ${site.field}` : `mapping of ${site.field}`;
      out.push({
        code: 'SS3016',
        severity: 'error',
        summary: `${result.error.summary} (in the ${where})`,
        detail: result.error.detail,
        range: exprRange(site.doc, site.path, result.error.start, result.error.end),
      });
    }
  }
  return out;
}
