/**
 * Least privilege, checked both ways: the operator (in process, leader election on) runs a scenario that
 * touches every code path with an API call — SpecSource fetch with a credentials Secret, SyncSpec
 * compile + worker apply, status writes, events, suspend, a commit that prunes a spec and its worker,
 * lease release — through a recording proxy. Every request it made must be allowed by the ClusterRole +
 * leader-election Role that `helm template` renders, and every permission the chart grants must have
 * been used, or be one of the few listed below with the reason the scenario cannot show it.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../operator/config.ts';
import { startOperator, type OperatorHandle } from '../../operator/main.ts';
import { helmPath } from '../../scripts/kube-tools.ts';
import { installCrds } from '../kube/fixtures.ts';
import { kubeconfigYaml } from '../kube/kubeconfig.ts';
import { kubectl, kubectlContext, type KubectlContext } from '../kube/kubectl.ts';
import { startKubeServer, type KubeServer } from '../kube/server.ts';
import { ROOT } from './helpers.ts';
import { startRequestRecorder, type RequestRecorder } from './request-recorder.ts';
import { createRepo, startGitServer, type GitServer, type WorkRepo } from './specsource-git-server.ts';

const NS = 'rbac-check';
const AUTH = { user: 'bot', password: 'rbac-test-password' };
const PRODUCT = 'erp-material-to-crm-product';
const U8_FILE = 'specs/flows/products/u8-inventory-to-jdy-product.yaml';

/**
 * Granted but not exercised here, each with its reason. Anything else granted and unused fails the test.
 * - create on applied kinds: server-side apply that creates an object is authorized as create as well as
 *   patch on API servers that check it; the test server does not distinguish.
 * - finalizers subresource update: setting blockOwnerDeletion on an owned object needs it (OwnerReferencesPermissionEnforcement).
 * - events patch: recorders patch a repeated Event's count; the operator's recorder creates only, client-go style aggregation may patch.
 */
const ALLOWED_UNUSED = new Set([
  'syncspec.dev/syncspecs create', 'syncspec.dev/connections create', 'syncspec.dev/lookuptables create', 'syncspec.dev/entityschemas create',
  'apps/deployments create', '/configmaps create', '/services create', 'policy/poddisruptionbudgets create', 'monitoring.coreos.com/prometheusrules create',
  'syncspec.dev/syncspecs/finalizers update', 'syncspec.dev/specsources/finalizers update',
  '/events patch',
]);

let server: KubeServer;
let recorder: RequestRecorder;
let git: GitServer & { root: string };
let repo: WorkRepo;
let ctx: KubectlContext;
let operator: OperatorHandle | undefined;
const logs: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'syncspec-rbac-'));

async function k(args: string[]): Promise<string> {
  const r = await kubectl(args, ctx);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}\n${logs.slice(-30).join('')}`);
  return r.stdout;
}
const getJson = async (what: string): Promise<any> => JSON.parse(await k(['get', what, '-n', NS, '-o', 'json']));
const ready = (o: any): string | undefined => o.status?.conditions?.find((c: any) => c.type === 'Ready')?.reason;

beforeAll(async () => {
  server = await startKubeServer();
  installCrds(server);
  recorder = await startRequestRecorder(server.url);
  ctx = kubectlContext(server.url);
  git = await startGitServer(AUTH);
  repo = await createRepo(git, 'specs', AUTH);
  for (const folder of ['connections', 'lookups', 'schemas']) cpSync(join(ROOT, 'specs', folder), join(repo.dir, 'specs', folder), { recursive: true });
  for (const f of [`specs/flows/products/${PRODUCT}.yaml`, U8_FILE]) repo.write(f, readFileSync(join(ROOT, f), 'utf8'));
  await repo.commitAndPush('specs');
  writeFileSync(join(dir, 'setup.yaml'), [
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: git-auth\n  namespace: ${NS}\nstringData:\n  username: ${AUTH.user}\n  password: ${AUTH.password}`,
    `apiVersion: syncspec.dev/v1\nkind: SpecSource\nmetadata:\n  name: specs\n  namespace: ${NS}\nspec:\n  url: ${git.url('specs')}\n  path: specs\n  interval: 1s\n  secretRef: { name: git-auth }`,
  ].join('\n---\n'));
  await k(['apply', '--server-side', '-f', join(dir, 'setup.yaml')]);
  const parsed = parseConfig([
    '--namespace', NS, '--worker-image', 'registry.example.com/syncspec:1', '--lease-namespace', NS, '--identity', 'rbac-check',
    '--lease-duration', '3000', '--renew-deadline', '2000', '--retry-period', '500', '--metrics-port', '0', '--metrics-host', '127.0.0.1',
    '--resync', '60000', '--worker-endpoint', 'http://127.0.0.1:9/{namespace}/{name}',
  ], {});
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(recorder.url));
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  process.env.SYNCSPEC_GIT_CACHE_DIR = join(dir, 'git');
  operator = await startOperator(parsed.config, { kc, log });
});

