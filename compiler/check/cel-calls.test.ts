import { describe, expect, it } from 'vitest';
import { checkCelCalls, literalEnd } from './cel-calls.ts';
import { indexRepo } from './repo.ts';
import { brief, CONNECTIONS, docsFrom, LOOKUPS, ORDER_SPEC } from './testing.ts';

const ACCOUNT_SPEC = ORDER_SPEC.replace('name: crm-order-to-erp-sales-order', 'name: crm-account-to-erp-customer');
const run = (spec: string, extra: Record<string, string> = {}) =>
  checkCelCalls(indexRepo(docsFrom({ 'specs/conn.yaml': CONNECTIONS, 'specs/units.yaml': LOOKUPS, 'specs/order.yaml': spec, ...extra })));

describe('checkCelCalls', () => {
  it('accepts existing tables, keys and specs', () => {
    const spec = ORDER_SPEC.replace('FBillNo: source.OrderNumber', "FBillNo: ref('crm-account-to-erp-customer', source.AccountId)");
    expect(run(spec, { 'specs/account.yaml': ACCOUNT_SPEC })).toEqual([]);
  });

  it('reports an unknown table at the literal, with did-you-mean', () => {
    const ds = run(ORDER_SPEC.replace("lookup('units', 'EA')", "lookup('unit', item.Unit__c)"));
    expect(brief(ds)).toEqual(['SS3003 specs/order.yaml:23:25']);
    expect(ds[0]?.range?.end.col).toBe(31);
    expect(ds[0]?.suggestion).toBe('units');
  });

  it('reports a literal key missing from the table; a table default makes it a warning', () => {
    const spec = ORDER_SPEC.replace("lookup('units', 'EA')", "lookup('units', 'PCS')");
    expect(run(spec).map((d) => `${d.code} ${d.severity} ${d.range?.start.col}-${d.range?.end.col}`)).toEqual(['SS3004 error 34-39']);
    const withDefault = LOOKUPS.replace('entries:', 'default: Pcs\n  entries:');
    expect(checkCelCalls(indexRepo(docsFrom({ 'specs/units.yaml': withDefault, 'specs/order.yaml': spec }))).map((d) => d.severity)).toEqual(['warning']);
  });

  it('reports ref() to a spec that does not exist, and non-literal names', () => {
    const spec = ORDER_SPEC.replace('FBillNo: source.OrderNumber', "FBillNo: ref('crm-acount-to-erp-customer', source.AccountId) + lookup(source.Table, 'x')");
    const ds = run(spec, { 'specs/account.yaml': ACCOUNT_SPEC });
    expect(ds.map((d) => `${d.code} ${d.range?.start.line}:${d.range?.start.col} ${d.suggestion ?? ''}`.trim())).toEqual([
      'SS3005 16:18 crm-account-to-erp-customer',
      'SS3003 16:75',
    ]);
  });

  it('finds calls nested in macros and method chains', () => {
    const spec = ORDER_SPEC.replace('each: source.OrderItems', "each: source.OrderItems.filter(i, lookup('nope', i.X) != '')");
    expect(run(spec).map((d) => d.code)).toEqual(['SS3003']);
  });

  it('checks literal time zones passed to date() and datetime()', () => {
    const spec = ORDER_SPEC.replace('FDate: source.EffectiveDate', "FDate: date(source.EffectiveDate, 'Asia/Shangai') + datetime(source.X, 'UTC')");
    const ds = run(spec);
    expect(brief(ds)).toEqual(['SS3009 specs/order.yaml:17:39']);
    expect(ds[0]).toMatchObject({ suggestion: 'Asia/Shanghai', range: { end: { col: 53 } } });
  });

  it('measures literal tokens', () => {
    expect(literalEnd("f('ab', 1)", 2)).toBe(6);
    expect(literalEnd(String.raw`f("a\"b")`, 2)).toBe(8);
    expect(literalEnd("f(r'a\\')", 2)).toBe(7);
    expect(literalEnd('f(123)', 2)).toBe(5);
  });
});
