/**
 * Loading worker bundles: the operator's ConfigMap layout in a temp dir (outside the package, so the
 * transform is imported through the build dir), the repo's generated/ with --repo documents, and each
 * way a bundle can be wrong, reported with its code and never as a stack trace.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeInfo } from '../compiler/diagnostics/codes.ts';
import { bundleCodes } from '../compiler/diagnostics/codes/bundle.ts';
import { BundleError, bundleNames, loadBundles } from './bundle.ts';

const ROOT = join(import.meta.dirname, '..');
const SPEC = 'crm-account-to-erp-customer';
const work = mkdtempSync(join(tmpdir(), 'syncspec-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A bundle laid out as the operator mounts it: generated files plus connections/ and lookups/. */
function operatorBundle(edit: (dir: string) => void = () => undefined): string {
  const generated = join(work, `g${++n}`);
  const dir = join(generated, SPEC);
  cpSync(join(ROOT, 'generated', SPEC), dir, { recursive: true });
  mkdirSync(join(dir, 'connections'));
  mkdirSync(join(dir, 'lookups'));
  for (const c of ['salesforce-prod', 'kingdee-prod']) cpSync(join(ROOT, 'specs/connections', `${c}.yaml`), join(dir, 'connections', `${c}.yaml`));
  for (const l of ['currencies', 'sales-orgs']) cpSync(join(ROOT, 'specs/lookups', `${l}.yaml`), join(dir, 'lookups', `${l}.yaml`));
  edit(dir);
  return generated;
}

async function failure(p: Promise<unknown>): Promise<BundleError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(BundleError);
  return err as BundleError;
}

const load = (generated: string, extra: { specs?: string[]; repo?: string } = {}) =>
  loadBundles({ generated, cwd: work, buildDir: join(work, 'build'), specs: [SPEC], ...extra });

