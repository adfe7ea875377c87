import { describe, expect, it } from 'vitest';
import { checkExamples } from './examples.ts';
import { indexRepo } from './repo.ts';
import { brief, docsFrom, ORDER_SPEC } from './testing.ts';

const run = (spec: string) => checkExamples(indexRepo(docsFrom({ 'specs/o.yaml': spec })));

describe('checkExamples', () => {
  it('accepts expectations on mapped fields, including child rows', () => {
    expect(run(ORDER_SPEC)).toEqual([]);
  });

  it('reports unmapped top-level and child fields at the key, with did-you-mean', () => {
    const ds = run(ORDER_SPEC.replace('expect: { FBillNo: "00000123", FSaleOrderEntry: [{ FQty: 1 }] }', 'expect: { FBilNo: "00000123", FSaleOrderEntry: [{ FQty: 1, FPrice: 2 }] }'));
    expect(brief(ds)).toEqual(['SS3017 specs/o.yaml:31:17', 'SS3017 specs/o.yaml:31:66']);
    expect(ds.map((d) => d.summary)).toEqual([
      'Example expects "FBilNo", which the spec does not map',
      'Example expects "FSaleOrderEntry[].FPrice", which the spec does not map',
    ]);
    expect(ds[0]?.suggestion).toBe('FBillNo');
  });

  it('checks the first segment of expectErrors paths', () => {
    const spec = ORDER_SPEC.replace('expect: { FBillNo: "00000123", FSaleOrderEntry: [{ FQty: 1 }] }', 'expectErrors: { "FSaleOrderEntry[0].FQty": "negative", "FDat": "missing" }');
    expect(run(spec).map((d) => d.suggestion)).toEqual(['FDate']);
  });
});
