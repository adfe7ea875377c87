/** Mapping-level checks and expression compilation of every SyncSpec in a repository (SS32xx). */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../model.ts';
import { buildCatalogs, type CatalogSet } from '../catalog/load.ts';
import { compileExpression } from '../cel/index.ts';
import { checkMapping } from './check.ts';
import { mappingRepo } from './repo.ts';
import type { CompiledMapping, MappingRepo } from './types.ts';

export { checkMapping, type MappingResult } from './check.ts';
export { mappingRepo } from './repo.ts';
export type * from './types.ts';

/**
 * The mapping checks of a whole repository as one semantic check: catalogs (with the repo's EntitySchemas)
 * and the CEL compiler wired in. For the check phase (`syncspec validate`); `generate` calls `checkMappings`.
 */
export function mappingDiagnostics(docs: readonly LoadedDocument[], catalogs: CatalogSet = buildCatalogs(docs), only?: ReadonlySet<string>): Diagnostic[] {
  return checkMappings(docs, mappingRepo(docs, (system) => catalogs.catalogFor(system), compileExpression), only).diagnostics;
}

export interface RepoMappings {
  /** Compiled mappings of the specs without errors, sorted by spec name. */
  mappings: CompiledMapping[];
  /** Names of SyncSpecs that have errors (so nothing is generated for them). */
  failed: string[];
  diagnostics: Diagnostic[];
}

/** Checks every SyncSpec of `docs` (or only those named in `only`); all of `docs` stay visible to ref() and lookups. */
export function checkMappings(docs: readonly LoadedDocument[], repo: MappingRepo, only?: ReadonlySet<string>): RepoMappings {
  const out: RepoMappings = { mappings: [], failed: [], diagnostics: [] };
  const specs = docs
    .filter((d) => d.kind === 'SyncSpec' && d.name !== undefined && (only === undefined || only.has(d.name)))
    .sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : (a.name as string) > (b.name as string) ? 1 : 0));
  for (const doc of specs) {
    const result = checkMapping(doc, repo);
    out.diagnostics.push(...result.diagnostics);
    if (result.mapping) out.mappings.push(result.mapping);
    else out.failed.push(doc.name as string);
  }
  return out;
}
