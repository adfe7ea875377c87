/**
 * The compiler as a SpecSource uses it: durations, and the `syncspec validate` pipeline plus every
 * mapping's type check over one artifact. Loaded on first use by the SpecSource reconciler
 * (reconcile.ts), so an operator without SpecSources never loads the compiler on its main thread —
 * SyncSpecs compile in the compile thread (syncspec/compile-thread.ts).
 */
import { sortDiagnostics, type Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../../compiler/model.ts';
import { buildCatalogs } from '../../compiler/catalog/load.ts';
import { compileExpression } from '../../compiler/cel/index.ts';
import { checkMappings, mappingRepo } from '../../compiler/mapping/index.ts';
import { runPipelineOnSources } from '../../compiler/pipeline.ts';

export { parseDuration } from '../../compiler/check/durations.ts';

/** The pipeline's diagnostics, then (when those are clean) the mapping checks' not already reported. */
export function validateArtifact(files: { file: string; content: Uint8Array }[]): { documents: LoadedDocument[]; diagnostics: Diagnostic[] } {
  const result = runPipelineOnSources(files);
  let diagnostics = result.diagnostics;
  if (!diagnostics.some((d) => d.severity === 'error')) {
    const catalogs = buildCatalogs(result.documents);
    const repo = mappingRepo(result.documents, (system) => catalogs.catalogFor(system), compileExpression);
    const seen = new Set(diagnostics.map(diagnosticKey));
    diagnostics = sortDiagnostics([...diagnostics, ...checkMappings(result.documents, repo).diagnostics.filter((d) => !seen.has(diagnosticKey(d)))]);
  }
  return { documents: result.documents, diagnostics };
}

const diagnosticKey = (d: Diagnostic): string => `${d.code} ${d.range?.file ?? ''}:${d.range?.start.line ?? 0}:${d.range?.start.col ?? 0} ${d.summary}`;
