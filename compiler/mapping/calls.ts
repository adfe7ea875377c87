/**
 * Which lookup tables and specs an expression names (`lookup('units', …)`, `ref('crm-accounts', …)`), for
 * the plan. A small scanner rather than a second CEL parse: it skips string literals (quoted, raw and
 * triple-quoted) and takes a global call — not a method `.lookup(` — whose first argument is a string
 * literal. The CEL compiler has already checked that every named table and spec exists.
 */
export interface NamedCalls {
  lookups: string[];
  refs: string[];
}

interface Literal {
  value: string;
  end: number;
}

/** Reads the string literal starting at `i` (after an optional r/R prefix); undefined when there is none. */
function stringAt(text: string, i: number): Literal | undefined {
  let at = i;
  let raw = false;
  if (text[at] === 'r' || text[at] === 'R') {
    raw = true;
    at++;
  }
  const quote = text[at];
  if (quote !== '"' && quote !== "'") return undefined;
  const triple = text.startsWith(quote.repeat(3), at);
  const close = triple ? quote.repeat(3) : quote;
  at += close.length;
  let value = '';
  while (at < text.length) {
    if (text.startsWith(close, at)) return { value, end: at + close.length };
    const ch = text[at] as string;
    if (ch === '\\' && !raw) {
      const next = text[at + 1] ?? '';
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '`': '`', '?': '?', a: '\x07', b: '\b', f: '\f', v: '\v' };
      if (next in simple) {
        value += simple[next];
        at += 2;
        continue;
      }
      const hex = /^(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|[xX]([0-9a-fA-F]{2}))/.exec(text.slice(at + 1));
      if (hex) {
        value += String.fromCodePoint(parseInt((hex[1] ?? hex[2] ?? hex[3]) as string, 16));
        at += 1 + hex[0].length;
        continue;
      }
      value += next;
      at += 2;
      continue;
    }
    value += ch;
    at++;
  }
  return undefined;
}

/** Whether the nearest non-space character before `i` is a `.` (a method call, not the global function). */
function afterDot(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && /\s/.test(text[j] as string)) j--;
  return j >= 0 && text[j] === '.';
}

export function namedCalls(expression: string): NamedCalls {
  const found: NamedCalls = { lookups: [], refs: [] };
  const text = expression;
  let i = 0;
  while (i < text.length) {
    const literal = /[rR]?['"]/y;
    literal.lastIndex = i;
    if (literal.test(text) && (i === 0 || !/[\w$]/.test(text[i - 1] as string))) {
      const s = stringAt(text, i);
      i = s ? s.end : text.length;
      continue;
    }
    const call = /(lookup|ref)\s*\(\s*/y;
    call.lastIndex = i;
    const m = call.exec(text);
    if (m && (i === 0 || !/[\w$]/.test(text[i - 1] as string)) && !afterDot(text, i)) {
      const arg = stringAt(text, i + m[0].length);
      if (arg) (m[1] === 'lookup' ? found.lookups : found.refs).push(arg.value);
      i += m[0].length;
      continue;
    }
    i++;
  }
  return found;
}
