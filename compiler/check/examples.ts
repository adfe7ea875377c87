/**
 * SS3017: every key of an example's `expect` (and the first segment of each `expectErrors` path) is a target
 * field the spec maps; inside a child collection, the keys of each expected row are fields its `each` maps.
 */
import { closest } from '../diagnostics/did-you-mean.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import type { LoadedDocument } from '../model.ts';
import { isObj, type Obj, type Repo } from './repo.ts';

export function checkExamples(repo: Repo): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const spec of repo.syncSpecs) {
    const fields = isObj(spec.body.fields) ? spec.body.fields : {};
    const examples = Array.isArray(spec.body.examples) ? spec.body.examples : [];
    for (const [i, example] of examples.entries()) {
      if (!isObj(example)) continue;
      if (isObj(example.expect)) checkExpected(spec.doc, example.expect, fields, ['spec', 'examples', i, 'expect'], '', out);
      if (isObj(example.expectErrors)) {
        for (const path of Object.keys(example.expectErrors)) {
          const first = /^[^.[]+/.exec(path)?.[0] ?? path;
          if (!Object.hasOwn(fields, first)) out.push(unmapped(spec.doc, ['spec', 'examples', i, 'expectErrors', path], first, fields, ''));
        }
      }
    }
  }
  return out;
}

function checkExpected(doc: LoadedDocument, expected: Obj, fields: Obj, path: (string | number)[], prefix: string, out: Diagnostic[]): void {
  for (const [name, value] of Object.entries(expected)) {
    if (!Object.hasOwn(fields, name)) {
      out.push(unmapped(doc, [...path, name], name, fields, prefix));
      continue;
    }
    const mapping = fields[name];
    if (isObj(mapping) && isObj(mapping.fields) && Array.isArray(value)) {
      for (const [j, row] of value.entries()) if (isObj(row)) checkExpected(doc, row, mapping.fields, [...path, name, j], `${prefix}${name}[].`, out);
    }
  }
}

function unmapped(doc: LoadedDocument, path: (string | number)[], name: string, fields: Obj, prefix: string): Diagnostic {
  const suggestion = closest(name, Object.keys(fields));
  return {
    code: 'SS3017',
    severity: 'error',
    summary: `Example expects "${prefix}${name}", which the spec does not map`,
    detail: suggestion ? `Did you mean "${suggestion}"?` : `Mapped fields here: ${Object.keys(fields).sort().join(', ') || '(none)'}.`,
    range: doc.locate(path, 'key'),
    ...(suggestion ? { suggestion } : {}),
  };
}
