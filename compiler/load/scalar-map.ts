/**
 * Maps each UTF-16 index of a YAML scalar's parsed value back to the offset in the file it came from, through
 * the folding rules of plain, single- and double-quoted flow scalars (escapes included) and of literal `|` and
 * folded `>` block scalars. This lets a problem found at character i of a CEL expression point at the exact
 * column in the YAML file. The rebuilt value is compared with the parser's value by the caller; when they differ
 * (a construct this mapper does not model) the caller falls back to the scalar's start, never a wrong column.
 */

export type ScalarStyle = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

export interface ScalarMap {
  /** The value rebuilt from source. */
  value: string;
  /** offsets[i] = file offset of the source text that produced value[i]; one extra entry for the end. */
  offsets: number[];
}

interface Token {
  text: string;
  offset: number;
  /** Raw source whitespace (foldable); escape-produced whitespace is not. */
  space: boolean;
}

/** `start`/`end` bound the scalar's source (quotes and block header included); `parentIndent` is the CST indent. */
export function mapScalar(src: string, start: number, end: number, style: ScalarStyle, parentIndent: number): ScalarMap | undefined {
  switch (style) {
    case 'PLAIN':
      return foldFlow(splitLines(src, start, end).map((l) => ({ tokens: rawTokens(src, l.start, l.end), escapedBreak: false, breakAt: l.breakAt })), end);
    case 'QUOTE_SINGLE':
      return foldFlow(splitLines(src, start + 1, end - 1).map((l) => ({ tokens: singleTokens(src, l.start, l.end), escapedBreak: false, breakAt: l.breakAt })), end - 1);
    case 'QUOTE_DOUBLE': {
      const lines = [];
      for (const l of splitLines(src, start + 1, end - 1)) {
        const decoded = doubleTokens(src, l.start, l.end);
        if (!decoded) return undefined;
        lines.push({ ...decoded, breakAt: l.breakAt });
      }
      return foldFlow(lines, end - 1);
    }
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED':
      return mapBlock(src, start, end, style === 'BLOCK_FOLDED', parentIndent);
  }
}

interface Line {
  start: number;
  /** End of content, before `\r\n` or `\n`. */
  end: number;
  /** Offset of the line break after the line (or the end). */
  breakAt: number;
}

