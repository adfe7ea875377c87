/**
 * The precise loader: the `yaml` package's Document model keeps every node's source range, which is what turns
 * a data path (from ajv or a semantic check) back into file:line:col.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Diagnostic, Pos, SourceRange } from '../diagnostics/diagnostic.ts';
import type { DataPath } from '../model.ts';
import type { LineIndex } from './position.ts';
import { mapScalar, type ScalarMap, type ScalarStyle } from './scalar-map.ts';

/** Nodes that alias expansion may add to one document; far above any real spec, far below a memory problem. */
export const MAX_ALIAS_EXPANSION = 10_000;

export const PARSE_OPTIONS = {
  schema: 'core',
  merge: false,
  resolveKnownTags: false, // !!binary, !!set, !!timestamp would make non-JSON values: read them as strings, with a warning
  // Duplicate keys are found by duplicateKeys() below: the parser's own check compares every key with every
  // earlier one (quadratic; seconds for a lookup table with 20,000 entries).
  uniqueKeys: false,
  keepSourceTokens: true,
  prettyErrors: false,
  strict: true,
  logLevel: 'error', // never print to the console: problems are diagnostics
} as const;

type YamlDoc = Document.Parsed;

export interface ParsedYamlDocument {
  index: number;
  /** Undefined when the document has errors (they are in `diagnostics`) or is empty. */
  value?: unknown;
  positions: YamlPositions;
  diagnostics: Diagnostic[];
}

export function parseYamlText(file: string, lines: LineIndex): ParsedYamlDocument[] {
  const text = lines.text;
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const list: YamlDoc[] = Array.isArray(docs) ? docs : [];
  const out: ParsedYamlDocument[] = [];
  list.forEach((doc, index) => {
    const positions = new YamlPositions(file, lines, doc);
    const diagnostics: Diagnostic[] = [];
    for (const e of doc.errors) {
      const [start, end] = e.pos;
      const range = lines.range(file, start, Math.max(end, start + 1));
      if (e.code === 'TAB_AS_INDENT') {
        diagnostics.push({ code: 'SS1002', severity: 'error', summary: 'Tab character used for indentation', detail: 'YAML indentation must use spaces; replace the tab with spaces.', range });
      } else if (e.code === 'MISSING_CHAR' && /quote/i.test(e.message)) {
        // The parser notices at the end of the file; the useful place is the quote that was never closed.
        const open = unclosedQuoteStart(doc, start);
        diagnostics.push({ code: 'SS1001', severity: 'error', summary: 'YAML syntax error: this quoted string is never closed', detail: 'Add the closing quote; everything up to the end of the file was read as part of the string.', range: open === undefined ? range : lines.range(file, open, open + 1) });
      } else if (e.code === 'RESOURCE_EXHAUSTION') {
        diagnostics.push({ code: 'SS1001', severity: 'error', summary: 'YAML nesting is too deep to read', detail: 'The parser ran out of stack in deeply nested brackets or indentation starting here; a spec is never nested this deeply.', range });
      } else {
        diagnostics.push({ code: 'SS1001', severity: 'error', summary: `YAML syntax error: ${firstLine(e.message)}`, detail: `The YAML parser reports ${e.code}.`, range });
      }
    }
    diagnostics.push(...duplicateKeys(doc, file, lines));
    for (const w of doc.warnings) {
      diagnostics.push({ code: 'SS1013', severity: 'warning', summary: `YAML warning: ${firstLine(w.message)}`, range: lines.range(file, w.pos[0], Math.max(w.pos[1], w.pos[0] + 1)) });
    }
    if (diagnostics.some((d) => d.severity === 'error')) {
      out.push({ index, positions, diagnostics });
      return;
    }
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null && contents.range !== undefined && contents.range !== null && contents.range[0] === contents.range[1])) {
      const at = doc.range[0];
      diagnostics.push({ code: 'SS1012', severity: 'warning', summary: list.length > 1 ? `Document ${index + 1} is empty` : 'File has no content', range: lines.range(file, at, at) });
      out.push({ index, positions, diagnostics });
      return;
    }
    const bomb = checkAliases(doc, file, lines);
    if (bomb) {
      diagnostics.push(bomb);
      out.push({ index, positions, diagnostics });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: -1 });
    } catch (err) {
      const at = contents.range?.[0] ?? 0;
      diagnostics.push({ code: 'SS1001', severity: 'error', summary: `YAML could not be read: ${firstLine(err instanceof Error ? err.message : String(err))}`, range: lines.range(file, at, lines.lineEnd(at)) });
      out.push({ index, positions, diagnostics });
      return;
    }
    out.push({ index, value, positions, diagnostics });
  });
  if (list.length === 0) {
    out.push({ index: 0, positions: new YamlPositions(file, lines, undefined), diagnostics: [{ code: 'SS1012', severity: 'warning', summary: 'File has no content', range: lines.range(file, 0, 0) }] });
  }
  return out;
}