afterAll(async () => {
  await operator?.stop();
  await recorder?.close();
  await git?.close();
  await server?.close();
});

/** The rules `helm template` renders (cluster-wide mode), as `group/resource verb` strings. */
function grantedByChart(): Set<string> {
  const out = execFileSync(helmPath(), ['template', 'syncspec', join(ROOT, 'charts/syncspec'), '--namespace', NS], { env: { ...process.env, HOME: dir, HELM_CACHE_HOME: join(dir, 'hc'), HELM_CONFIG_HOME: join(dir, 'hcfg'), HELM_DATA_HOME: join(dir, 'hd') } }).toString();
  const granted = new Set<string>();
  for (const doc of parseAllDocuments(out).map((d) => d.toJS())) {
    if (doc?.kind !== 'ClusterRole' && doc?.kind !== 'Role') continue;
    for (const rule of doc.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]) {
      for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) granted.add(`${g}/${r} ${v}`);
    }
  }
  return granted;
}

test('every API request of the operator is granted by the chart, and every grant is used', async () => {
  await expect.poll(async () => (await getJson('specsource/specs')).status?.revision, { timeout: 30_000 }).toMatch(/^[0-9a-f]{40}$/);
  await expect.poll(async () => ready(await getJson(`syncspec/${PRODUCT}`)), { timeout: 30_000 }).toBe('Reconciled');
  expect(await k(['get', 'deployment', PRODUCT, '-n', NS, '-o', 'name'])).toContain(PRODUCT);
  // Suspend: the worker Deployment is read and scaled to zero.
  await k(['patch', 'syncspec', PRODUCT, '-n', NS, '--type', 'merge', '-p', '{"spec":{"suspend":true}}']);
  await expect.poll(async () => ready(await getJson(`syncspec/${PRODUCT}`)), { timeout: 15_000 }).toBe('Suspended');
  // A commit without one spec (and a connection, lookup and entity schema nothing uses any more): the
  // source prunes them, and the SyncSpec's finalizer prunes its worker objects.
  for (const f of [U8_FILE, 'specs/connections/reporting-postgres.yaml', 'specs/lookups/currencies.yaml', 'specs/schemas/salesforce-contract.yaml']) await repo.remove(f);
  await repo.commitAndPush('retire u8 flow');
  await expect.poll(async () => (await kubectl(['get', 'deployment', 'u8-inventory-to-jdy-product', '-n', NS, '-o', 'name'], ctx)).code, { timeout: 20_000 }).not.toBe(0);
  await expect.poll(async () => (await kubectl(['get', 'lookuptable/currencies', '-n', NS, '-o', 'name'], ctx)).code, { timeout: 20_000 }).not.toBe(0);
  await operator?.stop();
  operator = undefined;

  const granted = grantedByChart();
  const used = new Set(recorder.requests.filter((r) => r.resource !== undefined).map((r) => `${r.group}/${r.resource}${r.subresource ? `/${r.subresource}` : ''} ${r.verb}`));
  expect(used.size).toBeGreaterThan(20);
  expect([...used].filter((u) => !granted.has(u)).sort(), 'requests the chart does not allow').toEqual([]);
  expect([...granted].filter((g) => !used.has(g) && !ALLOWED_UNUSED.has(g)).sort(), 'grants nothing used').toEqual([]);
  // The allowance list stays truthful: each entry is granted and really not seen here.
  expect([...ALLOWED_UNUSED].filter((a) => used.has(a) || !granted.has(a)).sort(), 'stale ALLOWED_UNUSED entries').toEqual([]);
  // Secrets: only the one the SpecSource names, only read.
  const secretCalls = recorder.requests.filter((r) => r.resource === 'secrets');
  expect(new Set(secretCalls.map((r) => `${r.verb} ${r.path}`))).toEqual(new Set([`get /api/v1/namespaces/${NS}/secrets/git-auth`]));
}, 90_000);
