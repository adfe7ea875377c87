/**
 * The slice of Salesforce's object metadata the emulator enforces: field names (case-insensitive, as
 * in the API), types, lengths, required-on-create, read-only system fields and External ID flags.
 */
export type SfFieldType = 'id' | 'string' | 'textarea' | 'picklist' | 'date' | 'datetime' | 'double' | 'currency' | 'boolean' | 'reference';

export interface SfField {
  type: SfFieldType;
  length?: number;
  required?: boolean;
  readOnly?: boolean;
  externalId?: boolean;
  /** Referenced object of a `reference` field (relationship name: the field without `Id`). */
  refTo?: string;
}

export interface SfObject {
  /** Three-character key prefix of record ids. */
  prefix: string;
  fields: Record<string, SfField>;
  /** Auto-number field filled on create (Order.OrderNumber). */
  autoNumber?: string;
  /** Child relationships usable in sub-queries: name → child object and its reference field. */
  children?: Record<string, { object: string; field: string }>;
}

const system: Record<string, SfField> = {
  Id: { type: 'id', readOnly: true },
  IsDeleted: { type: 'boolean', readOnly: true },
  CreatedDate: { type: 'datetime', readOnly: true },
  CreatedById: { type: 'reference', readOnly: true },
  LastModifiedDate: { type: 'datetime', readOnly: true },
  LastModifiedById: { type: 'reference', readOnly: true },
  SystemModstamp: { type: 'datetime', readOnly: true },
};

export const DEFAULT_OBJECTS: Record<string, SfObject> = {
  Account: {
    prefix: '001',
    children: { Contacts: { object: 'Contact', field: 'AccountId' }, Orders: { object: 'Order', field: 'AccountId' } },
    fields: {
      ...system,
      Name: { type: 'string', length: 255, required: true },
      AccountNumber: { type: 'string', length: 40, externalId: true },
      ExtId__c: { type: 'string', length: 80, externalId: true },
      BillingStreet: { type: 'textarea', length: 255 },
      BillingCity: { type: 'string', length: 40 },
      BillingState: { type: 'string', length: 80 },
      BillingPostalCode: { type: 'string', length: 20 },
      BillingCountry: { type: 'string', length: 80 },
      Phone: { type: 'string', length: 40 },
      Description: { type: 'textarea', length: 32000 },
      Region__c: { type: 'picklist', length: 255 },
    },
  },
  Contact: {
    prefix: '003',
    fields: {
      ...system,
      LastName: { type: 'string', length: 80, required: true },
      FirstName: { type: 'string', length: 40 },
      Email: { type: 'string', length: 80 },
      Phone: { type: 'string', length: 40 },
      AccountId: { type: 'reference', refTo: 'Account' },
      ExtId__c: { type: 'string', length: 80, externalId: true },
    },
  },
  Product2: {
    prefix: '01t',
    fields: {
      ...system,
      Name: { type: 'string', length: 255, required: true },
      ProductCode: { type: 'string', length: 255 },
      IsActive: { type: 'boolean' },
      Family: { type: 'picklist', length: 255 },
      ExtId__c: { type: 'string', length: 80, externalId: true },
    },
  },
  Order: {
    prefix: '801',
    children: { OrderItems: { object: 'OrderItem', field: 'OrderId' } },
    autoNumber: 'OrderNumber',
    fields: {
      ...system,
      OrderNumber: { type: 'string', length: 30, readOnly: true },
      AccountId: { type: 'reference', required: true, refTo: 'Account' },
      EffectiveDate: { type: 'date', required: true },
      Status: { type: 'picklist', length: 255, required: true },
      TotalAmount: { type: 'currency', readOnly: true },
      Pricebook2Id: { type: 'reference' },
      PoNumber: { type: 'string', length: 80 },
      Description: { type: 'textarea', length: 32000 },
      Region__c: { type: 'picklist', length: 255 },
      ExtId__c: { type: 'string', length: 80, externalId: true },
    },
  },
};

DEFAULT_OBJECTS.OrderItem = {
  prefix: '802',
  fields: {
    ...system,
    OrderId: { type: 'reference', required: true, refTo: 'Order' },
    Product2Id: { type: 'reference', refTo: 'Product2' },
    PricebookEntryId: { type: 'reference' },
    Quantity: { type: 'double', required: true },
    UnitPrice: { type: 'currency', required: true },
    TotalPrice: { type: 'currency', readOnly: true },
    Description: { type: 'string', length: 255 },
    Unit__c: { type: 'picklist', length: 255 },
    ExtId__c: { type: 'string', length: 80, externalId: true },
  },
};

/** Canonical field name for a case-insensitive one, or undefined. */
export function resolveField(obj: SfObject, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(obj.fields).find((f) => f.toLowerCase() === lower);
}

export function resolveObject(objects: Record<string, SfObject>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(objects).find((o) => o.toLowerCase() === lower);
}