/** Start of the quoted scalar that runs into the error position (the parser's own tokens, not a text search). */
function unclosedQuoteStart(doc: YamlDoc, errorAt: number): number | undefined {
  let best: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const r = node.range;
      if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && r && r[0] < errorAt && r[1] >= errorAt && (best === undefined || r[0] > best)) best = r[0];
    },
  });
  return best;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}

/**
 * Keys that occur twice in one mapping, reported at the second occurrence. Keys are compared as the plain data
 * will hold them (`1` and `"1"` are the same property there), with one hash set per mapping.
 */
function duplicateKeys(doc: YamlDoc, file: string, lines: LineIndex): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const p of node.items) {
        const k = keyString(p.key);
        const r = (p.key as Node | null)?.range;
        if (k !== undefined && keys.has(k) && r) {
          out.push({ code: 'SS1003', severity: 'error', summary: `Duplicate key "${k}"`, detail: 'A key may appear only once in a mapping; this is its second occurrence. Remove one, or merge the two values.', range: lines.range(file, r[0], r[1]) });
        }
        if (k !== undefined) keys.add(k);
        walk(p.key);
        walk(p.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(doc.contents);
  return out;
}

/** Counts the nodes alias expansion would create (with memoised sizes, so the count itself stays cheap). */
function checkAliases(doc: YamlDoc, file: string, lines: LineIndex): Diagnostic | undefined {
  const sizes = new Map<unknown, number>();
  const inProgress = new Set<unknown>();
  let expanded = 0;
  let unresolved: Diagnostic | undefined;
  let culprit: { start: number; end: number; name: string; recursive: boolean } | undefined;

  const size = (node: unknown): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target || inProgress.has(target)) return Number.POSITIVE_INFINITY;
      return size(target);
    }
    const known = sizes.get(node);
    if (known !== undefined) return known;
    inProgress.add(node);
    let n = 1;
    if (isMap(node)) for (const p of node.items) n += size(p.key) + size(p.value);
    else if (isSeq(node)) for (const item of node.items) n += size(item);
    inProgress.delete(node);
    sizes.set(node, n);
    return n;
  };

  const visit = (node: unknown): void => {
    if (culprit) return;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        const r = node.range ?? [0, 0];
        unresolved ??= { code: 'SS1011', severity: 'error', summary: `Alias *${node.source} has no anchor &${node.source} before it`, detail: 'Anchors are local to one YAML document and must be defined before the alias that uses them.', range: lines.range(file, r[0], r[1]) };
        return;
      }
      inProgress.clear();
      const n = size(target);
      expanded += n;
      if (expanded > MAX_ALIAS_EXPANSION) {
        const r = node.range ?? [0, 0];
        culprit = { start: r[0], end: r[1], name: node.source, recursive: n === Number.POSITIVE_INFINITY };
      }
      return;
    }
    if (isMap(node)) for (const p of node.items) (visit(p.key), visit(p.value));
    else if (isSeq(node)) for (const item of node.items) visit(item);
  };
  visit(doc.contents);
  if (!culprit) return unresolved;
  return {
    code: 'SS1004',
    severity: 'error',
    summary: culprit.recursive
      ? `Alias *${culprit.name} refers to a node that contains it, so it expands without end`
      : `Aliases expand to more than ${MAX_ALIAS_EXPANSION} nodes (at *${culprit.name})`,
    detail: 'Nested anchors and aliases multiply on expansion (the "billion laughs" pattern). Write the content out or use fewer alias levels.',
    range: lines.range(file, culprit.start, culprit.end),
  };
}

interface Found {
  node: Node | null;
  pair: Pair | undefined;
  /** True when the whole path was found. */
  complete: boolean;
}

