import { describe, expect, it } from 'vitest';
import { diffValues, show } from './example-diff.ts';

describe('diffValues', () => {
  it('reports each differing field path with both values', () => {
    const expected = { FBillNo: 'SO-1', FSaleOrderEntry: [{ FQty: 5 }, { FQty: 2, FTaxPrice: '113.00' }] };
    const actual = { FBillNo: 'SO-1', FSaleOrderEntry: [{ FQty: 5 }, { FQty: 3, FTaxPrice: '113.00' }], FNote: 'extra' };
    expect(diffValues(expected, actual)).toEqual([{ path: 'FSaleOrderEntry[1].FQty', expected: 2, actual: 3 }]);
  });
  it('treats a number and its decimal text as the same amount, but not different text', () => {
    expect(diffValues({ a: 113 }, { a: '113.00' })).toEqual([]);
    expect(diffValues({ a: '0.30' }, { a: 0.3 })).toEqual([]);
    expect(diffValues({ a: '-0' }, { a: 0 })).toEqual([]);
    expect(diffValues({ a: '113.001' }, { a: '113.00' })).toHaveLength(1);
    expect(diffValues({ a: 'A' }, { a: 'a' })).toHaveLength(1);
    expect(diffValues({ a: true }, { a: 'true' })).toHaveLength(1);
  });
  it('reports missing fields and list length differences', () => {
    expect(diffValues({ a: 1, b: null }, { a: 1 })).toEqual([{ path: 'b', expected: null, actual: undefined }]);
    expect(diffValues({ l: [1] }, { l: [1, 2] })).toEqual([{ path: 'l[1]', expected: undefined, actual: 2 }]);
    expect(diffValues({ l: [1, 2] }, { l: [] })).toHaveLength(2);
    expect(diffValues({ r: { x: 1 } }, { r: 'x' })).toEqual([{ path: 'r', expected: { x: 1 }, actual: 'x' }]);
  });
  it('shows absent values distinctly from null', () => {
    expect(show(undefined)).toBe('(absent)');
    expect(show(null)).toBe('null');
    expect(show('a"b')).toBe('"a\\"b"');
  });
});
