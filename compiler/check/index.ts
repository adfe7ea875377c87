/**
 * Phase 3, semantics across the whole repo (SS3xxx). Contract: takes every loaded, schema-valid
 * document and returns all problems found; never throws.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../model.ts';

export function checkRepo(docs: readonly LoadedDocument[]): Diagnostic[] {
  void docs;
  return [];
}
