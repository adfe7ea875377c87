import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableLookup } from './support/transform.ts';
import { openStore } from './inbox/open.ts';
import { compileProject, importCompiledSpec, loadProject, ProjectError, refsByTargetKey, reportProjectError, SecretError, secretResolver } from './project.ts';

const ROOT = join(import.meta.dirname, '..');
const ACCOUNT = 'crm-account-to-erp-customer';
const ACCOUNT_FILE = 'specs/flows/customers/crm-account-to-erp-customer.yaml';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'w5-project-'));
  cpSync(join(ROOT, 'specs'), join(dir, 'specs'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noRef = () => undefined;

describe('loadProject', () => {
  it('compiles the selected specs, loads their transforms, connections with overrides and lookups', async () => {
    const project = await loadProject({
      repo: 'specs',
      cwd: dir,
      specs: [ACCOUNT],
      store: join(dir, 'state', 'a.db'),
      overrides: { 'kingdee-prod': { url: 'http://127.0.0.1:1/k3cloud', auth: { method: 'password', acctId: 'demo', username: 'demo', password: { env: 'DEMO_PW' } } } },
    });
    try {
      expect(project.specs.map((s) => s.plan.name)).toEqual([ACCOUNT]);
      const spec = project.specs[0]!;
      expect(spec.plan.file).toBe(ACCOUNT_FILE);
      const ctx = { lookup: tableLookup(project.lookups), ref: noRef };
      const out = spec.transform.transform({ Id: '001A', Name: ' 上海 "公司" ', AccountNumber: 'c-1', Region__c: '华东', CurrencyIsoCode: 'CNY', Phone: null }, ctx);
      expect(out).toMatchObject({ ok: true, value: { FNumber: 'C-1', FName: '上海 "公司"', FCreateOrgId: '101', FTEL: '' } });
      expect(project.connections.get('kingdee-prod')).toMatchObject({ url: 'http://127.0.0.1:1/k3cloud', auth: { method: 'password' }, timezone: 'Asia/Shanghai' });
      // An overridden connection (an emulator) is not throttled to the production quota.
      expect(project.connections.get('kingdee-prod')?.rateLimit).toBeUndefined();
      expect(project.connections.get('salesforce-prod')).toMatchObject({ url: 'https://acme-cn.my.salesforce.com', rateLimit: { requestsPerSecond: 20, burst: 40 } });
      expect(project.lookups.units?.entries['个']).toBe('Pcs');
      expect(project.store).toBeDefined();
      expect(await project.store!.ping()).toBeUndefined();
      expect(project.catalogs.catalogFor('kingdee-k3cloud')).toBeDefined();
    } finally {
      await project.close();
    }
  });

  it('creates a connector only when asked, and names the unresolvable secret without its value', async () => {
    const project = await loadProject({ repo: 'specs', cwd: dir, specs: [ACCOUNT], store: false, env: { SYNCSPEC_SECRETS_DIR: join(dir, 'no-secrets') } });
    try {
      await expect(project.connector('salesforce-prod')).rejects.toThrow(/SS5091: connection salesforce-prod: auth\.clientId: Kubernetes Secret salesforce-prod\/clientId, mounted as .* does not exist/);
      await expect(project.connector('nope')).rejects.toMatchObject({ code: 'SS5074' });
    } finally {
      await project.close();
    }
  });

  it('builds connectors from secrets mounted as files', async () => {
    const secrets = join(dir, 'secrets');
    mkdirSync(join(secrets, 'salesforce-prod'), { recursive: true });
    writeFileSync(join(secrets, 'salesforce-prod', 'clientId'), 'id-123\n');
    writeFileSync(join(secrets, 'salesforce-prod', 'clientSecret'), 's3cret\n');
    const project = await loadProject({ repo: 'specs', cwd: dir, specs: [ACCOUNT], store: false, env: { SYNCSPEC_SECRETS_DIR: secrets } });
    try {
      const c = await project.connector('salesforce-prod');
      expect(await project.connector('salesforce-prod')).toBe(c);
      expect(JSON.stringify(Object.keys(c))).not.toContain('s3cret');
    } finally {
      await project.close();
    }
  });

  it('refuses a repository with errors: SS5090 and the compiler diagnostics with file:line:col', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'w5-broken-'));
    try {
      cpSync(join(ROOT, 'specs'), join(broken, 'specs'), { recursive: true });
      const file = join(broken, ACCOUNT_FILE);
      writeFileSync(file, readFileSync(file, 'utf8').replace('FName: source.Name.trim()', 'FName: source.Nmae.trim()'));
      const err = await loadProject({ repo: 'specs', cwd: broken, specs: [ACCOUNT], store: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProjectError);
      const pe = err as ProjectError;
      expect(pe.code).toBe('SS5090');
      expect(pe.diagnostics.some((d) => d.range?.file === ACCOUNT_FILE && d.severity === 'error')).toBe(true);
      let printed = '';
      reportProjectError(err, { stderr: (t) => void (printed += t), env: {}, isTTY: false });
      expect(printed).toMatch(new RegExp(`${ACCOUNT_FILE.replaceAll('.', '\\.')}:22:\\d+`));
      expect(printed).toContain('Nmae');
      expect(printed).toContain('error SS5090:');
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('names an unknown spec (SS5094)', async () => {
    const err = (await loadProject({ repo: 'specs', cwd: dir, specs: ['no-such-spec'], store: false }).catch((e: unknown) => e)) as ProjectError;
    expect(err.diagnostics.map((d) => d.code)).toContain('SS5094');
    expect(err.diagnostics.find((d) => d.code === 'SS5094')?.detail).toContain(ACCOUNT);
  });
});

describe('importCompiledSpec', () => {
  it('reuses the module of unchanged code and imports changed code fresh', async () => {
    const build = join(dir, 'build');
    const first = compileProject('specs', dir, [ACCOUNT]);
    const files = first.specs.get(ACCOUNT)!.files;
    const a = await importCompiledSpec(build, ACCOUNT, files);
    const b = await importCompiledSpec(build, ACCOUNT, files);
    expect(b.transform.transform).toBe(a.transform.transform);
    const changed = files.map((f) => (f.path.endsWith('transform.ts') ? { ...f, text: `${f.text}\nexport const revision = 2;\n` } : f));
    expect(changed).not.toEqual(files);
    const c = await importCompiledSpec(build, ACCOUNT, changed);
    expect(c.transform.transform).not.toBe(a.transform.transform);
  });
});

describe('secretResolver', () => {
  const resolve = secretResolver({ connection: 'kd', env: { KD_PW: 'pw-value', EMPTY: '', SYNCSPEC_SECRETS_DIR: '/nonexistent-w5' }, cwd: '/' });
  it('reads env, file (one trailing newline dropped) and mounted secretKeyRef', async () => {
    expect(await resolve({ env: 'KD_PW' }, 'auth.password')).toBe('pw-value');
    const f = join(dir, 'pw.txt');
    writeFileSync(f, 'line1\nline2\n');
    expect(await resolve({ file: f }, 'auth.password')).toBe('line1\nline2');
  });
  it('fails with SS5091 naming the reference, never a value', async () => {
    for (const [ref, pattern] of [
      [{ env: 'MISSING' }, /environment variable MISSING is not set/],
      [{ env: 'EMPTY' }, /environment variable EMPTY is not set/],
      [{ secretKeyRef: { name: 'kd', key: 'pw' } }, /Kubernetes Secret kd\/pw, mounted as \/nonexistent-w5\/kd\/pw does not exist/],
      ['plain-text-password', /not a secret reference/],
    ] as const) {
      const err = await resolve(ref, 'auth.password').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SecretError);
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).not.toContain('plain-text-password');
      expect((err as Error).message).toMatch(/^SS5091: connection kd: auth\.password: /);
    }
  });
});

describe('Kingdee ref() answers', () => {
  it('answers ref() for Kingdee targets with the target key the crosswalk keeps', async () => {
    const store = await openStore(':memory:', dir);
    try {
      const plan = compileProject('specs', dir, [ACCOUNT]).specs.get(ACCOUNT)!.plan;
      await store.settle({ owner: 'w', now: 1, events: [], crosswalk: [{ spec: ACCOUNT, sourceId: '001A', targetId: '100011', targetKey: 'C-1', sourceVersion: 'v1' }], deadLetters: [], echoMarks: [], consumedEchoMarks: [], release: [] });
      expect(await store.crosswalkGet(ACCOUNT, ['001A'])).toEqual(new Map([['001A', '100011']]));
      const view = refsByTargetKey(store, [plan]);
      expect(await view.crosswalkGet(ACCOUNT, ['001A', '001B'])).toEqual(new Map([['001A', 'C-1']]));
      expect(await view.crosswalkGet('other-spec', ['001A'])).toEqual(new Map());
      expect(await view.depth()).toEqual({});
    } finally {
      await store.close();
    }
  });
});

describe('workerOptions', () => {
  it('throws for a connection it cannot build, or leaves out the specs using it when asked to', async () => {
    const project = await loadProject({ repo: 'specs', cwd: dir, specs: [ACCOUNT, 'crm-order-to-erp-sales-order'], store: ':memory:', env: { SYNCSPEC_SECRETS_DIR: join(dir, 'none') } });
    try {
      await expect(project.workerOptions()).rejects.toThrow(/^SS5(091|166): connection /);
      const setup = await project.workerOptions(undefined, { skipUnbuildable: true });
      expect(setup.specs).toEqual([]);
      expect(setup.skipped.map((s) => [s.spec, s.connection])).toEqual([
        [ACCOUNT, 'salesforce-prod'],
        ['crm-order-to-erp-sales-order', 'salesforce-prod'],
      ]);
      expect(setup.skipped[0]?.message).toMatch(/^SS5091: /);
    } finally {
      await project.close();
    }
  });
});
