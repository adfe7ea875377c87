/**
 * Where a value starts, read off the lines of a block-style YAML document without parsing it. `generate`
 * writes the `file:line:col` of every mapping into the code, and building a `yaml` Document only for those
 * positions was most of its time (1,000 specs: 2.1–2.3 s of 3.1–3.3 s). This reads the layout specs are
 * written in — block mappings with plain keys, block sequences, values on the key's line or indented below
 * — and answers undefined for anything else (flow collections on the path, quoted or odd keys, anchors,
 * aliases, tags, document markers with content, carriage returns), where the caller asks the precise parser.
 * A test compares both on every node of every YAML file in the repository and on random documents.
 */
import type { DataPath } from '../model.ts';

interface Line {
  /** Offset of the line's first character. */
  start: number;
  /** Offset of its first character that is not a space (the end of the line when blank). */
  content: number;
  /** Offset of its end (the `\n`, or the end of the text). */
  end: number;
}

/** A block node whose children are listed at one column: from `line` (whose `column` is `at`) on. */
interface Block {
  line: number;
  column: number;
  at: number;
}

/** What a value is, as far as paths go on into it: a block node, a one-line flow mapping (`{` at `flow`), or neither. */
type Found = { value: number; block: Block | undefined; flow?: number };

/** Plain keys the scanner reads as `yaml` does: no quotes, indicators, spaces before the colon or `: ` inside. */
const PLAIN_KEY = /^[A-Za-z0-9_$\u0080-\uffff][A-Za-z0-9_$.\/\-\u0080-\uffff]*:(?: |$)/;

