import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadText } from '../load/index.ts';
import { SYSTEMS } from '../model.ts';
import { baseCatalog, buildCatalogs, capabilitiesFor, catalogFor, catalogUrl, type Capabilities } from './load.ts';
import type { Catalog, FieldDef } from './types.ts';

const schemaDir = new URL('../../schemas/', import.meta.url);
const readSchema = (name: string): object => JSON.parse(readFileSync(new URL(name, schemaDir), 'utf8')) as object;
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validateCatalog = ajv.compile(readSchema('catalog.schema.json'));
const validateCapabilities = ajv.compile(readSchema('capabilities.schema.json'));

const connectorsDir = new URL('../../connectors/', import.meta.url);
const catalogSystems = readdirSync(connectorsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && readdirSync(new URL(`${d.name}/`, connectorsDir)).includes('catalog.json'))
  .map((d) => d.name)
  .sort();

const readRaw = (system: string): unknown => JSON.parse(readFileSync(catalogUrl(system), 'utf8'));

describe('shipped catalogs', () => {
  it('exist for every system a Connection may name', () => {
    expect(catalogSystems).toEqual([...SYSTEMS].sort());
  });

  describe.each(catalogSystems)('%s', (system) => {
    const catalog = readRaw(system) as Catalog;

    it('validates against schemas/catalog.schema.json', () => {
      const ok = validateCatalog(catalog);
      expect(validateCatalog.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
      expect(catalog.system).toBe(system);
    });

    it('names keys and cursors that are fields of their entity', () => {
      const problems: string[] = [];
      for (const [name, entity] of Object.entries(catalog.entities)) {
        for (const key of entity.keys) if (!entity.fields[key]) problems.push(`${name}: key ${key}`);
        if (entity.cursor !== undefined) {
          const cursor = entity.fields[entity.cursor];
          if (!cursor) problems.push(`${name}: cursor ${entity.cursor}`);
          else if (cursor.type !== 'datetime' && cursor.type !== 'date') problems.push(`${name}: cursor ${entity.cursor} is ${cursor.type}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('resolves every reference, record and list entity, and every `by` key', () => {
      const problems: string[] = [];
      for (const [name, entity] of Object.entries(catalog.entities)) {
        for (const [fieldName, field] of Object.entries(entity.fields) as [string, FieldDef][]) {
          if (field.type !== 'reference' && field.type !== 'record' && field.type !== 'list') continue;
          const target = catalog.entities[field.entity];
          if (!target) problems.push(`${name}.${fieldName} → ${field.entity}`);
          else if (field.type === 'reference' && field.by !== undefined && !target.fields[field.by]) problems.push(`${name}.${fieldName} by ${field.by}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('reaches every child entity through a list or record field', () => {
      const reached = new Set<string>();
      for (const entity of Object.values(catalog.entities))
        for (const field of Object.values(entity.fields) as FieldDef[])
          if (field.type === 'list' || field.type === 'record') reached.add(field.entity);
      const orphans = Object.entries(catalog.entities).filter(([n, e]) => e.child && !reached.has(n)).map(([n]) => n);
      expect(orphans).toEqual([]);
    });

    it('uses valid IANA zones for the catalog and for datetime fields', () => {
      const zones = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
      if (catalog.timezone !== undefined) expect(zones.has(catalog.timezone)).toBe(true);
      const bad: string[] = [];
      for (const [name, entity] of Object.entries(catalog.entities))
        for (const [fieldName, field] of Object.entries(entity.fields) as [string, FieldDef][])
          if (field.type === 'datetime' && field.zone !== undefined && field.zone !== 'utc' && field.zone !== 'offset' && !zones.has(field.zone))
            bad.push(`${name}.${fieldName}: ${field.zone}`);
      expect(bad).toEqual([]);
    });

    it('has capabilities that validate and agree with the catalog', () => {
      const caps = capabilitiesFor(system) as Capabilities;
      expect(validateCapabilities(caps)).toBe(true);
      expect(caps.system).toBe(system);
      expect(caps.webhookEvents !== undefined).toBe(caps.triggers.includes('webhook'));
      // Polling needs something to poll on: at least one top-level entity with a cursor.
      if (caps.triggers.includes('poll')) expect(Object.values(catalog.entities).some((e) => !e.child && e.cursor)).toBe(true);
    });
  });

  it('rejects a catalog with an unknown field type or a missing key list', () => {
    expect(validateCatalog({ system: 'x', entities: { A: { keys: ['a'], fields: { a: { type: 'money' } } } } })).toBe(false);
    expect(validateCatalog({ system: 'x', entities: { A: { fields: { a: { type: 'string' } } } } })).toBe(false);
    expect(validateCatalog({ system: 'x', entities: { A: { keys: ['a'], fields: { a: { type: 'string', precision: 3 } } } } })).toBe(false);
    expect(validateCatalog({ system: 'x', entities: { A: { keys: ['a'], fields: { a: { type: 'enum' } } } } })).toBe(false);
  });

  it('gives every schema property a description', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const props = (node as { properties?: Record<string, unknown> }).properties;
      if (props) for (const [k, v] of Object.entries(props)) if (!(v as { description?: string }).description) missing.push(`${path}/${k}`);
      for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
    };
    walk(readSchema('catalog.schema.json'), '');
    walk(readSchema('capabilities.schema.json'), '');
    expect(missing).toEqual([]);
  });
});

describe('vendor facts the example specs rely on', () => {
  it('Kingdee base-data references go by FNumber and times are China Standard Time', () => {
    const kd = baseCatalog('kingdee-k3cloud');
    expect(kd?.timezone).toBe('Asia/Shanghai');
    expect(kd?.entities.SAL_SaleOrder?.fields.FCustId).toMatchObject({ type: 'reference', entity: 'BD_Customer', by: 'FNumber' });
    expect(kd?.entities.SAL_SaleOrder?.fields.FSaleOrderEntry).toMatchObject({ type: 'list', entity: 'SAL_SaleOrderEntry' });
    expect(kd?.entities.SAL_SaleOrder?.fields.FModifyDate).toMatchObject({ type: 'datetime', zone: 'Asia/Shanghai' });
    expect(capabilitiesFor('kingdee-k3cloud')?.triggers).not.toContain('webhook');
  });

  it('Salesforce orders embed their items and items their product', () => {
    const sf = baseCatalog('salesforce');
    expect(sf?.entities.Order?.fields.OrderItems).toMatchObject({ type: 'list', entity: 'OrderItem' });
    expect(sf?.entities.OrderItem?.fields.Product2).toMatchObject({ type: 'record', entity: 'Product2' });
    expect(sf?.entities.OrderItem?.fields.Quantity?.type).toBe('double');
    expect(sf?.entities.Order?.fields.OrderNumber?.readOnly).toBe(true);
  });

  it('SAP sales orders carry items in to_Item with decimal quantities', () => {
    const sap = baseCatalog('sap-s4hana');
    expect(sap?.entities.A_SalesOrder?.fields.to_Item).toMatchObject({ type: 'list', entity: 'A_SalesOrderItem' });
    expect(sap?.entities.A_SalesOrderItem?.fields.RequestedQuantity?.type).toBe('decimal');
    expect(sap?.entities.A_SalesOrder?.cursor).toBe('LastChangeDateTime');
  });

  it('Jiandaoyun fields are widget names with Chinese labels', () => {
    const jdy = baseCatalog('jiandaoyun');
    for (const entity of Object.values(jdy?.entities ?? {}))
      for (const [name, field] of Object.entries(entity.fields) as [string, FieldDef][])
        if (name.startsWith('_widget_')) {
          expect(name).toMatch(/^_widget_\d{13}$/);
          expect(field.label).toMatch(/[\u4e00-\u9fff]/);
        }
  });

  it('an unknown system has no catalog and no capabilities', () => {
    expect(baseCatalog('no-such-system')).toBeUndefined();
    expect(baseCatalog('../schemas')).toBeUndefined();
    expect(capabilitiesFor('no-such-system')).toBeUndefined();
  });
});

const entitySchema = (body: string): string =>
  `apiVersion: syncspec.dev/v1\nkind: EntitySchema\nmetadata:\n  name: custom\nspec:\n${body}`;

describe('EntitySchema merge', () => {
  it('adds custom fields and keys to a catalog entity without touching the shipped catalog', () => {
    const docs = loadText(
      'specs/sf-custom.yaml',
      entitySchema('  system: salesforce\n  entity: Account\n  keys: [ERP_Id__c]\n  fields:\n    ERP_Id__c: { type: string, maxLength: 40, nullable: true }\n'),
    ).documents;
    const set = buildCatalogs(docs);
    expect(set.diagnostics).toEqual([]);
    expect(set.catalogFor('salesforce')?.entities.Account?.fields.ERP_Id__c).toMatchObject({ type: 'string', maxLength: 40 });
    expect(set.catalogFor('salesforce')?.entities.Account?.keys).toEqual(['Id', 'ERP_Id__c']);
    expect(catalogFor('salesforce', docs)?.entities.Account?.keys).toContain('ERP_Id__c');
    expect(baseCatalog('salesforce')?.entities.Account?.fields.ERP_Id__c).toBeUndefined();
    expect(baseCatalog('salesforce')?.entities.Account?.keys).toEqual(['Id']);
    expect(set.catalogFor('kingdee-k3cloud')).toBe(baseCatalog('kingdee-k3cloud'));
  });

  it('declares a custom object when keys are given', () => {
    const docs = loadText(
      'specs/sf-obj.yaml',
      entitySchema('  system: salesforce\n  entity: Warranty__c\n  keys: [Serial__c]\n  cursor: SystemModstamp\n  fields:\n    Serial__c: { type: string, maxLength: 80 }\n    SystemModstamp: { type: datetime, zone: utc }\n    Account__c: { type: reference, entity: Account }\n'),
    ).documents;
    const set = buildCatalogs(docs);
    expect(set.diagnostics).toEqual([]);
    expect(set.catalogFor('salesforce')?.entities.Warranty__c).toMatchObject({ keys: ['Serial__c'], cursor: 'SystemModstamp' });
  });

  it('reports a redefined field, an unknown entity with did-you-mean, and a dangling key, at their nodes', () => {
    const text = entitySchema('  system: kingdee-k3cloud\n  entity: BD_Customr\n  fields:\n    FX: { type: string }\n') +
      '\n---\n' + entitySchema('  system: salesforce\n  entity: Account\n  keys: [Nope__c]\n  fields:\n    Name: { type: string }\n    Ref__c: { type: reference, entity: Acount }\n');
    const set = buildCatalogs(loadText('specs/bad.yaml', text).documents);
    const brief = set.diagnostics.map((d) => `${d.code} ${d.range?.start.line}:${d.range?.start.col} ${d.suggestion ?? ''}`.trim());
    expect(brief).toEqual(['SS3018 7:11 BD_Customer', 'SS3019 21:5', 'SS3020 19:10', 'SS3021 22:40 Account']);
  });
});