/** Data path → YAML node and source ranges. */
export class YamlPositions {
  readonly file: string;
  readonly lines: LineIndex;
  readonly doc: YamlDoc | undefined;
  readonly #scalarMaps = new Map<Node, ScalarMap | null>();
  readonly #pairIndex = new Map<YAMLMap, Map<string, Pair>>();

  constructor(file: string, lines: LineIndex, doc: YamlDoc | undefined) {
    this.file = file;
    this.lines = lines;
    this.doc = doc;
  }

  find(path: DataPath): Found {
    let node: Node | null = (this.doc?.contents ?? null) as Node | null;
    let pair: Pair | undefined;
    for (const seg of path) {
      const resolved = this.#deref(node);
      let next: { node: Node | null; pair: Pair | undefined } | undefined;
      if (isMap(resolved)) {
        const p = this.#pairs(resolved).get(String(seg));
        if (p) next = { node: (p.value ?? null) as Node | null, pair: p };
      } else if (isSeq(resolved)) {
        const i = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
        const item = i >= 0 ? resolved.items[i] : undefined;
        if (item !== undefined) next = { node: (item ?? null) as Node | null, pair: undefined };
      }
      if (!next) return { node, pair, complete: false };
      if (next.node === null && next.pair) return { node: null, pair: next.pair, complete: true };
      node = next.node;
      pair = next.pair;
    }
    return { node, pair, complete: true };
  }

  /** Key → pair of a mapping, built once per mapping (a document with thousands of keys is located often). */
  #pairs(map: YAMLMap): Map<string, Pair> {
    let index = this.#pairIndex.get(map);
    if (!index) {
      index = new Map();
      for (const it of map.items) {
        const k = isPair(it) ? keyString(it.key) : undefined;
        if (k !== undefined && !index.has(k)) index.set(k, it);
      }
      this.#pairIndex.set(map, index);
    }
    return index;
  }

  #deref(node: Node | null): Node | null {
    if (node && isAlias(node) && this.doc) return (node.resolve(this.doc) ?? null) as Node | null;
    return node;
  }

  locate(path: DataPath, part: 'key' | 'value' = 'value'): SourceRange {
    const found = this.find(path);
    const { lines, file } = this;
    if (part === 'key' && found.pair && isScalar(found.pair.key) && found.pair.key.range) {
      const r = found.pair.key.range;
      return lines.range(file, r[0], r[1]);
    }
    if (part === 'key' && found.pair && found.pair.key && (found.pair.key as Node).range) {
      const r = (found.pair.key as Node).range ?? [0, 0];
      return lines.range(file, r[0], r[1]);
    }
    const r = found.node?.range;
    if (r && r[1] > r[0]) return lines.range(file, r[0], trimTrailingSpace(lines.text, r[0], r[1]));
    if (found.pair && found.pair.key && (found.pair.key as Node).range) {
      const kr = (found.pair.key as Node).range ?? [0, 0];
      return lines.range(file, kr[0], kr[1]);
    }
    const start = r?.[0] ?? this.doc?.contents?.range[0] ?? 0;
    return lines.range(file, start, Math.max(start, lines.lineEnd(start)));
  }

  locateInScalar(path: DataPath, index: number): Pos {
    const found = this.find(path);
    const node = this.#deref(found.node);
    const fallback = (): Pos => this.lines.pos(node?.range?.[0] ?? this.locate(path).start.offset);
    if (!found.complete || !node || !isScalar(node) || typeof node.value !== 'string' || !node.range) return fallback();
    let map = this.#scalarMaps.get(node);
    if (map === undefined) {
      const style = node.type as ScalarStyle | undefined;
      const indent = (node.srcToken as { indent?: number } | undefined)?.indent ?? 0;
      const m = style ? mapScalar(this.lines.text, node.range[0], node.range[1], style, indent) : undefined;
      map = m && m.value === node.value ? m : null;
      this.#scalarMaps.set(node, map);
    }
    if (!map) return fallback();
    const i = Math.max(0, Math.min(Math.trunc(index), map.offsets.length - 1));
    return this.lines.pos(map.offsets[i] ?? node.range[0]);
  }
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return undefined;
}

function trimTrailingSpace(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(text.charAt(e - 1))) e--;
  return e;
}
