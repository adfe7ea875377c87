/** The mapping phase's view of a loaded repository. */
import type { Catalog } from '../catalog/types.ts';
import type { CompileExpression } from '../cel/api.ts';
import type { ConnectionBody, LoadedDocument, LookupTableBody, SyncSpecBody } from '../model.ts';
import type { MappingRepo } from './types.ts';

function bodies<T>(docs: readonly LoadedDocument[], kind: LoadedDocument['kind']): Map<string, T> {
  const out = new Map<string, T>();
  const sorted = docs.filter((d) => d.kind === kind).sort((a, b) => (a.file === b.file ? a.index - b.index : a.file < b.file ? -1 : 1));
  for (const doc of sorted) {
    const spec = (doc.value as { spec?: unknown } | null)?.spec;
    // Duplicate names are reported by the semantic checks; the first in file order wins here.
    if (doc.name !== undefined && typeof spec === 'object' && spec !== null && !out.has(doc.name)) out.set(doc.name, spec as T);
  }
  return out;
}

export function mappingRepo(
  docs: readonly LoadedDocument[],
  catalogFor: (system: string) => Catalog | undefined,
  compile: CompileExpression,
): MappingRepo {
  return {
    catalogFor,
    connections: bodies<ConnectionBody>(docs, 'Connection'),
    lookups: bodies<LookupTableBody>(docs, 'LookupTable'),
    specs: bodies<SyncSpecBody>(docs, 'SyncSpec'),
    compile,
  };
}
