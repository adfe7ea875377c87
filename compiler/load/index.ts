/**
 * Phase 1, load (SS1xxx): bytes → text → YAML documents with positions → identified spec documents.
 * Every problem is a diagnostic; nothing here throws for any input.
 */
import type { Diagnostic, Pos, SourceRange } from '../diagnostics/diagnostic.ts';
import type { DataPath, Kind, LoadedDocument } from '../model.ts';
import { identify } from './kind.ts';
import { LineIndex } from './position.ts';
import { decodeSpecBytes, MAX_FILE_BYTES, readSpecFile } from './read.ts';
import { createRequire } from 'node:module';
import { BlockLayout } from './block-positions.ts';
import { fastValues } from './fast.ts';
import type * as YamlDocModule from './yaml-doc.ts';
import type { ParsedYamlDocument, YamlPositions } from './yaml-doc.ts';

// The precise loader (and the `yaml` package under it) is loaded on first use: a clean repository read
// entirely by the fast path never pays for it.
const requireHere = createRequire(import.meta.url);
let yamlDoc: typeof YamlDocModule | undefined;
const precise = (): typeof YamlDocModule => (yamlDoc ??= requireHere('./yaml-doc.ts') as typeof YamlDocModule);

export { collectFiles, MAX_FILE_BYTES } from './read.ts';

export interface FileLoad {
  file: string;
  /** The file's text (for reporters that print source lines); undefined when it could not be read as text. */
  text: string | undefined;
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
  /** True when the file could not be read at all (exit 2 territory). */
  ioError: boolean;
}

export interface LoadOptions {
  maxBytes?: number;
  /** Read with js-yaml first and compute positions only when asked (default true); false forces the precise loader. */
  fast?: boolean;
}

export function loadFile(file: string, cwd: string, options: LoadOptions = {}): FileLoad {
  const read = readSpecFile(file, cwd, options.maxBytes ?? MAX_FILE_BYTES);
  if ('problem' in read) return { file, text: undefined, documents: [], diagnostics: [read.problem], ioError: read.io };
  return loadText(file, read.text, options);
}

export function loadBytes(file: string, bytes: Uint8Array, options: LoadOptions = {}): FileLoad {
  const read = decodeSpecBytes(file, bytes, options.maxBytes ?? MAX_FILE_BYTES);
  if ('problem' in read) return { file, text: undefined, documents: [], diagnostics: [read.problem], ioError: false };
  return loadText(file, read.text, options);
}

export function loadText(file: string, text: string, options: LoadOptions = {}): FileLoad {
  if (options.fast !== false) {
    const fast = loadFast(file, text);
    if (fast) return fast;
  }
  const lines = new LineIndex(text);
  const documents: LoadedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const parsed of precise().parseYamlText(file, lines)) {
    diagnostics.push(...parsed.diagnostics);
    if (!('value' in parsed) || parsed.diagnostics.some((d) => d.severity === 'error')) continue;
    const positions = parsed.positions;
    const id = identify(parsed.value, (p, part) => positions.locate(p, part));
    if ('code' in id) {
      diagnostics.push(id);
      continue;
    }
    documents.push(new SpecDocument(file, parsed.index, id.kind, id.apiVersion, id.name, parsed.value, () => positions));
  }
  return { file, text, documents, diagnostics, ioError: false };
}

/** Values from js-yaml; the `yaml` Document (positions) is built on the first locate() of any document of the file. */
function loadFast(file: string, text: string): FileLoad | undefined {
  const values = fastValues(text);
  if (!values) return undefined;
  // One line index for both readers of positions, built when either first needs it.
  let lines: LineIndex | undefined;
  const lineIndex = (): LineIndex => (lines ??= new LineIndex(text));
  const positionsOf = lazyPositions(file, lineIndex);
  const quick = quickStarts(text, lineIndex);
  const documents: LoadedDocument[] = [];
  for (const [index, value] of values.entries()) {
    // A document that is not a known kind is reported by the precise loader, with positions.
    const id = identify(value, () => NO_RANGE);
    if ('code' in id) return undefined;
    documents.push(new SpecDocument(file, index, id.kind, id.apiVersion, id.name, value, positionsOf, quick));
  }
  return { file, text, documents, diagnostics: [], ioError: false };
}

function lazyPositions(file: string, lineIndex: () => LineIndex): (index: number) => YamlPositions {
  let parsed: ParsedYamlDocument[] | undefined;
  const positionsOf = (index: number): YamlPositions => {
    parsed ??= precise().parseYamlText(file, lineIndex());
    const direct = parsed[index];
    const found = (direct?.index === index ? direct : parsed.find((p) => p.index === index)) ?? parsed[0];
    return found ? found.positions : new (precise().YamlPositions)(file, lineIndex(), undefined);
  };
  return positionsOf;
}

/** Value starts read off the text's lines (block-positions.ts), or undefined where only the parser can tell. */
function quickStarts(text: string, lineIndex: () => LineIndex): (index: number, path: DataPath) => Pos | undefined {
  const layout = new BlockLayout(text);
  return (index, path) => {
    const offset = layout.valueStart(index, path);
    return offset === undefined ? undefined : lineIndex().pos(offset);
  };
}

const NO_RANGE: SourceRange = { file: '', start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } };

/** A loaded document; its positions come from a function, so the fast path can build them on first use. */
class SpecDocument implements LoadedDocument {
  readonly file: string;
  readonly index: number;
  readonly kind: Kind;
  readonly apiVersion: string;
  readonly name: string | undefined;
  readonly value: unknown;
  readonly #positions: (index: number) => YamlPositions;
  readonly #quickStart: ((index: number, path: DataPath) => Pos | undefined) | undefined;

  constructor(
    file: string,
    index: number,
    kind: Kind,
    apiVersion: string,
    name: string | undefined,
    value: unknown,
    positions: (index: number) => YamlPositions,
    quickStart?: (index: number, path: DataPath) => Pos | undefined,
  ) {
    this.file = file;
    this.index = index;
    this.kind = kind;
    this.apiVersion = apiVersion;
    this.name = name;
    this.value = value;
    this.#positions = positions;
    this.#quickStart = quickStart;
  }

  locate(path: DataPath, part: 'key' | 'value' = 'value'): SourceRange {
    return this.#positions(this.index).locate(path, part);
  }

  locateInScalar(path: DataPath, index: number): Pos {
    return this.#positions(this.index).locateInScalar(path, index);
  }

  valueStart(path: DataPath): Pos {
    return this.#quickStart?.(this.index, path) ?? this.locate(path).start;
  }
}