describe('loadBundles', () => {
  it('loads a bundle in the operator layout: plan, transform, its Connections and LookupTables', async () => {
    const set = await load(operatorBundle());
    expect(set.specs.map((s) => s.plan.name)).toEqual([SPEC]);
    expect(set.documents.map((d) => `${d.kind}/${d.name}`)).toEqual(['Connection/kingdee-prod', 'Connection/salesforce-prod', 'LookupTable/currencies', 'LookupTable/sales-orgs']);
    expect(set.origins).toEqual({ [SPEC]: 'bundle' });
    // Imported from the build dir with #support pointed at the package: the transform runs.
    const lookups = { 'sales-orgs': { entries: { 华东: '101' }, default: '100' }, currencies: { entries: { CNY: 'PRE001' } } };
    const ctx = { lookup: (t: string, k: string) => (lookups as any)[t]?.entries[k] ?? (lookups as any)[t]?.default ?? null, ref: () => null } as any;
    const spec = set.specs[0]!;
    const record = { Id: '001A', Name: ' Acme ', AccountNumber: 'a-1', Region__c: '华东', CurrencyIsoCode: 'CNY', Phone: null };
    expect(spec.transform.filter(record, ctx)).toBe(true);
    const out = spec.transform.transform(record, ctx);
    expect(out).toMatchObject({ ok: true, value: { FNumber: 'A-1', FName: 'Acme', FUseOrgId: '101', FTRADINGCURRID: 'PRE001', F_SYNC_SourceId: '001A' } });
  });

  it('EntitySchemas in the bundle\'s schemas/ extend the catalogs', async () => {
    const plain = await load(operatorBundle());
    expect(plain.catalogs.catalogFor('kingdee-k3cloud')?.entities.BD_Customer?.fields.F_SYNC_SourceId).toBeUndefined();
    const set = await load(operatorBundle((dir) => {
      mkdirSync(join(dir, 'schemas'));
      cpSync(join(ROOT, 'specs/schemas/kingdee-customer.yaml'), join(dir, 'schemas/kingdee-customer.yaml'));
    }));
    expect(set.catalogs.catalogFor('kingdee-k3cloud')?.entities.BD_Customer?.fields.F_SYNC_SourceId).toBeDefined();
  });

  it('takes the documents from --repo when the bundle carries none (the repo\'s generated/)', async () => {
    const set = await loadBundles({ generated: 'generated', cwd: ROOT, buildDir: join(work, 'build'), specs: [SPEC], repo: 'specs' });
    expect(set.origins).toEqual({ [SPEC]: 'repo' });
    expect(set.documents.filter((d) => d.kind !== 'EntitySchema').map((d) => `${d.kind}/${d.name}`)).toEqual(['Connection/kingdee-prod', 'Connection/salesforce-prod', 'LookupTable/currencies', 'LookupTable/sales-orgs']);
    // EntitySchemas of the repository extend the catalogs (the custom field of specs/schemas/kingdee-customer.yaml).
    expect(set.catalogs.catalogFor('kingdee-k3cloud')?.entities.BD_Customer?.fields.F_SYNC_SourceId).toBeDefined();
  });

  it('with --repo, only the documents in use count: a broken spec elsewhere does not stop the worker, a broken Connection in use does', async () => {
    const repo = join(work, 'repo');
    for (const d of ['connections', 'lookups', 'schemas']) cpSync(join(ROOT, 'specs', d), join(repo, d), { recursive: true });
    mkdirSync(join(repo, 'flows'));
    writeFileSync(join(repo, 'flows/half-edited.yaml'), 'apiVersion: syncspec.dev/v1\nkind: SyncSpec\nmetadata: { name: half\n');
    const generated = join(ROOT, 'generated');
    const ok = await loadBundles({ generated, cwd: work, buildDir: join(work, 'build'), specs: [SPEC], repo: 'repo' });
    expect(ok.origins).toEqual({ [SPEC]: 'repo' });
    const p = join(repo, 'connections/kingdee-prod.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace('\n  system: kingdee-k3cloud\n', '\n  system: kingdee-k3cloud\n  colour: blue\n'));
    const err = await failure(loadBundles({ generated, cwd: work, buildDir: join(work, 'build'), specs: [SPEC], repo: 'repo' }));
    expect(err.code).toBe('SS5222');
    expect(err.diagnostics.filter((d) => d.code !== 'SS5222').map((d) => d.range?.file)).toEqual(['repo/connections/kingdee-prod.yaml']);
  });

  it('without --repo, a bundle with no documents names what is missing (SS5223, SS5224)', async () => {
    const err = await failure(loadBundles({ generated: 'generated', cwd: ROOT, buildDir: join(work, 'build'), specs: [SPEC] }));
    expect(err.code).toBe('SS5223');
    expect(err.diagnostics.map((d) => d.code)).toEqual(['SS5223', 'SS5223', 'SS5224', 'SS5224']);
    expect(err.diagnostics[0]?.summary).toContain('pass --repo');
  });

  it('a missing plan.json is SS5220 naming the file', async () => {
    const err = await failure(load(operatorBundle((dir) => rmSync(join(dir, 'plan.json')))));
    expect(err.code).toBe('SS5220');
    expect(err.diagnostics[0]?.summary).toMatch(/plan\.json missing/);
  });

  it('a spec with no bundle directory is SS5220 listing the bundles present', async () => {
    const err = await failure(load(operatorBundle(), { specs: ['no-such-spec'] }));
    expect(err.code).toBe('SS5220');
    expect(err.diagnostics[0]?.detail).toContain(SPEC);
  });

  it('plan.json that is not JSON, or another spec\'s plan, is SS5221', async () => {
    const broken = await failure(load(operatorBundle((dir) => writeFileSync(join(dir, 'plan.json'), '{"name": '))));
    expect(broken.code).toBe('SS5221');
    const other = await failure(load(operatorBundle((dir) => {
      const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
      writeFileSync(join(dir, 'plan.json'), JSON.stringify({ ...plan, name: 'someone-else' }));
    })));
    expect(other.code).toBe('SS5221');
    expect(other.diagnostics[0]?.summary).toContain('someone-else');
  });

  it('malformed YAML in a Connection is SS5222 with the compiler\'s located diagnostic', async () => {
    const err = await failure(load(operatorBundle((dir) => writeFileSync(join(dir, 'connections/kingdee-prod.yaml'), 'apiVersion: syncspec.dev/v1\nkind: Connection\nmetadata: { name: kingdee-prod\nspec: [\n'))));
    expect(err.code).toBe('SS5222');
    const located = err.diagnostics.find((d) => d.code.startsWith('SS1'));
    expect(located?.range?.file).toMatch(/connections\/kingdee-prod\.yaml$/);
    expect(located?.range?.start.line).toBeGreaterThan(0);
    expect(err.sources.get(located!.range!.file)).toContain('kind: Connection');
  });

  it('a Connection that does not validate is SS5222 with the schema diagnostic', async () => {
    const err = await failure(load(operatorBundle((dir) => {
      const p = join(dir, 'connections/salesforce-prod.yaml');
      writeFileSync(p, readFileSync(p, 'utf8').replace('\n  system: salesforce\n', '\n  system: salesforce\n  colour: blue\n'));
    })));
    expect(err.code).toBe('SS5222');
    expect(err.diagnostics.some((d) => d.code.startsWith('SS2') && d.range?.file.endsWith('salesforce-prod.yaml'))).toBe(true);
  });

  it('a connection the plan uses but the bundle lacks is SS5223', async () => {
    const err = await failure(load(operatorBundle((dir) => rmSync(join(dir, 'connections/kingdee-prod.yaml')))));
    expect(err.code).toBe('SS5223');
    expect(err.diagnostics.map((d) => d.summary)).toEqual([expect.stringContaining('"kingdee-prod"')]);
  });

  it('a transform without filter and transform exports is SS5225', async () => {
    const err = await failure(load(operatorBundle((dir) => writeFileSync(join(dir, 'transform.ts'), 'export const nothing = 1;\n'))));
    expect(err.code).toBe('SS5225');
  });

  it('two bundles with different definitions of one connection are SS5227', async () => {
    const generated = operatorBundle();
    const second = join(generated, 'crm-account-copy');
    cpSync(join(generated, SPEC), second, { recursive: true });
    const plan = JSON.parse(readFileSync(join(second, 'plan.json'), 'utf8'));
    writeFileSync(join(second, 'plan.json'), JSON.stringify({ ...plan, name: 'crm-account-copy' }));
    const c = join(second, 'connections/kingdee-prod.yaml');
    writeFileSync(c, readFileSync(c, 'utf8').replace('https://erp.acme.cn/k3cloud', 'https://erp-test.acme.cn/k3cloud'));
    expect(bundleNames(generated)).toEqual(['crm-account-copy', SPEC]);
    const err = await failure(loadBundles({ generated, cwd: work, buildDir: join(work, 'build') }));
    expect(err.code).toBe('SS5227');
    expect(err.diagnostics[0]?.summary).toContain('Connection kingdee-prod');
  });

  it('no bundles at all is SS5220', async () => {
    const err = await failure(loadBundles({ generated: join(work, 'empty'), cwd: work, buildDir: join(work, 'build') }));
    expect(err.code).toBe('SS5220');
  });
});

describe('bundle codes (SS5220–SS5239)', () => {
  const source = ['runtime/bundle.ts', 'runtime/cli/worker.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
  const tests = ['runtime/bundle.test.ts', 'runtime/cli/worker.test.ts', 'test/operator/worker-bundle.test.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
  it.each(Object.keys(bundleCodes))('%s is registered, raised by the worker start-up and expected by a test', (code) => {
    expect(codeInfo(code)?.explanation.length).toBeGreaterThan(80);
    expect(source.includes(`'${code}'`), `${code} raised`).toBe(true);
    expect(tests.includes(code), `${code} tested`).toBe(true);
  });
});
