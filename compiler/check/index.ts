/**
 * Phase 3, semantics across the whole repo (SS30xx). Contract: takes every loaded, schema-valid
 * document and returns all problems found; never throws.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../model.ts';
import { checkCelCalls } from './cel-calls.ts';
import { checkCelSyntax } from './cel-syntax.ts';
import { checkDurations } from './durations.ts';
import { checkEndpoints } from './endpoints.ts';
import { checkExamples } from './examples.ts';
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
