import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compileSpec, objectFile, secretNames, selectContext, summarise, type SpecObject } from './compile.ts';

const SPECS = join(import.meta.dirname, '../../specs');
const repo: SpecObject[] = [];
for (const rel of readdirSync(SPECS, { recursive: true, encoding: 'utf8' }).sort()) {
  if (!rel.endsWith('.yaml')) continue;
  for (const d of parseAllDocuments(readFileSync(join(SPECS, rel), 'utf8'))) {
    const o = d.toJS() as SpecObject | null;
    if (o?.kind) repo.push(o);
  }
}
const NAME = 'crm-order-to-erp-sales-order';
const edit = (name: string, f: (spec: any) => any): SpecObject[] => repo.map((o) => (o.kind === 'SyncSpec' && o.metadata.name === name ? { ...o, spec: f(structuredClone(o.spec)) } : o));

describe('compileSpec', () => {
  test('a spec of specs/ compiles into plan, code, the connections and lookups it uses and its systems\' EntitySchemas', () => {
    const r = compileSpec(NAME, repo);
    if (!r.ok) throw new Error(summarise(r.diagnostics));
    expect(Object.keys(r.bundle.files)).toEqual([
      'connections/kingdee-prod.yaml', 'connections/salesforce-prod.yaml', 'lookups/sales-orgs.yaml', 'lookups/units.yaml', 'plan.json',
      // salesforce and kingdee-k3cloud only: jiandaoyun's and zoho's stay out
      'schemas/kingdee-common-contact.yaml', 'schemas/kingdee-customer.yaml', 'schemas/salesforce-account.yaml', 'schemas/salesforce-contract.yaml',
      'schemas/salesforce-order-item.yaml', 'schemas/salesforce-order.yaml', 'schemas/salesforce-product.yaml', 'schemas/salesforce-shipment.yaml',
      'transform.ts', 'types.ts',
    ]);
    expect(r.bundle.files['schemas/salesforce-account.yaml']).toMatch(/^kind: EntitySchema$/m);
    // the Secrets of the two connections, once each (kingdee-prod names its Secret twice)
    expect(r.bundle.secrets).toEqual(['kingdee-prod', 'salesforce-prod']);
    expect(JSON.parse(r.bundle.files['plan.json'] ?? '{}')).toMatchObject({ name: NAME, source: { connection: 'salesforce-prod' } });
    expect(r.bundle.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the bundle hash depends on content only: input order does not matter, a mapping change does', () => {
    const a = compileSpec(NAME, repo);
    const b = compileSpec(NAME, [...repo].reverse());
    const c = compileSpec(NAME, edit(NAME, (s) => ({ ...s, fields: { ...s.fields, FNote: "'fixed'" } })));
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(b.bundle.hash).toBe(a.bundle.hash);
    expect(c.bundle.hash).not.toBe(a.bundle.hash);
  });

  test('errors carry the code and line:col of the object rendered as YAML', () => {
    const r = compileSpec(NAME, edit(NAME, (s) => ({ ...s, fields: { ...s.fields, FBillNo: 'source.OrderNumbr' } })));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => d.code)).toContain('SS3103');
    expect(summarise(r.diagnostics)).toMatch(new RegExp(`^1 error\\(s\\): SS3103 ${objectFile('SyncSpec', NAME).replace('.', '\\.')}:\\d+:\\d+ Order has no field "OrderNumbr"`));
  });

  test('another spec\'s errors do not fail this one', () => {
    const r = compileSpec(NAME, edit('erp-material-to-crm-product', (s) => ({ ...s, fields: { ...s.fields, Name: 'source.Nope' } })));
    expect(r.ok).toBe(true);
  });

  test('a missing connection is reported on the spec', () => {
    const r = compileSpec(NAME, repo.filter((o) => !(o.kind === 'Connection' && o.metadata.name === 'kingdee-prod')));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(summarise(r.diagnostics)).toContain('kingdee-prod');
  });

  test('the context is what the spec names, transitively, plus the EntitySchemas', () => {
    const chosen = selectContext(NAME, repo).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(chosen).toContain('SyncSpec/crm-account-to-erp-customer');
    expect(chosen).toContain('Connection/salesforce-prod');
    expect(chosen).toContain('LookupTable/units');
    // named only by the ref() target: included through it
    const target = repo.find((o) => o.metadata.name === 'crm-account-to-erp-customer');
    for (const c of chosen.filter((n) => n.startsWith('LookupTable/') || n.startsWith('Connection/'))) {
      const name = c.split('/')[1] as string;
      const self = repo.find((o) => o.metadata.name === NAME);
      expect(JSON.stringify(self?.spec).includes(name) || JSON.stringify(target?.spec).includes(name), c).toBe(true);
    }
    expect(chosen).not.toContain('SyncSpec/erp-material-to-crm-product');
    expect(chosen.filter((n) => n.startsWith('EntitySchema/'))).toHaveLength(repo.filter((o) => o.kind === 'EntitySchema').length);
    expect(selectContext('no-such-spec', repo)).toEqual([]);
  });

  test('an EntitySchema change changes the bundle; a Secret renamed in a connection changes the secrets', () => {
    const a = compileSpec(NAME, repo);
    const withField = repo.map((o) => (o.kind === 'EntitySchema' && o.metadata.name === 'salesforce-order' ? { ...o, spec: { ...(o.spec as object), description: 'changed' } } : o));
    const renamed = repo.map((o) => (o.kind === 'Connection' && o.metadata.name === 'kingdee-prod'
      ? { ...o, spec: JSON.parse(JSON.stringify(o.spec).replace(/"name":"kingdee-prod","key":"appSecret"/, '"name":"kingdee-vault","key":"appSecret"')) }
      : o));
    const b = compileSpec(NAME, withField);
    const c = compileSpec(NAME, renamed);
    if (!a.ok || !b.ok || !c.ok) throw new Error('does not compile');
    expect(b.bundle.hash).not.toBe(a.bundle.hash);
    expect(c.bundle.secrets).toEqual(['kingdee-prod', 'kingdee-vault', 'salesforce-prod']);
  });

  test('secretNames finds references at any depth, in arrays too, and nothing else', () => {
    expect(secretNames({ auth: { a: { secretKeyRef: { name: 'x', key: 'k' } }, b: { env: 'E' } }, list: [{ secretKeyRef: { name: 'y', key: 'k' } }], secretKeyRef: 'not an object' })).toEqual(['x', 'y']);
    expect(secretNames(null)).toEqual([]);
  });

  test('summarise caps the list', () => {
    const d = { code: 'SS2001', severity: 'error' as const, summary: 'x' };
    expect(summarise(Array.from({ length: 8 }, () => d), 3)).toBe('8 error(s): SS2001 x; SS2001 x; SS2001 x; … and 5 more');
  });
});
