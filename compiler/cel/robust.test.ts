import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as rt from '../../runtime/support/index.ts';
import { scopeFor } from './fixtures.ts';
import { compileExpression } from './index.ts';

const scope = scopeFor({ source: 'Order', item: 'OrderItem' });
const token = fc.constantFrom(
  'source', 'item', '.', 'OrderNumber', 'OrderItems', 'Quantity', 'Description', '(', ')', '[', ']', '{', '}', ',', ':', '?', '!', '-', '+', '*', '/', '%',
  '==', '!=', '<', '>=', '&&', '||', ' in ', '1', '2u', '3.5', '"s"', "'t'", 'b"x"', 'null', 'true', 'map', 'filter', 'all', 'exists', 'x', 'has',
  'decimal', 'round', 'date', 'lookup', 'ref', 'coalesce', 'orValue', 'hash', 'size', 'int', 'dyn', 'type', 'optional', 'of', 'none', '"units"', '"EA"',
  '"half-even"', '"Asia/Shanghai"', '9223372036854775807', ' ', '\n', '😀', '`', '$', '\\',
);

/** Every compiled result is either code or at least one error, each inside the text. */
function wellFormed(text: string): void {
  const r = compileExpression(text, scope);
  if (r.code === undefined) expect(r.diagnostics.some((d) => d.severity === 'error'), text).toBe(true);
  for (const d of r.diagnostics) {
    expect(d.code, text).toMatch(/^SS3[01]\d\d$/);
    expect(d.start, text).toBeGreaterThanOrEqual(0);
    expect(d.end, text).toBeLessThanOrEqual(text.length);
    expect(d.start, text).toBeLessThanOrEqual(d.end);
    expect(d.summary.length, text).toBeGreaterThan(0);
  }
  if (r.code !== undefined) {
    const f = new Function('rt', 'source', 'item', 'ctx', `return ${r.code};`) as (...a: unknown[]) => unknown;
    // Evaluation either yields a value or raises a coded CelError — never a TypeError from a bug.
    for (const source of [sampleOrder, {}]) {
      try {
        f(rt, source, sampleItem, sampleCtx);
      } catch (e) {
        expect(e instanceof rt.CelError ? 'CelError' : `${(e as Error).name}: ${(e as Error).message}`, text).toBe('CelError');
      }
    }
  }
}

const sampleItem = { Quantity: 2.5, UnitPrice: '10.00', Unit__c: 'EA', ProductCode: null };
const sampleOrder = {
  OrderNumber: 'SO-1',
  Status: 'Activated',
  Description: null,
  AccountId: '001',
  TotalAmount: '100.00',
  EffectiveDate: '2026-03-01',
  CreatedDate: '2026-03-01T00:00:00Z',
  LineCount: 2,
  IsClosed: false,
  OrderItems: [sampleItem, { Quantity: 1, UnitPrice: '1.5', Unit__c: 'BOX' }],
};
const sampleCtx = { lookup: (_t: string, k: string | number) => (k === 'EA' ? 'Pcs' : undefined), ref: () => undefined };

describe('compileExpression never throws', () => {
  it('on arbitrary text (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (text) => wellFormed(text)), { numRuns: 500 });
  });

  it('on CEL-like token soup (property)', () => {
    fc.assert(fc.property(fc.array(token, { maxLength: 25 }), (ts) => wellFormed(ts.join(''))), { numRuns: Number(process.env.CEL_FUZZ_RUNS ?? 1500) });
  });

  it('on deeply nested input', () => {
    wellFormed(`${'('.repeat(200)}1${')'.repeat(200)}`);
    wellFormed(`[${'['.repeat(100)}${']'.repeat(100)}]`);
  });
});

describe('compiled mappings on hostile records raise only CelError', () => {
  const { str, dec, int, bool } = fc.letrec<{ str: string; dec: string; int: string; bool: string }>((tie) => {
    const s = tie('str') as fc.Arbitrary<string>;
    const d = tie('dec') as fc.Arbitrary<string>;
    const i = tie('int') as fc.Arbitrary<string>;
    const b = tie('bool') as fc.Arbitrary<string>;
    return {
      str: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('source.OrderNumber', 'source.Description.orValue("-")', 'source.Status', 'string(source.EffectiveDate)', 'source.AccountId', '"x"'),
        fc.tuple(s, s).map(([a, c]) => `(${a} + ${c})`),
        fc.tuple(s, i).map(([a, n]) => `${a}.truncate(${n})`),
        fc.tuple(s, i, i).map(([a, m, n]) => `${a}.substring(${m}, ${n})`),
        d.map((a) => `string(${a})`),
        s.map((a) => `${a}.trim().upperAscii()`),
      ),
      dec: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('source.TotalAmount', 'source.Discount__c.orValue(decimal("0"))', 'decimal(source.OrderNumber)', 'decimal("1.005")'),
        fc.tuple(d, d, fc.constantFrom('+', '-', '*', '/')).map(([a, c, op]) => `(${a} ${op} ${c})`),
        fc.tuple(d, fc.integer({ min: 0, max: 4 }), fc.constantFrom('half-up', 'half-even', 'down')).map(([a, n, m]) => `${a}.round(${n}, "${m}")`),
        i.map((a) => `decimal(${a})`),
      ),
      int: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('source.LineCount', 'source.Priority__c.orValue(0)', '0', '3', '-1', 'source.OrderItems.size()'),
        fc.tuple(i, i, fc.constantFrom('+', '-', '*', '/', '%')).map(([a, c, op]) => `(${a} ${op} ${c})`),
        s.map((a) => `size(${a})`),
        d.map((a) => `int(${a})`),
      ),
      bool: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('source.IsClosed', 'has(source.Description)', 'source.OrderItems.exists(i, i.Quantity > 1.0)'),
        fc.tuple(d, d).map(([a, c]) => `(${a} < ${c})`),
        fc.tuple(s, s).map(([a, c]) => `(${a} == ${c})`),
        fc.tuple(b, b, fc.constantFrom('&&', '||')).map(([a, c, op]) => `(${a} ${op} ${c})`),
      ),
    };
  });
  const hostileValue = fc.oneof(
    fc.constantFrom(null, undefined, '', 'abc', '12.50', '1e3', '-0', '2026-02-30', '2026-03-01T08:00:00', '/Date(1672531200000)/', true, 0, -1, 1.5, 2 ** 60, Number.NaN, [], {}, [{}], { Quantity: 'x' }),
    fc.string({ maxLength: 8 }),
    fc.double(),
    fc.integer(),
  );
  const fields = ['OrderNumber', 'Status', 'Description', 'AccountId', 'TotalAmount', 'Discount__c', 'EffectiveDate', 'CreatedDate', 'LineCount', 'Priority__c', 'IsClosed', 'OrderItems'];
  const record = fc.dictionary(fc.constantFrom(...fields), hostileValue, { maxKeys: fields.length });

  it('for random typed expressions over random field values (property)', () => {
    fc.assert(
      fc.property(fc.oneof(str, dec, int, bool), record, (expr, source) => {
        const r = compileExpression(expr, scope);
        expect(r.diagnostics, expr).toEqual([]);
        const f = new Function('rt', 'source', 'item', 'ctx', `return ${r.code};`) as (...a: unknown[]) => unknown;
        try {
          f(rt, source, sampleItem, sampleCtx);
        } catch (e) {
          expect(e instanceof rt.CelError ? 'CelError' : `${(e as Error).name}: ${(e as Error).message}`, expr).toBe('CelError');
        }
      }),
      { numRuns: Number(process.env.CEL_FUZZ_RUNS ?? 1000) },
    );
  });
});
