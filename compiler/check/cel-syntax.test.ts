import { parse } from '@bufbuild/cel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCelSyntax, exprRange, parseCel, parserSource, scanDelimiters } from './cel-syntax.ts';
import { indexRepo } from './repo.ts';
import { brief, CONNECTIONS, docsFrom, LOOKUPS, ORDER_SPEC } from './testing.ts';

const parses = (text: string): boolean => {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('parseCel', () => {
  it('loads the light parser module, not the whole interpreter', () => {
    // If the package layout changes the fallback keeps validate working; this test says it got slower.
    expect(parserSource).toBe('parser module');
  });

  it('accepts what @bufbuild/cel accepts and rejects what it rejects', () => {
    for (const text of ["source.Status == 'Activated'", 'source.OrderItems', 'decimal(item.UnitPrice).round(2)', 'r"\\d+"', '"""multi\nline"""', 'source.Name + ']) {
      expect(parseCel(text).ok).toBe(parses(text));
    }
  });

  it('agrees with the parser on arbitrary text (property)', () => {
    const alphabet = fc.constantFrom(...'ab.1 ()[]{}\'"+-=!&|?:,_\\rtinuels'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }).map((cs) => cs.join('')), (text) => {
        const result = parseCel(text);
        expect(result.ok).toBe(parses(text));
        if (!result.ok) {
          expect(result.error.start).toBeGreaterThanOrEqual(0);
          expect(result.error.end).toBeGreaterThanOrEqual(result.error.start);
          expect(result.error.end).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('takes the fast path for field paths only where the parser agrees, and still yields the AST', () => {
    const word = fc.constantFrom('source', 'item', 'Name', 'in', 'true', 'if', 'null', 'x_1', '_a', 'Product2');
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }).map((ws) => ws.join('.')), (text) => {
        const result = parseCel(text);
        expect(result.ok).toBe(parses(text));
        if (result.ok) expect(result.parsed.expr).toBeDefined();
      }),
    );
  });

  it('points at the cause, not where the parser gave up', () => {
    const at = (text: string): [number, number, string] => {
      const r = parseCel(text);
      if (r.ok) throw new Error(`expected ${text} to fail`);
      return [r.error.start, r.error.end, r.error.summary];
    };
    expect(at("source.Name == 'abc")).toEqual([15, 19, 'CEL syntax error: unterminated string literal']);
    expect(at('size(source.Items')).toEqual([4, 5, 'CEL syntax error: "(" is never closed']);
    expect(at('source.A)')).toEqual([8, 9, 'CEL syntax error: unexpected ")"']);
    expect(at('source.A &&')).toEqual([9, 11, 'CEL syntax error: "&&" needs an operand after it']);
    expect(at("source.Status = 'A'")).toEqual([14, 15, 'CEL syntax error: "=" is not an operator']);
    expect(at('source.Name foo')).toEqual([12, 15, 'CEL syntax error: unexpected "foo"']);
    expect(at('source.true')[0]).toBe(7);
    expect(at('')).toEqual([0, 0, 'CEL syntax error: the expression ends too early']);
  });

  it('scans string literals with escapes, raw strings and triple quotes without false alarms', () => {
    expect(scanDelimiters(String.raw`"a\"b(" + 'c)' + r'\' + """x"y"""`)).toBeUndefined();
    expect(scanDelimiters('f(x, [1, {"k": 2}])')).toBeUndefined();
    expect(scanDelimiters('(]')?.start).toBe(1);
  });
});

describe('exprRange', () => {
  it('maps offsets inside plain, quoted and block scalars to file positions', () => {
    const [doc] = docsFrom({
      'specs/x.yaml': 'apiVersion: syncspec.dev/v1\nkind: SyncSpec\nmetadata: { name: x }\nspec:\n  a: source.Name + 1\n  b: "source.\\u00e9 + 2"\n  c: |\n    source.X\n      + 3\n',
    });
    if (!doc) throw new Error('no doc');
    expect(exprRange(doc, ['spec', 'a'], 7, 11)).toMatchObject({ start: { line: 5, col: 13 }, end: { line: 5, col: 17 } });
    expect(exprRange(doc, ['spec', 'b'], 7, 8)).toMatchObject({ start: { line: 6, col: 14 }, end: { line: 6, col: 20 } });
    expect(exprRange(doc, ['spec', 'c'], 11, 12)).toMatchObject({ start: { line: 9, col: 7 }, end: { line: 9, col: 8 } });
  });
});

describe('checkCelSyntax', () => {
  it('is silent on a valid spec', () => {
    expect(checkCelSyntax(indexRepo(docsFrom({ 'specs/c.yaml': CONNECTIONS, 'specs/l.yaml': LOOKUPS, 'specs/o.yaml': ORDER_SPEC })))).toEqual([]);
  });

  it('reports every bad expression (filter, mapping, each, nested) at the character in the file', () => {
    const broken = ORDER_SPEC.replace("filter: source.Status == 'Activated'", "filter: \"source.Status == 'Activated\"")
      .replace('FBillNo: source.OrderNumber', 'FBillNo: { expr: "source.OrderNumber +", default: "" }')
      .replace('each: source.OrderItems', 'each: source.OrderItems)')
      .replace('FQty: item.Quantity', 'FQty: item.Quantity foo');
    const ds = checkCelSyntax(indexRepo(docsFrom({ 'specs/o.yaml': broken })));
    expect(brief(ds)).toEqual(['SS3016 specs/o.yaml:14:29', 'SS3016 specs/o.yaml:16:42', 'SS3016 specs/o.yaml:20:30', 'SS3016 specs/o.yaml:22:29']);
    expect(ds.map((d) => d.summary)).toEqual([
      'CEL syntax error: unterminated string literal (in the filter)',
      'CEL syntax error: "+" needs an operand after it (in the mapping of FBillNo)',
      'CEL syntax error: unexpected ")" (in the each of FSaleOrderEntry)',
      'CEL syntax error: unexpected "foo" (in the mapping of FSaleOrderEntry[].FQty)',
    ]);
  });
});
