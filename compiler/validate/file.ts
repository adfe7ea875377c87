/** Phases 1–2 for one file: load, then each document against its schema. */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { loadFile, type FileLoad } from '../load/index.ts';
import { validateDocument } from './index.ts';
import type { SchemaSet } from './schemas.ts';

export interface ValidatedFile {
  load: FileLoad;
  /** Schema diagnostics, one list per entry of `load.documents`. */
  schema: Diagnostic[][];
}

export const internalError = (phase: string, file: string | undefined, err: unknown): Diagnostic => ({
  code: 'SS1015',
  severity: 'error',
  summary: `Internal error in the ${phase} phase${file ? ` on ${file}` : ''}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
  detail: 'This is a bug in syncspec, not in the spec; the other files were still checked. Please report it with the file.',
  ...(file ? { range: { file, start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } } } : {}),
});

export function validateLoaded(load: FileLoad, schemas: SchemaSet): ValidatedFile {
  const schema = load.documents.map((doc) => {
    try {
      return validateDocument(doc, schemas);
    } catch (err) {
      return [internalError('schema', doc.file, err)];
    }
  });
  return { load, schema };
}

export function loadAndValidateFile(file: string, cwd: string, schemas: SchemaSet, maxBytes: number | undefined): ValidatedFile {
  let load: FileLoad;
  try {
    load = loadFile(file, cwd, maxBytes === undefined ? {} : { maxBytes });
  } catch (err) {
    load = { file, text: undefined, documents: [], diagnostics: [internalError('load', file, err)], ioError: false };
  }
  return validateLoaded(load, schemas);
}
