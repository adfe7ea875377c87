/** Loading a spec repository for the commands of the code generator (generate, test). */
import { fileURLToPath } from 'node:url';
import { buildCatalogs } from '../catalog/load.ts';
import { compileExpression } from '../cel/index.ts';
import { checkRepo } from '../check/index.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { mappingRepo } from '../mapping/repo.ts';
import type { MappingRepo } from '../mapping/types.ts';
import { loadDocuments } from './documents.ts';
import type { LoadedDocument } from '../model.ts';

export interface LoadedRepo {
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
  /** A path could not be read at all (exit 2). */
  ioError: boolean;
  mapping: MappingRepo;
  /** The syncspec package root (tsconfig.json, `#support`). */
  root: string;
}

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function loadRepo(paths: readonly string[], cwd: string): Promise<LoadedRepo> {
  const { documents, diagnostics, ioError } = loadDocuments(paths, cwd);
  const catalogs = buildCatalogs(documents);
  diagnostics.push(...catalogs.diagnostics, ...checkRepo(documents));
  return {
    documents,
    diagnostics,
    ioError,
    mapping: mappingRepo(documents, (system) => catalogs.catalogFor(system), compileExpression),
    root: PACKAGE_ROOT,
  };
}
