/**
 * Phase 3, semantics across the whole repo (SS30xx). Contract: takes every loaded, schema-valid
 * document and returns all problems found; never throws.
 */
import type { Diagnostic, SourceRange } from '../diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../model.ts';
import { checkCelCalls } from './cel-calls.ts';
import { checkCelSyntax } from './cel-syntax.ts';
import { checkDurations } from './durations.ts';
import { checkEndpoints } from './endpoints.ts';
import { checkExamples } from './examples.ts';
import { mappingDiagnostics } from '../mapping/index.ts';
import { checkUniqueNames } from './names.ts';
import { indexRepo, type Repo } from './repo.ts';
import { checkSchedules } from './schedule.ts';
import { checkSecrets } from './secrets.ts';
import { checkTriggers } from './triggers.ts';

export { exprRange, parseCel } from './cel-syntax.ts';

/** Each check reads the shared index and reports independently, so one problem never hides another. */
export const CHECKS: readonly (readonly [name: string, check: (repo: Repo) => Diagnostic[]])[] = [
  ['unique names', checkUniqueNames],
  ['endpoints', checkEndpoints],
  ['triggers', checkTriggers],
  ['schedules', checkSchedules],
  ['durations', checkDurations],
  ['secrets', checkSecrets],
  ['CEL syntax', checkCelSyntax],
  ['lookup and ref calls', checkCelCalls],
  ['examples', checkExamples],
];

export function checkRepo(docs: readonly LoadedDocument[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  let repo: Repo;
  try {
    repo = indexRepo(docs);
  } catch (e) {
    return [internalError('repository index', e)];
  }
  out.push(...repo.catalogs.diagnostics);
  for (const [name, check] of CHECKS) {
    try {
      out.push(...check(repo));
    } catch (e) {
      // A defect in one check must not hide the others' findings, nor surface as a stack trace.
      out.push(internalError(name, e));
    }
  }
  try {
    out.push(...mappingDiagnostics(repo.docs, repo.catalogs, specsWithoutErrors(repo, out)));
  } catch (e) {
    out.push(internalError('mapping types', e));
  }
  return out;
}

/**
 * The SyncSpecs the mapping type checks run on (SS31xx/SS32xx, at the column inside the expression; `generate`
 * takes them from here and reports each once): those the checks above found no error in. A spec with a CEL
 * syntax error, an unknown lookup table or a duplicate name would only get the same finding again under
 * another code, or findings that follow from it.
 */
function specsWithoutErrors(repo: Repo, found: readonly Diagnostic[]): Set<string> {
  const errors = found.filter((d) => d.severity === 'error' && d.range !== undefined);
  const names = new Map<string, number>();
  for (const s of repo.syncSpecs) names.set(s.doc.name ?? '', (names.get(s.doc.name ?? '') ?? 0) + 1);
  const out = new Set<string>();
  for (const { doc } of repo.syncSpecs) {
    if (doc.name === undefined || names.get(doc.name) !== 1) continue;
    const own = errors.filter((d) => d.range?.file === doc.file);
    if (own.length > 0) {
      const span = doc.locate([]);
      if (own.some((d) => (d.range as SourceRange).start.offset >= span.start.offset && (d.range as SourceRange).start.offset <= span.end.offset)) continue;
    }
    out.add(doc.name);
  }
  return out;
}

function internalError(check: string, e: unknown): Diagnostic {
  return {
    code: 'SS3099',
    severity: 'error',
    summary: `Internal error in the ${check} check`,
    detail: `${e instanceof Error ? e.message : String(e)}. This is a syncspec defect, not a problem in your specs; please report it with the input that triggers it.`,
  };
}
