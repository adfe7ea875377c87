import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldDef } from '../catalog/types.ts';
import * as rt from '../../runtime/support/index.ts';
import type { CelScope } from './api.ts';
import { lit } from './code.ts';
import { scopeFor } from './fixtures.ts';
import { compileExpression } from './index.ts';

const scope = scopeFor();

function diag(text: string, expected?: FieldDef, s: CelScope = scope) {
  const r = compileExpression(text, s, expected);
  expect(r.code).toBeUndefined();
  const d = r.diagnostics[0];
  if (!d) throw new Error(`no diagnostic for ${text}`);
  return { ...d, text: text.slice(d.start, d.end) };
}

function run(text: string, source: Record<string, unknown>, expected?: FieldDef, ctx: Partial<rt.LookupContext> = {}): unknown {
  const r = compileExpression(text, scope, expected);
  if (r.code === undefined) throw new Error(`did not compile: ${JSON.stringify(r.diagnostics)}`);
  return new Function('rt', 'source', 'ctx', `return ${r.code};`)(rt, source, ctx);
}

function runError(text: string, source: Record<string, unknown>, expected?: FieldDef): string {
  try {
    run(text, source, expected);
  } catch (e) {
    if (e instanceof rt.CelError) return e.code;
    throw e;
  }
  throw new Error('expected a CelError');
}

const order = {
  OrderNumber: '00000123',
  Status: 'Activated',
  Description: null,
  AccountId: '001A000001',
  TotalAmount: '1130.00',
  EffectiveDate: '2026-03-01',
  CreatedDate: '2026-03-01T00:30:00Z',
  LineCount: 2,
  IsClosed: false,
  OrderItems: [
    { Quantity: 2, UnitPrice: '19.99', Unit__c: 'EA' },
    { Quantity: 0.1, UnitPrice: '0.10', Unit__c: 'BOX', ProductCode: 'P-1' },
  ],
};

