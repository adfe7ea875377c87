/** A small catalog and scope for the compiler's own tests (Salesforce-like source, Kingdee-like targets). */
import type { EntityDef } from '../catalog/types.ts';
import type { CelScope } from './api.ts';

export const entities: Record<string, EntityDef> = {
  Order: {
    keys: ['OrderNumber'],
    fields: {
      OrderNumber: { type: 'string', maxLength: 30 },
      Status: { type: 'enum', values: ['Draft', 'Activated'] },
      Description: { type: 'string', nullable: true },
      AccountId: { type: 'reference', entity: 'Account' },
      TotalAmount: { type: 'decimal', precision: 18, scale: 2 },
      Discount__c: { type: 'decimal', scale: 2, nullable: true },
      EffectiveDate: { type: 'date' },
      CreatedDate: { type: 'datetime', zone: 'utc' },
      Region__c: { type: 'string', nullable: true },
      LineCount: { type: 'integer' },
      Priority__c: { type: 'integer', nullable: true },
      IsClosed: { type: 'boolean' },
      Account: { type: 'record', entity: 'Account', nullable: true },
      OrderItems: { type: 'list', entity: 'OrderItem' },
      '名称': { type: 'string', nullable: true },
    },
  },
  OrderItem: {
    keys: [],
    child: true,
    fields: {
      Quantity: { type: 'double' },
      UnitPrice: { type: 'decimal', scale: 2 },
      Unit__c: { type: 'string' },
      ProductCode: { type: 'string', nullable: true },
    },
  },
  Account: { keys: ['Id'], fields: { Id: { type: 'string' }, Name: { type: 'string' } } },
};

export function scopeFor(vars: Record<string, string> = { source: 'Order' }): CelScope {
  return {
    variables: Object.fromEntries(Object.entries(vars).map(([k, e]) => [k, { type: { kind: 'record', entity: e }, nullable: false }])),
    entity: (n) => (Object.hasOwn(entities, n) ? entities[n] : undefined),
    lookups: {
      units: { keyType: 'string', valueType: 'string', keys: ['EA', 'BOX'], hasDefault: false },
      'tax-rates': { keyType: 'string', valueType: 'decimal', keys: ['CN'], hasDefault: true },
      'region-codes': { keyType: 'int', valueType: 'string', keys: ['1', '2'], hasDefault: false },
    },
    refs: {
      'crm-account-to-erp-customer': { sourceKeyType: { kind: 'string' } },
      'erp-numbered-spec': { sourceKeyType: { kind: 'int' } },
    },
    timezone: 'Asia/Shanghai',
  };
}
