import { describe, expect, it } from 'vitest';
import { checkEndpoints } from './endpoints.ts';
import { indexRepo } from './repo.ts';
import { brief, CONNECTIONS, docsFrom, ORDER_SPEC } from './testing.ts';

const run = (spec: string, extra: Record<string, string> = {}) =>
  checkEndpoints(indexRepo(docsFrom({ 'specs/conn.yaml': CONNECTIONS, 'specs/order.yaml': spec, ...extra })));

describe('checkEndpoints', () => {
  it('accepts existing connections, entities and keys', () => {
    expect(run(ORDER_SPEC)).toEqual([]);
  });

  it('reports an unknown connection with did-you-mean', () => {
    const ds = run(ORDER_SPEC.replace('connection: kingdee-prod', 'connection: kingde-prod'));
    expect(brief(ds)).toEqual(['SS3002 specs/order.yaml:9:25']);
    expect(ds[0]?.suggestion).toBe('kingdee-prod');
  });

  it('reports an unknown entity with did-you-mean from the connection\'s system catalog', () => {
    const ds = run(ORDER_SPEC.replace('entity: SAL_SaleOrder', 'entity: SAL_SalesOrder'));
    expect(brief(ds)).toEqual(['SS3006 specs/order.yaml:9:47']);
    expect(ds[0]).toMatchObject({ severity: 'error', suggestion: 'SAL_SaleOrder' });
  });

  it('reports a key that is not a field, on either side', () => {
    const ds = run(ORDER_SPEC.replace('key: OrderNumber', 'key: OrderNo').replace('key: FBillNo', 'key: FBilNo'));
    expect(brief(ds)).toEqual(['SS3007 specs/order.yaml:8:62', 'SS3007 specs/order.yaml:9:67']);
    expect(ds.map((d) => d.suggestion)).toEqual([undefined, 'FBillNo']);
  });

  it('accepts a custom key field an EntitySchema adds', () => {
    const custom = 'apiVersion: syncspec.dev/v1\nkind: EntitySchema\nmetadata: { name: order-erp-id }\nspec:\n  system: salesforce\n  entity: Order\n  fields:\n    ERP_Id__c: { type: string, maxLength: 40 }\n';
    const spec = ORDER_SPEC.replace('key: OrderNumber', 'key: ERP_Id__c');
    expect(brief(run(spec))).toEqual(['SS3007 specs/order.yaml:8:62']);
    expect(run(spec, { 'specs/custom.yaml': custom })).toEqual([]);
  });

  it('only warns for a database table missing from the static catalog', () => {
    const pg = 'apiVersion: syncspec.dev/v1\nkind: Connection\nmetadata: { name: reporting-db }\nspec:\n  system: postgresql\n  url: postgres://db.internal/reporting\n  auth: { method: connection-string }\n';
    const spec = ORDER_SPEC.replace('target: { connection: kingdee-prod, entity: SAL_SaleOrder, key: FBillNo }', 'target: { connection: reporting-db, entity: reporting.orders, key: id }');
    const ds = run(spec, { 'specs/pg.yaml': pg });
    expect(ds.map((d) => `${d.code} ${d.severity}`)).toEqual(['SS3006 warning']);
  });
});