describe('diagnostics point at the exact characters', () => {
  it('unknown field, with did-you-mean', () => {
    const d = diag('decimal(source.TotalAmout).round(2)');
    expect(d.code).toBe('SS3103');
    expect(d.text).toBe('TotalAmout');
    expect(d.start).toBe(15);
    expect(d.suggestion).toBe('TotalAmount');
    expect(d.summary).toContain('did you mean "TotalAmount"');
  });

  it('unknown field of a child record inside a macro', () => {
    const d = diag('source.OrderItems.map(i, i.Quantty)');
    expect(d.code).toBe('SS3103');
    expect(d.text).toBe('Quantty');
    expect(d.suggestion).toBe('Quantity');
  });

  it('unknown variable and unknown function', () => {
    expect(diag('sourse.OrderNumber')).toMatchObject({ code: 'SS3102', text: 'sourse', suggestion: 'source' });
    expect(diag('source.OrderNumber.startWith("0")')).toMatchObject({ code: 'SS3104', text: 'startWith', suggestion: 'startsWith' });
    expect(diag('now()')).toMatchObject({ code: 'SS3121', text: 'now' });
  });

  it('string into a decimal field names both types', () => {
    const d = diag('source.OrderNumber', { type: 'decimal', precision: 18, scale: 2 });
    expect(d.code).toBe('SS3107');
    expect(d.summary).toContain('decimal(18, 2)');
    expect(d.summary).toContain('string');
    expect(d.text).toBe('source.OrderNumber');
  });

  it('nullable into a required target needs a fallback', () => {
    const d = diag('source.Description', { type: 'string', requiredOnCreate: true });
    expect(d.code).toBe('SS3108');
    expect(d.suggestion).toBe('source.Description.orValue("")');
    expect(compileExpression('source.Description.orValue("")', scope, { type: 'string', requiredOnCreate: true }).code).toBeDefined();
    expect(compileExpression('coalesce(source.Description, source.OrderNumber)', scope, { type: 'string', requiredOnCreate: true }).code).toBeDefined();
    expect(diag('coalesce(source.Description, source.Region__c)', { type: 'string', requiredOnCreate: true }).code).toBe('SS3108');
  });

  it('overload not found lists the candidates', () => {
    const d = diag('source.LineCount + source.OrderNumber');
    expect(d.code).toBe('SS3105');
    expect(d.summary).toBe('no overload of operator + takes (int, string)');
    expect(d.detail).toContain('(int, int) -> int');
    expect(d.text).toBe('source.LineCount + source.OrderNumber');
  });

  it('text longer than the target, known statically', () => {
    expect(diag('"ABCDEFGHIJK"', { type: 'string', maxLength: 10 })).toMatchObject({ code: 'SS3109' });
    expect(diag('source.OrderNumber.substring(0, 40)', { type: 'string', maxLength: 30 })).toMatchObject({ code: 'SS3109' });
    expect(runError('source.OrderNumber', { ...order, OrderNumber: 'x'.repeat(11) }, { type: 'string', maxLength: 10 })).toBe('SS5110');
    // truncate(n) bounds the length, so no run-time check is emitted; a longer bound keeps the check.
    expect(compileExpression('source.Description.orValue("").truncate(10)', scope, { type: 'string', maxLength: 10 }).code).not.toContain('outStr');
    expect(compileExpression('source.Description.orValue("").truncate(20)', scope, { type: 'string', maxLength: 10 }).code).toContain('outStr');
  });

  it('enum literal not in the values', () => {
    expect(diag('"Open"', { type: 'enum', values: ['Draft', 'Activated'] })).toMatchObject({ code: 'SS3110', text: '"Open"' });
    expect(runError('source.OrderNumber', order, { type: 'enum', values: ['A'] })).toBe('SS5111');
  });

  it('lookups: unknown table, key type, key not in table', () => {
    expect(diag('lookup("unit", source.OrderItems[0].Unit__c)')).toMatchObject({ code: 'SS3111', text: '"unit"', suggestion: 'units' });
    expect(diag('lookup("units", source.LineCount)')).toMatchObject({ code: 'SS3112', text: 'source.LineCount' });
    expect(diag('lookup("units", "EACH")')).toMatchObject({ code: 'SS3120', text: '"EACH"' });
    expect(diag('lookup(source.OrderNumber, "EA")')).toMatchObject({ code: 'SS3115' });
  });

  it('refs: unknown spec and id type mismatch', () => {
    expect(diag('ref("crm-account-to-erp-customers", source.AccountId)')).toMatchObject({ code: 'SS3113', suggestion: 'crm-account-to-erp-customer' });
    expect(diag('ref("erp-numbered-spec", source.AccountId)')).toMatchObject({ code: 'SS3114', text: 'source.AccountId' });
  });

  it('a ref() mapped whole to a required field waits for the record (SS5118) instead of needing a fallback', () => {
    const req: FieldDef = { type: 'reference', entity: 'BD_Customer', by: 'FNumber', requiredOnCreate: true };
    const ctx = { ref: (_spec: string, id: string) => (id === '001A000001' ? 'CUST-0001' : undefined) };
    const synced = { ...order, AccountId: '001A000001' };
    const text = 'ref("crm-account-to-erp-customer", source.AccountId)';
    expect(compileExpression(text, scope, req).code).toContain('rt.refRequired(ctx, "crm-account-to-erp-customer"');
    expect(run(text, synced, req, ctx)).toBe('CUST-0001');
    try {
      run(text, { ...order, AccountId: '001NOTYET' }, req, ctx);
      throw new Error('expected a CelError');
    } catch (e) {
      expect(e).toBeInstanceOf(rt.CelError);
      expect(e).toMatchObject({ code: 'SS5118', message: 'reference not synced: crm-account-to-erp-customer 001NOTYET' });
    }
    // A nullable target still gets null; an explicit fallback still wins; a ref inside another expression still needs one.
    expect(run(text, { ...order, AccountId: '001NOTYET' }, { type: 'reference', entity: 'BD_Customer', by: 'FNumber', nullable: true }, ctx)).toBeNull();
    expect(run(`${text}.orValue("")`, { ...order, AccountId: '001NOTYET' }, req, ctx)).toBe('');
    expect(diag(`coalesce(${text}, source.Description)`, req).code).toBe('SS3108');
  });

  it('rounding mode and zone literals are checked', () => {
    expect(diag('source.TotalAmount.round(2, "bankers")')).toMatchObject({ code: 'SS3117', text: '"bankers"' });
    expect(diag('date(source.CreatedDate, "Asia/Shanghia")')).toMatchObject({ code: 'SS3116', text: '"Asia/Shanghia"' });
  });

  it('syntax errors point at the offending character', () => {
    expect(diag('source.OrderNumber +* 1')).toMatchObject({ code: 'SS3101' });
    expect(diag('source.OrderNumber +* 1').text).toBe('+');
  });

  it('reports every problem, not only the first', () => {
    const r = compileExpression('source.Nme + source.Stauts', scope);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SS3103', 'SS3103']);
  });
});

