import { describe, expect, it } from 'vitest';
import { connections, documents, orderSpec, repoOf } from '../../test/codegen-fixtures.ts';
import { checkMapping } from './check.ts';
import { checkMappings } from './index.ts';

const GOOD_FIELDS = `    BillNo: source.Number
    BillDate: source.Placed
    Total: { expr: source.Amount, default: 0 }
    Remark: source.Note
    Entries:
      each: source.Lines
      fields:
        Material: item.Sku
        Qty: decimal(item.Qty).round(2)
        Price: { expr: item.Price, default: "0.00" }`;

function check(fieldsYaml: string, extra = '') {
  const docs = documents({ 'specs/conn.yaml': connections, 'specs/orders.yaml': orderSpec(fieldsYaml, extra) });
  const spec = docs.find((d) => d.kind === 'SyncSpec');
  if (!spec) throw new Error('no spec');
  return { result: checkMapping(spec, repoOf(docs)), docs };
}

const codes = (r: { diagnostics: { code: string }[] }): string[] => r.diagnostics.map((d) => d.code).sort();

describe('checkMapping', () => {
  it('compiles a clean spec: filter, fields, each with nested fields, positions and lookups', () => {
    const { result } = check(GOOD_FIELDS, `  filter: source.Status == 'Activated' && lookup('units', 'box') == 'BOX'`);
    expect(result.diagnostics).toEqual([]);
    const m = result.mapping;
    expect(m?.fields.map((f) => f.path)).toEqual(['BillDate', 'BillNo', 'Entries', 'Remark', 'Total']);
    const entries = m?.fields.find((f) => f.name === 'Entries');
    expect(entries?.kind).toBe('each');
    if (entries?.kind !== 'each') return;
    expect(entries.fields.map((f) => f.path)).toEqual(['Entries[].Material', 'Entries[].Price', 'Entries[].Qty']);
    expect(entries.itemEntity).toBe('OrderLine');
    expect(entries.at).toBe('specs/orders.yaml:16:13');
    expect(m?.fields.find((f) => f.name === 'BillNo')?.at).toBe('specs/orders.yaml:11:13');
    expect(m?.filter?.at).toBe('specs/orders.yaml:21:11');
    expect(m?.lookups).toEqual(['units']);
  });

  it('reports an unknown target field at its key with did-you-mean', () => {
    const { result } = check(`${GOOD_FIELDS}\n    Remrak: "'x'"`);
    const d = result.diagnostics.find((x) => x.code === 'SS3201');
    expect(d?.suggestion).toBeUndefined(); // Remark is already mapped, so it is not offered
    const { result: r2 } = check(GOOD_FIELDS.replace('    Remark: source.Note', '    Remrak: source.Note'));
    const d2 = r2.diagnostics.find((x) => x.code === 'SS3201');
    expect(d2?.suggestion).toBe('Remark');
    expect(d2?.range?.start).toMatchObject({ line: 14, col: 5 });
    expect(r2.mapping).toBeUndefined();
  });

  it('names every required target field that is never mapped, at spec.fields', () => {
    const { result } = check(`    Remark: source.Note`);
    const d = result.diagnostics.find((x) => x.code === 'SS3202');
    expect(d?.summary).toContain('BillDate, BillNo');
    expect(d?.range?.start).toMatchObject({ line: 10, col: 3 });
    const { result: updateOnly } = check(`    Remark: source.Note`, '  delivery: { mode: update-only }');
    expect(codes(updateOnly)).not.toContain('SS3202');
  });

  it('requires the child rows\' required fields inside each', () => {
    const { result } = check(GOOD_FIELDS.replace('        Material: item.Sku\n', ''));
    expect(result.diagnostics.find((x) => x.code === 'SS3202')?.summary).toContain('Material');
  });

  it('reports a write to a read-only field', () => {
    const { result } = check(`${GOOD_FIELDS}\n    Audited: "true"`);
    expect(codes(result)).toEqual(['SS3203']);
  });

  it('points a type error at the exact column inside the expression', () => {
    const { result } = check(GOOD_FIELDS.replace('BillNo: source.Number', 'BillNo: source.Nubmer'));
    const d = result.diagnostics.find((x) => x.severity === 'error');
    expect(d?.range?.file).toBe('specs/orders.yaml');
    // `    BillNo: source.Nubmer`: the field name starts at column 20.
    expect(d?.range?.start).toMatchObject({ line: 11, col: 20 });
    expect(d?.suggestion).toBe('Number');
  });

  it('reports `each` over a non-list and a list field without `each`', () => {
    const notList = check(GOOD_FIELDS.replace('each: source.Lines', 'each: source.Number'));
    expect(codes(notList.result)).toContain('SS3204');
    const noEach = check(`    BillNo: source.Number\n    BillDate: source.Placed\n    Entries: source.Lines`);
    expect(codes(noEach.result)).toContain('SS3205');
    const eachOnScalar = check(`    BillNo: { each: source.Lines, fields: { Material: item.Sku } }\n    BillDate: source.Placed`);
    expect(codes(eachOnScalar.result)).toContain('SS3205');
  });

  it('checks defaults against the target type', () => {
    const { result } = check(GOOD_FIELDS.replace('default: 0 }', 'default: "lots" }'));
    const d = result.diagnostics.find((x) => x.code === 'SS3207');
    expect(d?.summary).toContain('must be a number');
    expect(d?.range?.start.line).toBe(13);
  });

  it('requires a definite boolean filter', () => {
    const { result } = check(GOOD_FIELDS, '  filter: source.Number');
    expect(result.diagnostics.map((d) => [d.code, d.summary, d.range?.start.line])).toEqual([['SS3206', 'filter yields string, not bool', 21]]);
    expect(result.mapping).toBeUndefined();
  });

  it('checks examples against the source entity and the mapped fields', () => {
    const { result } = check(
      GOOD_FIELDS,
      `  examples:
    - name: typo and wrong types
      input: { Numbr: "A1", Placed: 20260101, Amount: "abc", Lines: [{ Sku: 1, Qty: 2 }] }
      expect: { BillNo: "A1", Entries: [{ Materail: "x" }], Bogus: 1 }
      expectErrors: { "Entries[3].Qty": "too", "Entries[0].Qyt": "x", "Nope": "x" }
    - name: nothing expected
      input: { Number: "A2" }
    - name: filtered without a filter
      input: { Number: "A3" }
      expectFiltered: true`,
    );
    const byCode = (c: string) => result.diagnostics.filter((d) => d.code === c);
    expect(byCode('SS3208').map((d) => [d.severity, d.suggestion])).toEqual([['warning', 'Number']]);
    expect(byCode('SS3209').map((d) => d.summary).sort()).toEqual([
      'Order.Amount is a number, not string "abc"',
      'OrderLine.Sku is text, not number 1',
    ]);
    // Unmapped `expect` keys and first path segments are the semantic checks' SS3017; this covers the rest.
    expect(byCode('SS3210').map((d) => [d.summary, d.suggestion])).toEqual([
      ['expectErrors names "Entries[0].Qyt", which the mapping does not write', 'Entries[].Qty'],
    ]);
    expect(byCode('SS3211')).toHaveLength(1);
    expect(byCode('SS3212')).toHaveLength(1);
  });

  it('checks every spec of a repo and lists the ones that fail', () => {
    const docs = documents({
      'specs/conn.yaml': connections,
      'specs/a.yaml': orderSpec(GOOD_FIELDS),
      'specs/b.yaml': orderSpec('    BillNo: source.Nope\n    BillDate: source.Placed').replace('name: orders', 'name: broken'),
    });
    const out = checkMappings(docs, repoOf(docs));
    expect(out.mappings.map((m) => m.name)).toEqual(['orders']);
    expect(out.failed).toEqual(['broken']);
  });
});

describe('mappingDiagnostics', () => {
  it('runs the mapping checks of a repo with the shipped catalogs, as the check phase would', async () => {
    const { mappingDiagnostics } = await import('./index.ts');
    const { readFileSync } = await import('node:fs');
    const spec = readFileSync('specs/flows/customers/crm-account-to-erp-customer.yaml', 'utf8');
    const files: Record<string, string> = { 'specs/flows/a.yaml': spec.replace('FName: source.Name.trim()', 'FName: source.Nmae.trim()') };
    for (const f of ['specs/connections/salesforce-prod.yaml', 'specs/connections/kingdee-prod.yaml', 'specs/lookups/sales-orgs.yaml', 'specs/lookups/currencies.yaml', 'specs/schemas/salesforce-account.yaml', 'specs/schemas/kingdee-customer.yaml']) files[f] = readFileSync(f, 'utf8');
    const ds = mappingDiagnostics(documents(files));
    expect(ds.map((d) => [d.code, d.range?.file, d.suggestion])).toEqual([[expect.stringMatching(/^SS31/), 'specs/flows/a.yaml', 'Name']]);
  });
});
