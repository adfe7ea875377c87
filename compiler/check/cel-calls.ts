/**
 * SS3003, SS3004, SS3005: `lookup('table', key)` names an existing LookupTable (and a literal key is one of its
 * entries); `ref('spec', id)` names an existing SyncSpec. Names must be string literals so they can be checked.
 */
import { closest } from '../diagnostics/did-you-mean.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { expressionsOf, exprRange, parseCel, type ExpressionSite } from './cel-syntax.ts';
import { isObj, type Repo } from './repo.ts';
import { isTimeZone, knownZones } from './schedule.ts';

/** Cheap pre-filter: most expressions call none of these functions, and need no AST walk. */
const MAY_CALL = /\b(lookup|ref|date|datetime)\s*\(/;

/** Functions whose second argument is an IANA zone (`date(source.FDate, 'Asia/Shanghai')`). */
const ZONED = new Set(['date', 'datetime']);

interface ExprNode {
  id: bigint;
  exprKind: { case: string | undefined; value: unknown };
}

interface CallValue {
  function: string;
  target?: unknown;
  args: ExprNode[];
}

interface Literal {
  value: string;
  start: number;
  end: number;
}

export function checkCelCalls(repo: Repo): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const spec of repo.syncSpecs) {
    for (const site of expressionsOf(spec.doc, spec.body)) {
      if (!MAY_CALL.test(site.text)) continue;
      const result = parseCel(site.text);
      if (!result.ok) continue; // SS3016 reports it
      const positions = result.parsed.sourceInfo?.positions ?? {};
      const offsetOf = (n: ExprNode | undefined): number | undefined => (n ? positions[n.id.toString()] : undefined);
      const calls = collectCalls(result.parsed.expr as unknown as ExprNode).sort((a, b) => (offsetOf(a[0]) ?? 0) - (offsetOf(b[0]) ?? 0));
      for (const [node, call] of calls) {
        if (call.target !== undefined) continue;
        if (ZONED.has(call.function)) {
          const zone = literalOf(call.args[1], offsetOf(call.args[1]), site.text);
          if (zone) checkZoneArgument(site, call.function, zone, out);
          continue;
        }
        if (call.function !== 'lookup' && call.function !== 'ref') continue;
        const nameArg = call.args[0];
        const name = literalOf(nameArg, offsetOf(nameArg), site.text);
        if (!name) {
          const span = spanOf(nameArg ?? node, positions, site.text);
          out.push({
            code: call.function === 'lookup' ? 'SS3003' : 'SS3005',
            severity: 'error',
            summary: `The first argument of ${call.function}() must be a string literal`,
            detail: `Write the ${call.function === 'lookup' ? 'LookupTable' : 'SyncSpec'} name in quotes, e.g. ${call.function}('name', …), so the compiler can check that it exists.`,
            range: exprRange(site.doc, site.path, span.start, span.end),
          });
          continue;
        }
        if (call.function === 'ref') checkRef(repo, site, name, out);
        else checkLookup(repo, site, name, literalOf(call.args[1], offsetOf(call.args[1]), site.text), out);
      }
    }
  }
  return out;
}

function checkZoneArgument(site: ExpressionSite, fn: string, zone: Literal, out: Diagnostic[]): void {
  if (isTimeZone(zone.value)) return;
  const suggestion = closest(zone.value, knownZones());
  out.push({
    code: 'SS3009',
    severity: 'error',
    summary: `Unknown time zone "${zone.value}" in ${fn}()`,
    detail: suggestion ? `Did you mean "${suggestion}"? Time zones are IANA names.` : 'Use an IANA name such as Asia/Shanghai; abbreviations like CST are ambiguous.',
    range: exprRange(site.doc, site.path, zone.start, zone.end),
    ...(suggestion ? { suggestion } : {}),
  });
}

function checkRef(repo: Repo, site: ExpressionSite, name: Literal, out: Diagnostic[]): void {
  if (repo.specsByName.has(name.value)) return;
  const suggestion = closest(name.value, repo.specsByName.keys());
  out.push({
    code: 'SS3005',
    severity: 'error',
    summary: `ref() names unknown SyncSpec "${name.value}"`,
    detail: suggestion ? `Did you mean "${suggestion}"?` : 'ref() reads the id crosswalk of another SyncSpec in this repository; no SyncSpec has this name.',
    range: exprRange(site.doc, site.path, name.start, name.end),
    ...(suggestion ? { suggestion } : {}),
  });
}

