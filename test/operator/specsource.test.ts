/**
 * SpecSource end to end: the operator (a real child process) fetches specs with isomorphic-git from a
 * real `git http-backend` behind basic auth on 127.0.0.1, while the test pushes commits with the real
 * git CLI and looks at the cluster with the real kubectl: a good commit creates the objects, a mapping
 * change updates one, a deleted file prunes its object, a broken commit leaves the previous revision
 * applied with Ready=False naming file:line:col, and a fix makes the source Ready again. Credentials
 * come from a Secret and never show up in logs, conditions or events.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubectl, kubectlContext, type KubectlContext } from '../kube/kubectl.ts';
import { startKubeServer, type KubeServer } from '../kube/server.ts';
import { ROOT, startOperatorProcess, type OperatorProcess } from './helpers.ts';
import { createRepo, startGitServer, type GitServer, type WorkRepo } from './specsource-git-server.ts';

const NS = 'gitops';
const AUTH = { user: 'spec-bot', password: 'pw-9f2c71d0-do-not-log' };
const PRODUCT = 'erp-material-to-crm-product';
const PRODUCT_FILE = `specs/flows/products/${PRODUCT}.yaml`;
const U8 = 'u8-inventory-to-jdy-product';
const U8_FILE = `specs/flows/products/${U8}.yaml`;

let server: KubeServer;
let git: GitServer & { root: string };
let repo: WorkRepo;
let ctx: KubectlContext;
let operator: OperatorProcess;
const dir = mkdtempSync(join(tmpdir(), 'syncspec-specsource-e2e-'));
const commits: string[] = [];

async function k(args: string[]): Promise<string> {
  const r = await kubectl(args, ctx);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}\noperator log:\n${operator?.stderr().slice(-4000)}`);
  return r.stdout;
}
const getJson = async (what: string): Promise<any> => JSON.parse(await k(['get', what, '-n', NS, '-o', 'json']));
const names = async (resource: string): Promise<string[]> => (await getJson(resource)).items.map((o: any) => o.metadata.name).sort();
const condition = (obj: any, type: string): any => obj.status?.conditions?.find((c: any) => c.type === type);
const source = (): Promise<any> => getJson('specsource/integration-specs');

async function applyYaml(name: string, text: string): Promise<void> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  await k(['apply', '--server-side', '-f', file]);
}

beforeAll(async () => {
  server = await startKubeServer();
  ctx = kubectlContext(server.url);
  git = await startGitServer(AUTH);
  repo = await createRepo(git, 'integration-specs', AUTH);
  await k(['apply', '--server-side', '-f', join(ROOT, 'charts/syncspec/crds')]);
  await applyYaml('ns', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
  // First commit: the connections, lookups and entity schemas, and the two product flows.
  for (const folder of ['connections', 'lookups', 'schemas']) cpSync(join(ROOT, 'specs', folder), join(repo.dir, 'specs', folder), { recursive: true });
  for (const f of [PRODUCT_FILE, U8_FILE]) repo.write(f, readFileSync(join(ROOT, f), 'utf8'));
  repo.write('README.md', 'integration specs\n');
  commits.push(await repo.commitAndPush('specs: product flows'));
  process.env.SYNCSPEC_GIT_CACHE_DIR = join(dir, 'git-cache');
  operator = startOperatorProcess([
    '--kubeconfig', ctx.kubeconfig, '--namespace', NS, '--namespace', 'gitops-pinned', '--worker-image', 'registry.example.com/syncspec/worker:1.0.0',
    '--leader-elect', 'false', '--metrics-port', '0', '--metrics-host', '127.0.0.1', '--resync', '60000',
    '--worker-endpoint', 'http://127.0.0.1:9/{namespace}/{name}', '--log-level', 'debug',
  ]);
  await operator.port();
});

afterAll(async () => {
  operator?.kill();
  await operator?.exited;
  await git?.close();
  await server?.close();
});

describe('SpecSource from a Git server', () => {
  test('wrong credentials: Ready=False AuthenticationFailed, nothing applied, the password never appears', async () => {
    await applyYaml('secret', `apiVersion: v1\nkind: Secret\nmetadata:\n  name: specs-git-auth\n  namespace: ${NS}\nstringData:\n  username: ${AUTH.user}\n  password: wrong-password\n`);
    await applyYaml('source', [
      'apiVersion: syncspec.dev/v1', 'kind: SpecSource',
      `metadata:\n  name: integration-specs\n  namespace: ${NS}`,
      `spec:\n  url: ${git.url('integration-specs')}\n  ref: { branch: main }\n  path: specs/\n  interval: 1s\n  secretRef: { name: specs-git-auth }`,
    ].join('\n'));
    await expect.poll(async () => condition(await source(), 'Ready')?.reason, { timeout: 20_000 }).toBe('AuthenticationFailed');
    expect(git.requests.some((r) => r.status === 401)).toBe(true);
    expect(await names('syncspecs')).toEqual([]);
  });

  test('a good commit: every document applied with label, revision annotation and owner reference', async () => {
    await applyYaml('secret', `apiVersion: v1\nkind: Secret\nmetadata:\n  name: specs-git-auth\n  namespace: ${NS}\nstringData:\n  username: ${AUTH.user}\n  password: ${AUTH.password}\n`);
    await k(['wait', '--for=condition=Ready', 'specsource/integration-specs', '-n', NS, '--timeout=30s']);
    const src = await source();
    expect(src.status.revision).toBe(commits[0]);
    expect(src.status.lastAttemptedRevision).toBe(commits[0]);
    expect(src.status.artifact).toMatchObject({ revision: commits[0], path: 'specs', checksum: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(src.status.observedGeneration).toBe(src.metadata.generation);
    expect(condition(src, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded', observedGeneration: src.metadata.generation });
    expect(condition(src, 'Reconciling')).toBeUndefined();
    expect(await names('syncspecs')).toEqual([PRODUCT, U8]);
    expect(await names('connections')).toEqual(readdirNames('connections'));
    expect(await names('lookuptables')).toEqual(readdirNames('lookups'));
    const ss = await getJson(`syncspec/${PRODUCT}`);
    expect(ss.metadata.labels).toMatchObject({ 'syncspec.dev/source': 'integration-specs', team: 'order-to-cash' });
    expect(ss.metadata.annotations['syncspec.dev/revision']).toBe(commits[0]);
    expect(ss.metadata.ownerReferences).toEqual([{ apiVersion: 'syncspec.dev/v1', kind: 'SpecSource', name: 'integration-specs', uid: src.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const managers = JSON.parse(await k(['get', `syncspec/${PRODUCT}`, '-n', NS, '-o', 'json', '--show-managed-fields'])).metadata.managedFields.map((m: any) => m.manager);
    expect(managers).toContain('syncspec-source');
    // The SyncSpec controller picks the revision up from the annotation.
    await expect.poll(async () => (await getJson(`syncspec/${PRODUCT}`)).status?.revision, { timeout: 30_000 }).toBe(commits[0]);
    const table = await k(['get', 'specsources', '-n', NS]);
    expect(table.split('\n')[0]?.split(/\s{2,}/)).toEqual(['NAME', 'READY', 'URL', 'REVISION', 'AGE']);
    expect(table).toContain(commits[0]);
  });

  test('a commit that changes a mapping updates the SyncSpec', async () => {
    repo.write(PRODUCT_FILE, readFileSync(join(ROOT, PRODUCT_FILE), 'utf8').replace('Name: source.FName.trim()', 'Name: source.FName.trim().upperAscii()'));
    commits.push(await repo.commitAndPush('products: upper-case names'));
    await expect.poll(async () => (await source()).status?.revision, { timeout: 20_000 }).toBe(commits[1]);
    const ss = await getJson(`syncspec/${PRODUCT}`);
    expect(ss.spec.fields.Name).toBe('source.FName.trim().upperAscii()');
    expect(ss.metadata.annotations['syncspec.dev/revision']).toBe(commits[1]);
  });

  test('a commit that deletes a spec prunes its object', async () => {
    await repo.remove(U8_FILE);
    commits.push(await repo.commitAndPush('products: retire the U8 flow'));
    await expect.poll(async () => (await source()).status?.revision, { timeout: 20_000 }).toBe(commits[2]);
    await expect.poll(() => names('syncspecs'), { timeout: 10_000 }).toEqual([PRODUCT]);
  });

  test('a broken commit leaves the previous revision applied; Ready=False with file:line:col', async () => {
    repo.write(PRODUCT_FILE, readFileSync(join(ROOT, PRODUCT_FILE), 'utf8').replace('Name: source.FName.trim()', 'Name: source.FNmae.trim()'));
    commits.push(await repo.commitAndPush('products: typo'));
    await expect.poll(async () => condition(await source(), 'Ready')?.reason, { timeout: 20_000 }).toBe('CompileFailed');
    const src = await source();
    expect(src.status.revision).toBe(commits[2]);
    expect(src.status.lastAttemptedRevision).toBe(commits[3]);
    expect(condition(src, 'Ready').message).toMatch(new RegExp(`SS3103 ${PRODUCT_FILE.replace(/\./g, '\\.')}:\\d+:\\d+ BD_MATERIAL has no field "FNmae"`));
    expect(condition(src, 'Stalled')).toMatchObject({ status: 'True', reason: 'CompileFailed' });
    const ss = await getJson(`syncspec/${PRODUCT}`);
    expect(ss.spec.fields.Name).toBe('source.FName.trim().upperAscii()');
    expect(ss.metadata.annotations['syncspec.dev/revision']).toBe(commits[2]);
    const events = await k(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=integration-specs', '-o', 'json']);
    expect(JSON.parse(events).items.map((e: any) => `${e.type}/${e.reason}`)).toContain('Warning/CompileFailed');
  });

  test('a fix makes the source Ready again at the new revision', async () => {
    repo.write(PRODUCT_FILE, readFileSync(join(ROOT, PRODUCT_FILE), 'utf8').replace('Name: source.FName.trim()', 'Name: source.FName'));
    commits.push(await repo.commitAndPush('products: fix typo'));
    await expect.poll(async () => (await source()).status?.revision, { timeout: 20_000 }).toBe(commits[4]);
    const src = await source();
    expect(condition(src, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(condition(src, 'Stalled')).toBeUndefined();
    expect((await getJson(`syncspec/${PRODUCT}`)).spec.fields.Name).toBe('source.FName');
  });

  test('a deleted object is applied again from Git', async () => {
    await k(['delete', 'lookuptable/units-erp-to-crm', '-n', NS]);
    await expect.poll(async () => (await kubectl(['get', 'lookuptable/units-erp-to-crm', '-n', NS, '-o', 'name'], ctx)).code, { timeout: 10_000 }).toBe(0);
  });

  test('a source pinned to an annotated tag applies the tagged commit, in its own namespace', async () => {
    await repo.tag('v1.0.0');
    await applyYaml('ns-pinned', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gitops-pinned\n');
    await applyYaml('secret-pinned', `apiVersion: v1\nkind: Secret\nmetadata:\n  name: specs-git-auth\n  namespace: gitops-pinned\nstringData:\n  username: ${AUTH.user}\n  password: ${AUTH.password}\n`);
    await applyYaml('source-pinned', [
      'apiVersion: syncspec.dev/v1', 'kind: SpecSource',
      'metadata:\n  name: pinned\n  namespace: gitops-pinned',
      `spec:\n  url: ${git.url('integration-specs')}\n  ref: { tag: v1.0.0 }\n  path: ./specs\n  interval: 1m\n  secretRef: { name: specs-git-auth }`,
    ].join('\n'));
    // Moving main on does not move a pinned source.
    repo.write('specs/lookups/extra-units.yaml', 'apiVersion: syncspec.dev/v1\nkind: LookupTable\nmetadata:\n  name: extra-units\nspec:\n  entries: { BOX: Box }\n');
    commits.push(await repo.commitAndPush('lookups: extra units'));
    await k(['wait', '--for=condition=Ready', 'specsource/pinned', '-n', 'gitops-pinned', '--timeout=30s']);
    const pinned = JSON.parse(await k(['get', 'specsource/pinned', '-n', 'gitops-pinned', '-o', 'json']));
    expect(pinned.status.revision).toBe(commits[4]);
    const lookups = JSON.parse(await k(['get', 'lookuptables', '-n', 'gitops-pinned', '-o', 'json'])).items.map((o: any) => o.metadata.name);
    expect(lookups).not.toContain('extra-units');
    await expect.poll(async () => (await source()).status?.revision, { timeout: 20_000 }).toBe(commits[5]);
    expect(await names('lookuptables')).toContain('extra-units');
  });

  test('suspend: Ready=False Suspended, the applied revision stays; resuming applies the newest commit', async () => {
    await k(['patch', 'specsource/integration-specs', '-n', NS, '--type', 'merge', '-p', '{"spec":{"suspend":true}}']);
    await expect.poll(async () => condition(await source(), 'Ready')?.reason, { timeout: 20_000 }).toBe('Suspended');
    const suspended = await source();
    expect(suspended.status.observedGeneration).toBe(suspended.metadata.generation);
    expect(condition(suspended, 'Ready').message).toContain(commits[5]);
    await repo.remove('specs/lookups/extra-units.yaml');
    commits.push(await repo.commitAndPush('lookups: drop extra units'));
    await k(['patch', 'specsource/integration-specs', '-n', NS, '--type', 'merge', '-p', '{"spec":{"suspend":false}}']);
    await expect.poll(async () => (await source()).status?.revision, { timeout: 20_000 }).toBe(commits[6]);
    expect(condition(await source(), 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(await names('lookuptables')).not.toContain('extra-units');
  });

  test('unusable sources say why: a path leaving the repository, a missing Secret, a path not in the commit', async () => {
    const src = (name: string, spec: string): string => `apiVersion: syncspec.dev/v1\nkind: SpecSource\nmetadata:\n  name: ${name}\n  namespace: gitops-pinned\nspec:\n  url: ${git.url('integration-specs')}\n  interval: 1m\n${spec}`;
    await applyYaml('bad-sources', [
      src('escapes', '  path: specs/../../etc\n  secretRef: { name: specs-git-auth }\n'),
      src('no-secret', '  path: specs\n  secretRef: { name: not-there }\n'),
      src('no-path', '  path: nowhere/\n  secretRef: { name: specs-git-auth }\n'),
    ].join('---\n'));
    const ready = async (name: string): Promise<any> => condition(JSON.parse(await k(['get', `specsource/${name}`, '-n', 'gitops-pinned', '-o', 'json'])), 'Ready');
    await expect.poll(async () => (await ready('escapes'))?.reason, { timeout: 20_000 }).toBe('InvalidSpec');
    expect((await ready('escapes')).message).toContain('leaves the repository');
    await expect.poll(async () => (await ready('no-secret'))?.reason, { timeout: 20_000 }).toBe('SecretNotFound');
    expect((await ready('no-secret')).message).toBe('Secret not-there does not exist');
    await expect.poll(async () => (await ready('no-path'))?.reason, { timeout: 20_000 }).toBe('PathNotFound');
    const stalled = condition(JSON.parse(await k(['get', 'specsource/no-path', '-n', 'gitops-pinned', '-o', 'json'])), 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'PathNotFound' });
  });

  test('the credentials appear in no log line, condition or event', async () => {
    const everything = [operator.stderr(), JSON.stringify(await source()), await k(['get', 'events', '-n', NS, '-o', 'json'])].join('\n');
    expect(everything).not.toContain(AUTH.password);
    expect(everything).not.toContain(Buffer.from(`${AUTH.user}:${AUTH.password}`).toString('base64'));
  });
});

function readdirNames(folder: string): string[] {
  return readdirSync(join(ROOT, 'specs', folder)).map((f) => f.replace(/\.yaml$/, '')).sort();
}