export class BlockLayout {
  readonly #text: string;
  #lines: Line[] | undefined;
  #docs: [number, number][] | null | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  /** Offset where the value at `path` of document `docIndex` starts; undefined when the layout is not one read here. */
  valueStart(docIndex: number, path: DataPath): number | undefined {
    const text = this.#text;
    if (this.#docs === undefined) this.#docs = text.includes('\r') ? null : documentLines(text, (this.#lines = splitLines(text))) ?? null;
    const doc = this.#docs?.[docIndex];
    const lines = this.#lines;
    if (!doc || !lines) return undefined;
    const [first, last] = doc;
    const root = firstContent(text, lines, first, last);
    if (root === undefined) return undefined;
    const rootLine = lines[root] as Line;
    if (rootLine.content !== rootLine.start) return undefined;
    let at: Found = { value: rootLine.content, block: { line: root, column: 0, at: rootLine.content } };
    for (const seg of path) {
      let next: Found | undefined;
      if (at.block) next = typeof seg === 'number' ? item(text, lines, at.block, last, seg) : entry(text, lines, at.block, last, seg);
      else if (at.flow !== undefined && typeof seg === 'string') next = flowEntry(text, at.flow, seg);
      if (!next) return undefined;
      at = next;
    }
    return at.value;
  }
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  for (;;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    let content = start;
    while (content < end && text.charCodeAt(content) === 32) content++;
    out.push({ start, content, end });
    if (end === text.length) return out;
    start = end + 1;
  }
}

/** Lines [first, last] of each document (documents without content are not counted, as the parsers skip them). */
function documentLines(text: string, lines: readonly Line[]): [number, number][] | undefined {
  const docs: [number, number][] = [];
  let from = 0;
  const close = (to: number): void => {
    if (firstContent(text, lines, from, to) !== undefined) docs.push([from, to]);
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as Line;
    const s = text.slice(l.start, l.end);
    if (s.startsWith('---') || s.startsWith('...')) {
      // A marker followed by content or by anything but a comment is left to the parser.
      if (!/^(?:---|\.\.\.)\s*(?:#.*)?$/.test(s)) return undefined;
      close(i - 1);
      from = i + 1;
    }
  }
  close(lines.length - 1);
  return docs;
}

const isComment = (text: string, l: Line): boolean => l.content < l.end && text.charCodeAt(l.content) === 35;
const isBlank = (l: Line): boolean => l.content === l.end;

function firstContent(text: string, lines: readonly Line[], from: number, to: number): number | undefined {
  for (let i = from; i <= to; i++) {
    const l = lines[i] as Line;
    if (!isBlank(l) && !isComment(text, l)) return i;
  }
  return undefined;
}

/** Whether a sequence item starts at `at` (`-` then a space or the end of the line). */
const isItemStart = (text: string, l: Line, at: number): boolean => text.charCodeAt(at) === 45 && (at + 1 === l.end || text.charCodeAt(at + 1) === 32);

/**
 * The lines of block `b` at its column, as line number and offset of their content (on the first line, `b.at`,
 * which may follow `- `): deeper lines, blank lines and comments are skipped, and a line left of the column ends it.
 */
function* children(text: string, lines: readonly Line[], b: Block, last: number): Generator<{ i: number; l: Line; at: number }> {
  for (let i = b.line; i <= last; i++) {
    const l = lines[i] as Line;
    if (i === b.line) {
      yield { i, l, at: b.at };
      continue;
    }
    if (isBlank(l) || isComment(text, l)) continue;
    const col = l.content - l.start;
    if (col < b.column) return;
    if (col === b.column) yield { i, l, at: l.content };
  }
}

/** The value of `key` in the block mapping `b`. */
function entry(text: string, lines: readonly Line[], b: Block, last: number, key: string): Found | undefined {
  for (const { i, l, at } of children(text, lines, b, last)) {
    // A block sequence may sit at its key's column: its items belong to that key.
    if (isItemStart(text, l, at)) continue;
    const head = PLAIN_KEY.exec(text.slice(at, l.end));
    if (!head) return undefined;
    const name = head[0].slice(0, head[0].indexOf(':'));
    if (name === key) return valueAfter(text, lines, i, at + name.length + 1, b.column, last);
  }
  return undefined;
}

/** Item `index` of the block sequence `b`. */
function item(text: string, lines: readonly Line[], b: Block, last: number, index: number): Found | undefined {
  let n = -1;
  for (const { i, l, at } of children(text, lines, b, last)) {
    if (!isItemStart(text, l, at)) return undefined;
    if (++n === index) return valueAfter(text, lines, i, at + 1, b.column, last, true);
  }
  return undefined;
}

/**
 * The value that follows an indicator (`key:` or `-`) ending before `from` on line `i`: on that line, or the
 * block below it. `inItem`: after `- `, where a `key: value` on the same line opens a mapping.
 */
function valueAfter(text: string, lines: readonly Line[], i: number, from: number, column: number, last: number, inItem = false): Found | undefined {
  const l = lines[i] as Line;
  let at = from;
  while (at < l.end && text.charCodeAt(at) === 32) at++;
  if (at < l.end && text.charCodeAt(at) !== 35) {
    const c = text[at] as string;
    // Anchors, aliases, tags and explicit keys are the parser's.
    if ('&*!?%@`'.includes(c)) return undefined;
    if (inItem && (c === '-' ? isItemStart(text, l, at) : PLAIN_KEY.test(text.slice(at, l.end)))) {
      // `- key: value` or `- - x`: a mapping or sequence starting on the item's line, at this column.
      return { value: at, block: { line: i, column: at - l.start, at } };
    }
    // A scalar or a flow collection on the line: where it starts; a flow mapping's entries are read on.
    return c === '{' ? { value: at, block: undefined, flow: at } : { value: at, block: undefined };
  }
  // Nothing (or a comment) after the indicator: the value is the block on the lines below.
  const next = firstContent(text, lines, i + 1, last);
  if (next === undefined) return undefined;
  const n = lines[next] as Line;
  const col = n.content - n.start;
  const seqHere = !inItem && col === column && isItemStart(text, n, n.content);
  if (col <= column && !seqHere) return undefined;
  if ('&*!?%@`'.includes(text[n.content] as string)) return undefined;
  return { value: n.content, block: { line: next, column: col, at: n.content } };
}

/** Plain keys in a flow mapping: as in a block, ended by `:` and a space. */
const FLOW_KEY = /[A-Za-z0-9_$\u0080-\uffff][A-Za-z0-9_$.\/\-\u0080-\uffff]*(?=: )/y;

/**
 * The value of `key` in the flow mapping opening at `open`, read only when the whole mapping is on that line
 * with plain keys and scalar values (quoted or plain); undefined for anything else (nesting, multi-line).
 */
function flowEntry(text: string, open: number, key: string): Found | undefined {
  let end = text.indexOf('\n', open);
  if (end === -1) end = text.length;
  let i = open + 1;
  const spaces = (): void => {
    while (i < end && text.charCodeAt(i) === 32) i++;
  };
  for (;;) {
    spaces();
    if (i >= end || text[i] === '}') return undefined;
    FLOW_KEY.lastIndex = i;
    const k = FLOW_KEY.exec(text);
    if (!k) return undefined;
    i += k[0].length + 1;
    spaces();
    const value = i;
    const c = text[i];
    if (c === "'") {
      for (i++; ; i++) {
        if (i >= end) return undefined;
        if (text[i] === "'") {
          if (text[i + 1] === "'") i++;
          else break;
        }
      }
      i++;
    } else if (c === '"') {
      for (i++; ; i++) {
        if (i >= end) return undefined;
        if (text[i] === '\\') i++;
        else if (text[i] === '"') break;
      }
      i++;
    } else {
      // A plain scalar: up to the next `,` or `}` (brackets, `#`, `:`, indicators and empty values are the parser's).
      if (c === undefined || '{}[],#&*!|>%@`?:-'.includes(c)) return undefined;
      while (i < end && text[i] !== ',' && text[i] !== '}') {
        if ('{[]#'.includes(text[i] as string) || (text[i] === ':' && (text[i + 1] === ' ' || text[i + 1] === ','))) return undefined;
        i++;
      }
    }
    if (k[0] === key) return { value, block: undefined };
    spaces();
    if (text[i] === ',') i++;
    else return undefined;
  }
}
