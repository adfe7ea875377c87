/** Loading a spec repository for the code generator: the shared load → validate → check pipeline, plus catalogs and the CEL compiler. */
import { fileURLToPath } from 'node:url';
import { buildCatalogs } from '../catalog/load.ts';
import { compileExpression } from '../cel/index.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { mappingRepo } from '../mapping/repo.ts';
import type { MappingRepo } from '../mapping/types.ts';
import type { LoadedDocument } from '../model.ts';
import { runPipeline } from '../pipeline.ts';

export interface LoadedRepo {
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
  /** File → text, for reporters that print the source line. */
  sources: Map<string, string | undefined>;
  /** A path could not be read at all (exit 2). */
  ioError: boolean;
  mapping: MappingRepo;
  /** The syncspec package root (tsconfig.json, `#support`). */
  root: string;
}

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function loadRepo(paths: readonly string[], cwd: string): LoadedRepo {
  const result = runPipeline(paths, { cwd });
  const catalogs = buildCatalogs(result.documents);
  return {
    documents: result.documents,
    diagnostics: result.diagnostics,
    sources: result.sources,
    ioError: result.ioError,
    mapping: mappingRepo(result.documents, (system) => catalogs.catalogFor(system), compileExpression),
    root: PACKAGE_ROOT,
  };
}