function splitLines(src: string, start: number, end: number): Line[] {
  const lines: Line[] = [];
  let at = start;
  for (;;) {
    let nl = src.indexOf('\n', at);
    if (nl === -1 || nl >= end) nl = end;
    let contentEnd = nl;
    if (nl < end && contentEnd > at && src.charCodeAt(contentEnd - 1) === 13) contentEnd--;
    lines.push({ start: at, end: contentEnd, breakAt: contentEnd });
    if (nl >= end) return lines;
    at = nl + 1;
  }
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t';

function rawTokens(src: string, start: number, end: number): Token[] {
  const out: Token[] = [];
  for (let i = start; i < end; i++) out.push({ text: src.charAt(i), offset: i, space: isSpace(src.charAt(i)) });
  return out;
}

function singleTokens(src: string, start: number, end: number): Token[] {
  const out: Token[] = [];
  for (let i = start; i < end; i++) {
    const c = src.charAt(i);
    out.push({ text: c, offset: i, space: isSpace(c) });
    if (c === "'" && src.charAt(i + 1) === "'") i++;
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

function doubleTokens(src: string, start: number, end: number): { tokens: Token[]; escapedBreak: boolean } | undefined {
  const tokens: Token[] = [];
  for (let i = start; i < end; i++) {
    const c = src.charAt(i);
    if (c !== '\\') {
      tokens.push({ text: c, offset: i, space: isSpace(c) });
      continue;
    }
    if (i + 1 >= end) return { tokens, escapedBreak: true };
    const e = src.charAt(i + 1);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      tokens.push({ text: simple, offset: i, space: false });
      i++;
      continue;
    }
    const width = HEX_ESCAPES[e];
    if (width === undefined) return undefined;
    const hex = src.slice(i + 2, i + 2 + width);
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) return undefined;
    const cp = Number.parseInt(hex, 16);
    if (cp > 0x10ffff) return undefined;
    for (const unit of String.fromCodePoint(cp).split('')) tokens.push({ text: unit, offset: i, space: false });
    i += 1 + width;
  }
  return { tokens, escapedBreak: false };
}

/** YAML flow folding: trim around breaks; one break → space, n empty lines → n newlines; `\` at EOL joins. */
function foldFlow(lines: { tokens: Token[]; escapedBreak: boolean; breakAt: number }[], endOffset: number): ScalarMap {
  const value: string[] = [];
  const offsets: number[] = [];
  const emit = (t: Token): void => {
    value.push(t.text);
    offsets.push(t.offset);
  };
  const last = lines.length - 1;
  let empties: number[] = [];
  let prevEscaped = false;
  let prevBreakOffset = 0;
  lines.forEach((line, i) => {
    let toks = line.tokens;
    if (i > 0) toks = trimStart(toks);
    if (i < last && !line.escapedBreak) toks = trimEnd(toks);
    const lineStart = line.tokens[0]?.offset ?? prevBreakOffset;
    if (i > 0 && i < last && toks.length === 0 && !line.escapedBreak) {
      empties.push(lineStart);
      return;
    }
    if (i > 0) {
      if (empties.length > 0) for (const o of empties) emit({ text: '\n', offset: o, space: false });
      else if (!prevEscaped) emit({ text: ' ', offset: prevBreakOffset, space: false });
      empties = [];
    }
    for (const t of toks) emit(t);
    prevEscaped = line.escapedBreak;
    prevBreakOffset = line.breakAt;
  });
  offsets.push(endOffset);
  return { value: value.join(''), offsets };
}

function trimStart(toks: Token[]): Token[] {
  let i = 0;
  while (i < toks.length && toks[i]?.space) i++;
  return toks.slice(i);
}
function trimEnd(toks: Token[]): Token[] {
  let j = toks.length;
  while (j > 0 && toks[j - 1]?.space) j--;
  return toks.slice(0, j);
}

function mapBlock(src: string, start: number, end: number, folded: boolean, parentIndent: number): ScalarMap | undefined {
  let headerEnd = src.indexOf('\n', start);
  if (headerEnd === -1 || headerEnd >= end) return { value: '', offsets: [end] };
  let explicit = 0;
  let chomp: 'clip' | 'strip' | 'keep' = 'clip';
  for (let i = start + 1; i < headerEnd; i++) {
    const c = src.charAt(i);
    if (c === '-') chomp = 'strip';
    else if (c === '+') chomp = 'keep';
    else if (c >= '1' && c <= '9') explicit = Number(c);
    else break;
  }
  const body = splitLines(src, headerEnd + 1, end);
  if (body.length > 0 && body[body.length - 1]?.start === end) body.pop();
  let indent = explicit > 0 ? Math.max(parentIndent, 0) + explicit : -1;
  if (indent < 0) {
    const first = body.find((l) => !/^ *$/.test(src.slice(l.start, l.end)));
    // With no content line, every line is an empty line whatever its spaces.
    indent = first ? leadingSpaces(src, first.start, first.end) : Math.max(0, ...body.map((l) => l.end - l.start));
  }
  const value: string[] = [];
  const offsets: number[] = [];
  const emit = (text: string, offset: number): void => {
    value.push(text);
    offsets.push(offset);
  };
  let pendingBreaks: number[] = [];
  let lastBreak = headerEnd;
  let prev: 'none' | 'normal' | 'more' = 'none';
  for (const line of body) {
    const width = line.end - line.start;
    const isEmpty = width <= indent && /^ *$/.test(src.slice(line.start, line.end));
    if (isEmpty) {
      pendingBreaks.push(line.start);
      continue;
    }
    const contentStart = line.start + Math.min(indent, width);
    const kind = isSpace(src.charAt(contentStart)) ? 'more' : 'normal';
    if (prev === 'none') {
      for (const o of pendingBreaks) emit('\n', o);
    } else if (folded && prev === 'normal' && kind === 'normal') {
      if (pendingBreaks.length === 0) emit(' ', lastBreak);
      else for (const o of pendingBreaks) emit('\n', o);
    } else {
      emit('\n', lastBreak);
      for (const o of pendingBreaks) emit('\n', o);
    }
    pendingBreaks = [];
    for (let i = contentStart; i < line.end; i++) emit(src.charAt(i), i);
    lastBreak = line.breakAt;
    prev = kind;
  }
  if (prev !== 'none' && chomp !== 'strip') emit('\n', lastBreak);
  if (chomp === 'keep') for (const o of pendingBreaks) emit('\n', o);
  // "Just past the value" is just past its last visible character, not the start of the line after the block.
  let last = value.length - 1;
  while (last >= 0 && value[last] === '\n') last--;
  offsets.push(last >= 0 ? (offsets[last] ?? end) + 1 : end);
  return { value: value.join(''), offsets };
}
function leadingSpaces(src: string, start: number, end: number): number {
  let n = 0;
  while (start + n < end && src.charCodeAt(start + n) === 32) n++;
  return n;
}
