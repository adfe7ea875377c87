import { describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/types.ts';
import { PACKAGE_ROOT } from '../cli/repo.ts';
import { connections, documents, orderSpec, repoOf, testCatalogs } from '../../test/codegen-fixtures.ts';
import { generateFiles } from './generate.ts';
import { createTypeChecker } from './verify.ts';

const withRelated: Record<string, Catalog> = structuredClone(testCatalogs);
const order = withRelated.crm?.entities.Order;
if (order) {
  order.fields.Customer = { type: 'record', entity: 'NotInCatalog', nullable: true, label: 'Customer */ record' };
  order.fields.Lines = { type: 'list', entity: 'OrderLine', label: 'Order lines' };
}

describe('types.ts', () => {
  const docs = documents({ 'specs/conn.yaml': connections, 'specs/orders.yaml': orderSpec('    BillNo: source.Number\n    BillDate: source.Placed') });
  const out = generateFiles(docs, repoOf(docs, withRelated));
  const types = out.files.find((f) => f.path === 'orders/types.ts')?.text ?? '';

  it('declares the source record, every related entity the catalog describes, and the written target fields', () => {
    expect(out.diagnostics).toEqual([]);
    expect(types).toContain('export type Source = {');
    expect(types).toContain('export type Source_OrderLine = {');
    expect(types).toContain('  Lines: Source_OrderLine[];');
    expect(types).toContain('export type Target = {');
    expect(types).toMatch(/Target = \{\n(.*\n)*?  BillDate: string;\n(.*\n)*?  BillNo: string;\n\};/);
  });

  it('types a related entity missing from the catalog as a plain record and escapes comment text', () => {
    expect(types).toContain('  Customer?: Record<string, unknown> | null;');
    expect(types).toContain('Customer *\\/ record');
    expect(createTypeChecker(PACKAGE_ROOT)(out.files, { outDir: `${PACKAGE_ROOT}/.cache/types-file-test` })).toEqual([]);
  });
});
