/**
 * load → validate → check over a set of paths. Diagnostics accumulate across files and phases; a document
 * with schema errors is not given to the semantic checks (they would only repeat the schema's complaint).
 * Never throws: a failure inside a phase becomes an SS1015 diagnostic naming the phase and the file.
 */
import { checkRepo } from './check/index.ts';
import { sortDiagnostics, type Diagnostic } from './diagnostics/diagnostic.ts';
import { collectFiles, loadBytes, loadFile, loadText, type FileLoad } from './load/index.ts';
import type { LoadedDocument } from './model.ts';
import { SchemaSet, validateDocument } from './validate/index.ts';

export interface PipelineOptions {
  cwd: string;
  schemas?: SchemaSet;
  maxBytes?: number;
  /** The semantic phase; defaults to `checkRepo` (tests may pass their own). */
  check?: (docs: readonly LoadedDocument[]) => Diagnostic[];
}

export interface PipelineResult {
  files: string[];
  /** File → text as read (reporters print source lines from it). */
  sources: Map<string, string | undefined>;
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
  /** A path could not be read at all (exit code 2). */
  ioError: boolean;
}

const internal = (phase: string, file: string | undefined, err: unknown): Diagnostic => ({
  code: 'SS1015',
  severity: 'error',
  summary: `Internal error in the ${phase} phase${file ? ` on ${file}` : ''}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
  detail: 'This is a bug in syncspec, not in the spec; the other files were still checked. Please report it with the file.',
  ...(file ? { range: { file, start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } } } : {}),
});

export function runPipeline(paths: readonly string[], options: PipelineOptions): PipelineResult {
  const { files, problems } = collectFiles(paths, options.cwd);
  const loads = files.map((file) => {
    try {
      return loadFile(file, options.cwd, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
    } catch (err) {
      return { file, text: undefined, documents: [], diagnostics: [internal('load', file, err)], ioError: false } satisfies FileLoad;
    }
  });
  const result = finish(loads, options);
  result.files = files;
  result.diagnostics = sortDiagnostics([...problems, ...result.diagnostics]);
  result.ioError ||= problems.some((d) => d.severity === 'error');
  return result;
}

/** The same phases over in-memory files (tests, editors). */
export function runPipelineOnSources(sources: readonly { file: string; content: string | Uint8Array }[], options: Omit<PipelineOptions, 'cwd'> = {}): PipelineResult {
  const loads = sources.map(({ file, content }) => {
    try {
      return typeof content === 'string' ? loadText(file, content) : loadBytes(file, content, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
    } catch (err) {
      return { file, text: undefined, documents: [], diagnostics: [internal('load', file, err)], ioError: false } satisfies FileLoad;
    }
  });
  return finish(loads, options);
}

function finish(loads: FileLoad[], options: Omit<PipelineOptions, 'cwd'>): PipelineResult {
  const schemas = options.schemas ?? defaultSchemas();
  const diagnostics: Diagnostic[] = [];
  const documents: LoadedDocument[] = [];
  const schemaValid: LoadedDocument[] = [];
  const sources = new Map<string, string | undefined>();
  let ioError = false;
  for (const load of loads) {
    sources.set(load.file, load.text);
    diagnostics.push(...load.diagnostics);
    ioError ||= load.ioError;
    for (const doc of load.documents) {
      documents.push(doc);
      let found: Diagnostic[];
      try {
        found = validateDocument(doc, schemas);
      } catch (err) {
        found = [internal('schema', doc.file, err)];
      }
      diagnostics.push(...found);
      if (!found.some((d) => d.severity === 'error')) schemaValid.push(doc);
    }
  }
  try {
    diagnostics.push(...(options.check ?? checkRepo)(schemaValid));
  } catch (err) {
    diagnostics.push(internal('semantic check', undefined, err));
  }
  return { files: loads.map((l) => l.file), sources, documents, diagnostics: sortDiagnostics(diagnostics), ioError };
}

let shared: SchemaSet | undefined;
function defaultSchemas(): SchemaSet {
  return (shared ??= new SchemaSet());
}
