import type { CodeInfo } from './types.ts';

/** SS4xxx — emit diagnostics. Numbers are never reused; retired ones stay with `retired: true`. */
export const emitCodes = {
  SS4001: {
    title: 'Name cannot be used as a TypeScript identifier',
    explanation:
      'The code generator turns spec, entity and field names into TypeScript names only through `ident()`, which ' +
      'accepts plain identifiers that are not reserved words. Everything else is written as a quoted property ' +
      'name or a string literal. Seeing this code means a name reached `ident()` without being checked: report ' +
      'it as a syncspec bug with the spec that triggered it.',
  },
  SS4002: {
    title: 'Generated code does not type-check',
    explanation:
      'The TypeScript produced for a spec failed `tsc` under the project\'s strict settings. The spec itself ' +
      'passed every check, so this is a syncspec bug: report it with the spec and the TypeScript message shown.',
  },
  SS4003: {
    title: 'Generated file is stale',
    explanation:
      '`syncspec generate --check` found a file in `generated/` whose content differs from what the specs now ' +
      'produce. Run `syncspec generate` and commit the result; never edit files in `generated/` by hand.',
  },
  SS4004: {
    title: 'Generated file is missing',
    explanation:
      '`syncspec generate --check` expected a file in `generated/` that does not exist, usually because a spec was ' +
      'added without regenerating. Run `syncspec generate` and commit the new files.',
  },
  SS4005: {
    title: 'Extra file in generated/',
    explanation:
      '`syncspec generate --check` found a file in `generated/` that no spec produces, usually left over from a ' +
      'renamed or deleted spec. Run `syncspec generate` (it removes such files) and commit the deletion.',
  },
  SS4006: {
    title: 'Spec not generated because it has errors',
    explanation:
      'Code is generated only for specs that pass every check, so a broken spec never replaces working code. ' +
      'Fix the errors reported for the spec and generate again.',
  },
  SS4010: {
    title: 'Example result differs from its expectation',
    explanation:
      '`syncspec test` ran the example\'s `input` through the generated transform and the output differs from ' +
      '`expect`. The report lists every differing field path with the expected and the actual value. Either the ' +
      'mapping or the example is wrong; fix the one that does not say what the integration should do.',
  },
  SS4011: {
    title: 'Example expected field errors that did not happen',
    explanation:
      '`expectErrors` lists target field paths whose mapping should fail (with a message containing the given ' +
      'text), but the transform did not report such an error, or reported a different message. The report shows ' +
      'the errors that did occur.',
  },
  SS4012: {
    title: 'Example filter result differs from its expectation',
    explanation:
      '`expectFiltered` says whether `spec.filter` should drop the example input; the generated filter decided ' +
      'otherwise. Check the filter expression against the example data.',
  },
  SS4013: {
    title: 'Generated module for the spec is missing or cannot be loaded',
    explanation:
      '`syncspec test` runs examples through the code in `generated/<spec>/transform.ts`. It was not found or did ' +
      'not load. Run `syncspec generate` first.',
  },
  SS4101: {
    title: 'Mapping failed at run time',
    explanation:
      'A field mapping raised an error that carries no CEL error code while transforming a record (for example ' +
      'reading a property of a missing child record). The field error names the target field path and the spec ' +
      'position of the mapping; the other fields are still evaluated and reported together.',
  },
} satisfies Record<`SS4${string}`, CodeInfo>;