describe('run-time semantics', () => {
  it('maps an order with decimals, dates, lookups and refs', () => {
    const ctx = { lookup: (t: string, k: string | number) => (t === 'units' ? ({ EA: 'Pcs', BOX: 'Box' } as Record<string, string>)[String(k)] : undefined), ref: (_spec: string, id: string) => (id === '001A000001' ? 'CUST-0001' : undefined) };
    expect(run('source.OrderItems.map(i, decimal(i.Quantity) * i.UnitPrice)', order)).toEqual([rt.Decimal.parse('39.98'), rt.Decimal.parse('0.010')]);
    expect(run('source.TotalAmount * decimal("1.13")', order, { type: 'decimal', scale: 4 })).toBe('1276.9000');
    expect(() => run('source.TotalAmount / 3', order, { type: 'decimal', scale: 2 })).toThrowError(/round it/);
    expect(run('(source.TotalAmount / 3).round(2)', order, { type: 'decimal', scale: 2 })).toBe('376.67');
    expect(run('date(source.CreatedDate)', order, { type: 'date' })).toBe('2026-03-01');
    expect(run('date(source.CreatedDate, "America/Los_Angeles")', order, { type: 'date' })).toBe('2026-02-28');
    expect(run('source.CreatedDate', order, { type: 'datetime', zone: 'Asia/Shanghai' })).toBe('2026-03-01T08:30:00');
    // CreatedDate is declared zone "utc": offset-less text is UTC, not the connection's Asia/Shanghai.
    expect(run('source.CreatedDate', { ...order, CreatedDate: '2026-03-01T00:30:00' }, { type: 'datetime' })).toBe('2026-03-01T00:30:00Z');
    expect(run('lookup("units", source.OrderItems[1].Unit__c)', order, { type: 'string' }, ctx)).toBe('Box');
    expect(run('ref("crm-account-to-erp-customer", source.AccountId)', order, { type: 'string' }, ctx)).toBe('CUST-0001');
    expect(run('source.LineCount * 2', order, { type: 'integer' })).toBe(4);
    expect(run('source.Description', order, { type: 'string' })).toBeNull();
    expect(run('source.Discount__c', order, { type: 'decimal', scale: 2 })).toBeNull();
    expect(run('source.OrderItems[0].Quantity', order, { type: 'decimal', scale: 3 })).toBe('2');
    expect(run('decimal("113").round(2)', order, { type: 'decimal', scale: 10 })).toBe('113.00');
    expect(run('decimal("1.50000")', order, { type: 'decimal', scale: 2 })).toBe('1.50');
  });

  it('narrows a nullable field that a condition proved present', () => {
    const req: FieldDef = { type: 'string', requiredOnCreate: true };
    expect(compileExpression('has(source.Description) ? source.Description : "none"', scope, req).diagnostics).toEqual([]);
    expect(compileExpression('source.Description != null ? source.Description : "none"', scope, req).diagnostics).toEqual([]);
    expect(compileExpression('has(source.Region__c) && source.Region__c.size() > 2', scope).code).toContain('rt.fieldStr(source["Region__c"], "Region__c")');
    expect(diag('has(source.Region__c) ? source.Description : "none"', req).code).toBe('SS3108');
    expect(run('has(source.Description) ? source.Description : "none"', order, req)).toBe('none');
    expect(run('has(source.Description) ? source.Description : "none"', { ...order, Description: 'd' }, req)).toBe('d');
  });

  it('distinguishes a missing required field from a null nullable one', () => {
    const { LineCount: _, ...noCount } = order;
    expect(runError('source.LineCount + 1', noCount)).toBe('SS5104');
    expect(runError('source.Description.size()', order)).toBe('SS5103');
    expect(run('has(source.Description)', order)).toBe(false);
    expect(run('has(source.Account.Name)', order)).toBe(false);
    expect(run('has(source.Account.Name)', { ...order, Account: { Id: '1', Name: 'n' } })).toBe(true);
    expect(runError('source.Account.Name', order)).toBe('SS5103');
    expect(run('source.Description == null', order)).toBe(true);
  });

  it('follows CEL for overflow, division by zero and logic over errors', () => {
    expect(runError('source.LineCount * 9223372036854775807', order)).toBe('SS5101');
    expect(runError('source.LineCount / (source.LineCount - 2)', order)).toBe('SS5102');
    expect(run('source.LineCount / (source.LineCount - 2) == 1 || true', order)).toBe(true);
    expect(run('false && source.LineCount / 0 == 1', order)).toBe(false);
  });

  it('a __proto__ or constructor key in input data stays data', () => {
    const hostile = JSON.parse('{"OrderNumber":"1","__proto__":{"polluted":true},"constructor":"x","LineCount":1}') as Record<string, unknown>;
    expect(run('source.OrderNumber', hostile)).toBe('1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Names Object.prototype has are read as own properties only (see the hostile-names test below); other
    // names are plain reads, which find only own data on JSON records and on null-prototype rows.
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { OrderNumber: '2', LineCount: 1 });
    expect(run('source.OrderNumber', bare)).toBe('2');
    expect(runError('source.LineCount', JSON.parse('{"__proto__":{"LineCount":5}}') as Record<string, unknown>)).toBe('SS5104');
  });

  it('hostile catalog field names are read as own data, never through prototypes', () => {
    const names = ['__proto__', 'constructor', 'toString', '*/ x', '`${1}`', 'a"b\'c', 'line\nbreak', 'u\u2028v', '😀字段'];
    const fields: Record<string, FieldDef> = {};
    for (const n of names) Object.defineProperty(fields, n, { value: { type: 'string', nullable: true }, enumerable: true, writable: true, configurable: true });
    const hostileScope: CelScope = { ...scope, entity: (e) => (e === 'H' ? { keys: [], fields } : undefined), variables: { source: { type: { kind: 'record', entity: 'H' }, nullable: false } } };
    const data = JSON.parse(JSON.stringify(Object.fromEntries(names.map((n) => [n, `v:${n}`])))) as Record<string, unknown>;
    for (const n of names) {
      const r = compileExpression(`source[${JSON.stringify(n)}].orValue("absent")`, hostileScope);
      expect(r.diagnostics, n).toEqual([]);
      const f = new Function('rt', 'source', 'ctx', `return ${r.code};`);
      expect(f(rt, data, {}), n).toBe(`v:${n}`);
      expect(f(rt, {}, {}), n).toBe('absent');
    }
  });

  it('hostile string literals and field names compile to safe code (property)', () => {
    const s: CelScope = { ...scope, variables: { source: { type: { kind: 'record', entity: 'Order' }, nullable: false } } };
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '"', "'", '\\', '`', '${', '*/', '\n', '\u2028', '\u2029', '中', '😀', '</script>') }), (str) => {
        const celLiteral = `"${str.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
        const r = compileExpression(`${celLiteral} + source.OrderNumber`, s);
        expect(r.diagnostics).toEqual([]);
        expect(r.code).toBeDefined();
        expect(new Function('rt', 'source', 'ctx', `return ${r.code};`)(rt, { OrderNumber: '!' }, {})).toBe(`${str}!`);
        expect(r.code).not.toMatch(/[\u2028\u2029]/);
      }),
    );
    expect(run('source["名称"].orValue("无")', { ...order, 名称: '上海' })).toBe('上海');
    expect(diag('source["名"]')).toMatchObject({ code: 'SS3103', suggestion: '名称' });
    expect(lit('a\u2028b').text).toBe('"a\\u2028b"');
  });
});

describe('fused writers (runtime/support/fused.ts) where a target field consumes a known chain', () => {
  const itemScope = scopeFor({ source: 'Order', item: 'OrderItem' });
  const dec: FieldDef = { type: 'decimal', precision: 23, scale: 10 };
  const codeOf = (text: string, f?: FieldDef): string => {
    const r = compileExpression(text, itemScope, f);
    if (r.code === undefined) throw new Error(`did not compile: ${JSON.stringify(r.diagnostics)}`);
    return r.code;
  };
  const exec = (code: string, source: unknown, item: unknown): unknown => {
    try {
      return { value: new Function('rt', 'source', 'item', 'ctx', `return ${code};`)(rt, source, item, {}) };
    } catch (e) {
      return { code: (e as { code?: unknown }).code, message: (e as Error).message };
    }
  };

  it('are emitted for decimal(x).round(n[, mode]), unrounded decimals and date fields', () => {
    expect(codeOf('decimal(item.Quantity).round(2)', dec)).toBe('rt.outRounded2(rt.fieldDbl(item["Quantity"], "Quantity"), "half-up", 10, 23)');
    expect(codeOf('item.UnitPrice.round(2, "half-even")', dec)).toBe('rt.outRounded2(rt.fieldDecIn(item["UnitPrice"], "UnitPrice"), "half-even", 10, 23)');
    expect(codeOf('decimal(13).round(2)', dec)).toBe('rt.outRounded2(13n, "half-up", 10, 23)');
    expect(codeOf('source.TotalAmount', { type: 'decimal', scale: 2 })).toBe('rt.outDecOf(rt.fieldDecIn(source["TotalAmount"], "TotalAmount"), 2)');
    expect(codeOf('source.Discount__c', { type: 'decimal', scale: 2 })).toBe('rt.outDecOfN(rt.fieldDecInN(source["Discount__c"], "Discount__c"), 2)');
    expect(codeOf('item.Quantity', dec)).toBe('rt.outDecOf(rt.fieldDbl(item["Quantity"], "Quantity"), 10, 23)');
    expect(codeOf('source.EffectiveDate', { type: 'date' })).toBe('rt.outDateField(source["EffectiveDate"], "EffectiveDate", "Asia/Shanghai")');
    expect(codeOf('size(source.OrderNumber) > 20')).toBe('rt.strSizeGt(rt.fieldStr(source["OrderNumber"], "OrderNumber"), 20)');
    // Not a plain value: arithmetic and a computed number of places keep the chain.
    expect(codeOf('(source.TotalAmount / 3).round(2)', dec)).toMatch(/^rt\.outDec\(rt\.round\(/);
    expect(codeOf('item.UnitPrice.round(source.LineCount)', dec)).toMatch(/^rt\.outDec\(rt\.round\(/);
    expect(codeOf('decimal(item.Quantity).round(2)')).toBe('rt.round(rt.decimal(rt.fieldDbl(item["Quantity"], "Quantity")), 2n)');
  });

  it('give the values and errors of the unfused chain (property)', () => {
    const value = fc.oneof(
      fc.double(),
      fc.tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 5 })).map(([n, k]) => n / 10 ** k),
      fc.constantFrom(0.125, 2.675, 1.005, -0, 1e21, Number.NaN, '113.00', '-0.005', '1e3', ' 2.5 ', 'abc', '', null, true, 12n),
      fc.integer().map(String),
    );
    const cases: [string, FieldDef | undefined][] = [
      ['decimal(item.Quantity).round(2)', dec],
      ['decimal(item.Quantity).round(0, "half-even")', { type: 'decimal', precision: 12 }],
      ['item.UnitPrice.round(1, "floor")', { type: 'decimal', scale: 4, precision: 9 }],
      ['item.UnitPrice.round(3, "ceiling")', { type: 'decimal', scale: 2 }],
      ['item.UnitPrice', { type: 'decimal', scale: 2, precision: 12 }],
      ['item.Quantity', { type: 'decimal' }],
      ['decimal(item.Quantity)', { type: 'decimal', scale: 3 }],
    ];
    fc.assert(
      fc.property(value, value, (q, p) => {
        const item = { Quantity: q, UnitPrice: p };
        for (const [text, f] of cases) {
          // The same expression compiled without a target is the plain chain; the target's writer is then outDec.
          const plain = codeOf(text);
          const scale = f?.type === 'decimal' ? f.scale : undefined;
          const precision = f?.type === 'decimal' ? f.precision : undefined;
          const unfused = `rt.outDec(${/^rt\.field/.test(plain) && !plain.startsWith('rt.fieldDec') ? `rt.decimal(${plain})` : plain}, ${scale}, ${precision})`;
          expect(exec(codeOf(text, f), order, item), text).toEqual(exec(unfused, order, item));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('size(s) against a literal counts as size() does, either side, every ordering (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', '中', '😀', '\uD800'), maxLength: 8 });
    fc.assert(
      fc.property(text, fc.integer({ min: -1, max: 10 }), (s, n) => {
        const size = [...s].length;
        const src = { ...order, Description: s };
        const want: Record<string, boolean> = { '>': size > n, '>=': size >= n, '<': size < n, '<=': size <= n };
        for (const op of ['>', '>=', '<', '<='] as const) {
          expect(run(`size(source.Description.orValue("")) ${op} ${n}`, src), op).toBe(want[op]);
          const flipped = { '>': '<', '>=': '<=', '<': '>', '<=': '>=' }[op];
          expect(run(`${n} ${flipped} source.Description.orValue("").size()`, src), op).toBe(want[op]);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
