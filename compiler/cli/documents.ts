/** Reading every spec document under the given paths (the loader phase only). */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { collectFiles, loadFile } from '../load/index.ts';
import type { LoadedDocument } from '../model.ts';

export interface LoadedDocuments {
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
  /** A path could not be read at all (exit 2). */
  ioError: boolean;
}

export function loadDocuments(paths: readonly string[], cwd: string): LoadedDocuments {
  const collected = collectFiles(paths, cwd);
  const out: LoadedDocuments = { documents: [], diagnostics: [...collected.problems], ioError: collected.problems.length > 0 };
  for (const file of collected.files) {
    const loaded = loadFile(file, cwd);
    out.documents.push(...loaded.documents);
    out.diagnostics.push(...loaded.diagnostics);
    out.ioError ||= loaded.ioError;
  }
  return out;
}