function checkLookup(repo: Repo, site: ExpressionSite, table: Literal, key: Literal | undefined, out: Diagnostic[]): void {
  const found = repo.lookupTables.get(table.value);
  if (!found) {
    const suggestion = closest(table.value, repo.lookupTables.keys());
    out.push({
      code: 'SS3003',
      severity: 'error',
      summary: `lookup() names unknown LookupTable "${table.value}"`,
      detail: suggestion ? `Did you mean "${suggestion}"?` : `No LookupTable has this name. Tables in the repository: ${[...repo.lookupTables.keys()].sort().join(', ') || '(none)'}.`,
      range: exprRange(site.doc, site.path, table.start, table.end),
      ...(suggestion ? { suggestion } : {}),
    });
    return;
  }
  if (!key) return;
  const entries = isObj(found.body.entries) ? found.body.entries : {};
  if (Object.hasOwn(entries, key.value)) return;
  const hasDefault = found.body.default !== undefined;
  const suggestion = closest(key.value, Object.keys(entries));
  out.push({
    code: 'SS3004',
    severity: hasDefault ? 'warning' : 'error',
    summary: `Key "${key.value}" is not in LookupTable "${table.value}"`,
    detail: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}${hasDefault ? 'Every record would get the table\'s default.' : 'Every record would fail this lookup.'}`,
    range: exprRange(site.doc, site.path, key.start, key.end),
    ...(suggestion ? { suggestion } : {}),
  });
}

/** A string or integer constant argument with its span in the expression text. */
function literalOf(node: ExprNode | undefined, offset: number | undefined, text: string): Literal | undefined {
  if (!node || offset === undefined || node.exprKind.case !== 'constExpr') return undefined;
  const constant = (node.exprKind.value as { constantKind?: { case?: string; value?: unknown } }).constantKind;
  if (constant?.case === 'stringValue' && typeof constant.value === 'string') return { value: constant.value, start: offset, end: literalEnd(text, offset) };
  if ((constant?.case === 'int64Value' || constant?.case === 'uint64Value') && constant.value !== undefined)
    return { value: String(constant.value), start: offset, end: literalEnd(text, offset) };
  return undefined;
}

/** End offset of the literal token at `start` (a quoted string with any r/b prefix, or a number). */
export function literalEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && /[rRbB]/.test(text[i] as string)) i++;
  const q = text[i];
  if (q !== '"' && q !== "'") {
    const m = /^[0-9A-Za-z_.]+/.exec(text.slice(start));
    return start + (m ? m[0].length : 1);
  }
  const raw = /[rR]/.test(text.slice(start, i));
  const delimiter = text.startsWith(q.repeat(3), i) ? q.repeat(3) : q;
  let j = i + delimiter.length;
  while (j < text.length) {
    if (!raw && text[j] === '\\') j += 2;
    else if (text.startsWith(delimiter, j)) return j + delimiter.length;
    else j++;
  }
  return text.length;
}

/** Every call in the tree, macros expanded by the parser included. */
function collectCalls(root: ExprNode): [ExprNode, CallValue][] {
  const calls: [ExprNode, CallValue][] = [];
  forEachNode(root, (node) => {
    if (node.exprKind.case === 'callExpr' && isObj(node.exprKind.value)) calls.push([node, node.exprKind.value as unknown as CallValue]);
  });
  return calls;
}

function forEachNode(root: unknown, visit: (node: ExprNode) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (typeof (node as Partial<ExprNode>).id === 'bigint' && isObj((node as Partial<ExprNode>).exprKind)) visit(node as ExprNode);
    for (const value of Object.values(node)) if (typeof value === 'object' && value !== null) stack.push(value);
  }
}

/** Text span of a sub-expression: the parser records one offset per node (a select at its dot), so take them all. */
function spanOf(root: ExprNode, positions: Record<string, number>, text: string): { start: number; end: number } {
  let start = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  forEachNode(root, (node) => {
    const at = positions[node.id.toString()];
    if (at === undefined) return;
    start = Math.min(start, at);
    last = Math.max(last, at);
  });
  if (!Number.isFinite(start)) return { start: 0, end: 0 };
  return { start, end: literalEnd(text, text[last] === '.' ? last + 1 : last) };
}
