import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { odataDateTimeOffset, odataString } from '../odata.ts';
import { compareRows, evalFilter, FilterError, parseFilter, parseOrderBy, type FilterNode } from './filter.ts';

type Row = { Name: string; Qty: string; At: string };

/** A random filter tree over three properties, with its text and a direct evaluator to compare against. */
const leaf = fc.oneof(
  fc.tuple(fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'), fc.string({ maxLength: 6 })).map(([op, v]) => ({ text: `Name ${op} ${odataString(v)}`, run: (r: Row) => cmp(op, r.Name < v ? -1 : r.Name > v ? 1 : 0) })),
  fc.tuple(fc.constantFrom('eq', 'gt', 'le'), fc.integer({ min: -50, max: 50 })).map(([op, n]) => ({ text: `Qty ${op} ${n}M`, run: (r: Row) => cmp(op, Math.sign(Number(r.Qty) - n)) })),
  fc.tuple(fc.constantFrom('ge', 'lt'), fc.integer({ min: 0, max: 10 })).map(([op, s]) => ({ text: `At ${op} datetimeoffset'${new Date(s * 1000).toISOString()}'`, run: (r: Row) => cmp(op, Math.sign(Number(/\d+/.exec(r.At)?.[0]) - s * 1000)) })),
);
function cmp(op: string, c: number): boolean {
  return { eq: c === 0, ne: c !== 0, gt: c > 0, ge: c >= 0, lt: c < 0, le: c <= 0 }[op] as boolean;
}
type Expr = { text: string; run: (r: Row) => boolean };
const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => ({ text: `(${a.text}) ${op} (${b.text})`, run: (r: Row) => (op === 'and' ? a.run(r) && b.run(r) : a.run(r) || b.run(r)) })),
    tie('e').map((a) => ({ text: `not (${a.text})`, run: (r: Row) => !a.run(r) })),
  ),
})).e;
const row: fc.Arbitrary<Row> = fc.record({ Name: fc.string({ maxLength: 6 }), Qty: fc.integer({ min: -50, max: 50 }).map(String), At: fc.integer({ min: 0, max: 10 }).map((s) => odataDateTimeOffset(s * 1000)) });

describe('OData $filter subset', () => {
  it('evaluates any generated filter exactly like its meaning', () => {
    fc.assert(fc.property(expr, fc.array(row, { maxLength: 8 }), (e, rows) => {
      const tree = parseFilter(e.text);
      for (const r of rows) expect(evalFilter(tree, r), e.text).toBe(e.run(r));
    }), { numRuns: 300 });
  });

  it('round-trips any string literal, quotes included', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const tree = parseFilter(`Name eq ${odataString(s)}`) as Extract<FilterNode, { kind: 'cmp' }>;
      expect(tree.right).toEqual({ kind: 'lit', type: 'string', value: s });
    }));
  });

  it('never throws anything but a FilterError on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => {
      try {
        parseFilter(text);
      } catch (e) {
        expect(e).toBeInstanceOf(FilterError);
      }
    }), { numRuns: 500 });
  });

  it('refuses functions and dangling operators with a FilterError', () => {
    for (const bad of ["substringof('a',Name)", 'Name eq', '(Name eq 1', 'Name like 1', "Name eq 'x' and"]) expect(() => parseFilter(bad), bad).toThrow(FilterError);
  });

  it('orders by several terms with OData dates compared as instants', () => {
    const rows = [{ A: odataDateTimeOffset(2000), K: 'b' }, { A: odataDateTimeOffset(1000), K: 'c' }, { A: odataDateTimeOffset(2000), K: 'a' }];
    const order = parseOrderBy('A asc,K desc');
    expect([...rows].sort((x, y) => compareRows(order, x, y)).map((r) => r.K)).toEqual(['c', 'b', 'a']);
    expect(() => parseOrderBy('A sideways')).toThrow(FilterError);
  });
});
