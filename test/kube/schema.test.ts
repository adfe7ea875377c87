import { describe, expect, test } from 'vitest';
import { checkStructural, validateValue, type ValueReport } from './schema.ts';

describe('structural checks', () => {
  test.each([
    ['(?=x)a', false], ['a(?!b)', false], ['(?<=a)b', false], ['(a)\\1', false], ['[', false],
    ['^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', true], ['^(?<word>\\w+)$', true],
  ])('pattern %s accepted: %s', (pattern, ok) => {
    const report = checkStructural({ type: 'object', properties: { a: { type: 'string', pattern } } }, 's');
    expect(report.causes.length === 0).toBe(ok);
  });

  test('a default must be valid for its own schema', () => {
    const report = checkStructural({ type: 'object', properties: { a: { type: 'integer', minimum: 1, default: 0 }, b: { type: 'string', default: 'ok' } } }, 's');
    expect(report.causes.map((c) => c.field)).toEqual(['s.properties[a].default']);
  });

  test('preserve-unknown-fields may stand without a type; anything else needs one', () => {
    expect(checkStructural({ type: 'object', properties: { a: { 'x-kubernetes-preserve-unknown-fields': true }, b: { description: 'untyped' } } }, 's').causes.map((c) => c.field)).toEqual(['s.properties[b].type']);
  });
});

describe('values against a structural schema', () => {
  const schema = { type: 'object', properties: {
    n: { type: 'integer', default: 3 }, s: { type: 'string', nullable: true }, tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, port: { 'x-kubernetes-int-or-string': true },
  } };
  const run = (v: unknown) => { const r: ValueReport = { causes: [], pruned: [] }; return { out: validateValue(v, schema, '', r), r }; };

  test('defaults fill in, unknown fields prune, preserved objects keep everything', () => {
    const { out, r } = run({ extra: 1, open: { any: { deep: true } }, s: null, port: 'http' });
    expect(out).toEqual({ open: { any: { deep: true } }, s: null, port: 'http', n: 3 });
    expect(r).toEqual({ causes: [], pruned: ['extra'] });
  });

  test('set duplicates, wrong types and non-int-or-string values name their fields', () => {
    const { r } = run({ n: 'x', tags: ['a', 'a'], port: 1.5 });
    expect(r.causes.map((c) => `${c.type} ${c.field}`)).toEqual(['FieldValueTypeInvalid n', 'FieldValueDuplicate tags[1]', 'FieldValueTypeInvalid port']);
  });
});
