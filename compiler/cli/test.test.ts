import { describe, expect, it } from 'vitest';
import type { CompiledTransform, TransformContext } from '../../runtime/support/transform.ts';
import { exampleContext, renderPretty, runExample } from './test.ts';

/** A transform module written out by hand: what `runExample` is given is any CompiledTransform. */
const mod: CompiledTransform = {
  filter: (s) => s.Status === 'Activated',
  transform: (s, ctx) =>
    typeof s.Qty === 'number'
      ? { ok: true, value: { FBillNo: s.Number, FQty: String(s.Qty), FUnit: ctx.lookup('units', String(s.Unit)) ?? null } }
      : { ok: false, errors: [{ path: 'FQty', message: 'expected a number, got text', code: 'SS5106', at: 'specs/o.yaml:9:10' }] },
};
const ctx = exampleContext(new Map([['units', { entries: { box: 'BOX' }, default: 'PCS' }]]), undefined);
const at = 'specs/o.yaml:20:7';
const input = { Status: 'Activated', Number: 'A1', Qty: 2, Unit: 'box' };

describe('runExample', () => {
  it('passes when every expected field matches (decimal text and numbers compare by value)', () => {
    const o = runExample('s', at, { name: 'ok', input, expect: { FBillNo: 'A1', FQty: 2.0, FUnit: 'BOX' } }, mod, ctx);
    expect(o).toMatchObject({ ok: true, problems: [], diff: [] });
  });
  it('lists each differing field with expected and actual (SS4010)', () => {
    const o = runExample('s', at, { name: 'diff', input, expect: { FBillNo: 'A2', FQty: '2', FUnit: 'KG' } }, mod, ctx);
    expect(o.code).toBe('SS4010');
    expect(o.diff).toEqual([
      { path: 'FBillNo', expected: 'A2', actual: 'A1' },
      { path: 'FUnit', expected: 'KG', actual: 'BOX' },
    ]);
    expect(renderPretty([o])).toContain('FUnit: expected "KG", got "BOX"');
  });
  it('checks expected field errors and reports missing and unexpected ones (SS4011)', () => {
    const bad = { ...input, Qty: 'two' };
    expect(runExample('s', at, { name: 'e', input: bad, expectErrors: { FQty: 'expected a number' } }, mod, ctx).ok).toBe(true);
    expect(runExample('s', at, { name: 'e', input: bad, expectErrors: { FQty: 'SS5106' } }, mod, ctx).ok).toBe(true);
    const wrongText = runExample('s', at, { name: 'e', input: bad, expectErrors: { FQty: 'too long' } }, mod, ctx);
    expect([wrongText.code, wrongText.problems]).toEqual(['SS4011', ['expected the error at FQty to contain "too long"; it was: expected a number, got text']]);
    const none = runExample('s', at, { name: 'e', input, expectErrors: { FQty: 'x' } }, mod, ctx);
    expect(none.problems).toEqual(['expected an error at FQty containing "x", but there was none']);
    const unexpected = runExample('s', at, { name: 'e', input: bad, expectErrors: { FBillNo: 'x' } }, mod, ctx);
    expect(unexpected.problems).toContain('unexpected error FQty: SS5106 expected a number, got text (specs/o.yaml:9:10)');
  });
  it('checks the filter decision both ways (SS4012)', () => {
    const draft = { ...input, Status: 'Draft' };
    expect(runExample('s', at, { name: 'f', input: draft, expectFiltered: true }, mod, ctx).ok).toBe(true);
    expect(runExample('s', at, { name: 'f', input, expectFiltered: true }, mod, ctx).code).toBe('SS4012');
    expect(runExample('s', at, { name: 'f', input: draft, expect: { FBillNo: 'A1' } }, mod, ctx).code).toBe('SS4012');
  });
  it('turns a throwing transform into a failed example, never a crash', () => {
    const throwing: CompiledTransform = { filter: () => true, transform: () => { throw new Error('boom'); } };
    const o = runExample('s', at, { name: 't', input, expect: {} }, throwing, ctx);
    expect([o.ok, o.problems]).toEqual([false, ['the generated code threw: boom']]);
  });
  it('the example context reads lookup tables with defaults and the example\'s id crosswalk', () => {
    const c: TransformContext = exampleContext(new Map([['units', { entries: { box: 'BOX' }, default: 'PCS' }]]), { accounts: { a1: 'C-1' } });
    expect([c.lookup('units', 'box'), c.lookup('units', 'kg'), c.lookup('units', 'toString'), c.lookup('nope', 'x')]).toEqual(['BOX', 'PCS', 'PCS', undefined]);
    expect([c.ref('accounts', 'a1'), c.ref('accounts', 'constructor'), c.ref('other', 'a1')]).toEqual(['C-1', undefined, undefined]);
  });
});
