/**
 * The real kubectl as a user drives it, against the test API server: the syncspec CRDs, the example
 * repository in specs/, printer columns, wait, describe and deletion held by a finalizer.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { asMergePatch } from './k8s-client.ts';
import { helmPath } from '../../scripts/kube-tools.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { disposeContext, kubectl, kubectlBackground, kubectlContext, type KubectlContext } from './kubectl.ts';
import { startKubeServer, type KubeServer } from './server.ts';

const root = join(import.meta.dirname, '../..');
const NS = 'kubectl-test';

interface SpecDoc { file: string; kind: string; name: string; spec: unknown }

function specDocs(): SpecDoc[] {
  const out: SpecDoc[] = [];
  for (const rel of readdirSync(join(root, 'specs'), { recursive: true, encoding: 'utf8' }).sort()) {
    if (!rel.endsWith('.yaml') && !rel.endsWith('.yml')) continue;
    for (const doc of parseAllDocuments(readFileSync(join(root, 'specs', rel), 'utf8'))) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: unknown } | null;
      if (o?.kind && o.metadata?.name) out.push({ file: `specs/${rel}`, kind: o.kind, name: o.metadata.name, spec: o.spec });
    }
  }
  return out;
}

/** True when every value in `want` is present and equal in `got` (the server may add defaults). */
function contains(got: unknown, want: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => contains(got[i], w));
  if (typeof want === 'object' && want !== null) {
    return typeof got === 'object' && got !== null && Object.entries(want).every(([k, v]) => contains((got as Record<string, unknown>)[k], v));
  }
  return Object.is(got, want);
}

let server: KubeServer;
let ctx: KubectlContext;
let custom: CustomObjectsApi;
const docs = specDocs();
const syncSpecs = docs.filter((d) => d.kind === 'SyncSpec');
const first = syncSpecs[0];

beforeAll(async () => {
  server = await startKubeServer();
  ctx = kubectlContext(server.url);
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(server.url));
  custom = kc.makeApiClient(CustomObjectsApi);
  const nsFile = join(ctx.dir, 'namespace.yaml');
  writeFileSync(nsFile, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
  const ns = await kubectl(['apply', '--server-side', '-f', nsFile], ctx);
  disposeContext(ctx);
  if (ns.code !== 0) throw new Error(`kubectl could not create the namespace: ${ns.stderr}`);
});

// Every test runs kubectl with its own kubeconfig and cache dir: no discovery cached by another test.
beforeEach(() => {
  ctx = kubectlContext(server.url);
});
afterEach(() => {
  disposeContext(ctx);
});

afterAll(async () => {
  await server?.close();
});

describe('kubectl against the test API server', () => {
  test('the example repository has SyncSpecs to work with', () => {
    expect(syncSpecs.length).toBeGreaterThan(0);
  });

  test('apply --server-side of the CRDs, then of every spec in specs/, loses no data', async () => {
    const crds = await kubectl(['apply', '--server-side', '-f', join(root, 'charts/syncspec/crds')], ctx);
    expect(crds.stderr).toBe('');
    expect(crds.code).toBe(0);
    const established = await kubectl(['wait', '--for=condition=Established', 'crd/syncspecs.syncspec.dev', '--timeout=20s'], ctx);
    expect(established.code).toBe(0);
    const applied = await kubectl(['apply', '--server-side', '-R', '-f', join(root, 'specs'), '-n', NS], ctx);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout.trim().split('\n')).toHaveLength(docs.length);
    const all = JSON.parse((await kubectl(['get', 'syncspec,connection,lookuptable,entityschema,specsource', '-n', NS, '-o', 'json'], ctx)).stdout);
    expect(all.items).toHaveLength(docs.length);
    for (const d of docs) {
      const live = all.items.find((i: any) => i.kind === d.kind && i.metadata.name === d.name);
      expect(contains(live?.spec, d.spec), `${d.file} (${d.kind}/${d.name}) was stored with data missing`).toBe(true);
    }
  });

  test('get syncspecs prints the Ready, Version, Revision and Age columns', async () => {
    const out = await kubectl(['get', 'syncspecs', '-n', NS], ctx);
    expect(out.code).toBe(0);
    const [header, ...rows] = out.stdout.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'READY', 'VERSION', 'REVISION', 'AGE']);
    expect(rows).toHaveLength(syncSpecs.length);
    const row = rows.find((r) => r.startsWith(`${first?.name} `));
    expect(row).toContain(String((first?.spec as { version?: string }).version));
  });

  test('get syncspec (the singular) lists SyncSpecs only; get syncspec-all lists every kind', async () => {
    const single = await kubectl(['get', 'syncspec', '-n', NS, '-o', 'name'], ctx);
    expect(single.stdout.trim().split('\n')).toHaveLength(syncSpecs.length);
    const all = await kubectl(['get', 'syncspec-all', '-n', NS, '-o', 'name'], ctx);
    expect(all.stdout.trim().split('\n')).toHaveLength(docs.length);
  });

  test('get -w prints changes as rows with the printer columns', async () => {
    const name = first?.name ?? '';
    const watching = kubectlBackground(['get', 'ss', name, '-n', NS, '-w'], ctx);
    await expect.poll(() => server.watchCount(), { timeout: 20_000 }).toBeGreaterThan(0);
    await custom.patchNamespacedCustomObject({ group: 'syncspec.dev', version: 'v1', plural: 'syncspecs', namespace: NS, name, body: { metadata: { labels: { watched: 'yes' } } } }, asMergePatch);
    await expect.poll(() => watching.stdout().trimEnd().split('\n').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    watching.stop();
    const lines = (await watching.done).stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['NAME', 'READY', 'VERSION', 'REVISION', 'AGE']);
    expect(lines.slice(1).every((l) => l.startsWith(`${name} `) && l.includes(String((first?.spec as { version?: string }).version)))).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(3);
  });

  test('get ss -o json uses the short name and returns the SyncSpecs', async () => {
    const out = await kubectl(['get', 'ss', '-n', NS, '-o', 'json'], ctx);
    const list = JSON.parse(out.stdout);
    expect(list.items.map((i: any) => i.metadata.name).sort()).toEqual(syncSpecs.map((s) => s.name).sort());
    expect(list.items.every((i: any) => i.apiVersion === 'syncspec.dev/v1' && i.kind === 'SyncSpec')).toBe(true);
  });

  test('wait --for=condition=Ready returns once the Ready condition is set through /status', async () => {
    const name = first?.name ?? '';
    const waiting = kubectlBackground(['wait', '--for=condition=Ready', `ss/${name}`, '-n', NS, '--timeout=25s'], ctx);
    await expect.poll(() => server.watchCount(), { timeout: 20_000 }).toBeGreaterThan(0);
    await custom.patchNamespacedCustomObjectStatus({
      group: 'syncspec.dev', version: 'v1', plural: 'syncspecs', namespace: NS, name,
      body: { status: { observedGeneration: 1, revision: 'abc1234', conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'worker running', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }] } },
    }, asMergePatch);
    const result = await waiting.done;
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('condition met');
    const table = await kubectl(['get', 'ss', name, '-n', NS], ctx);
    expect(table.stdout.split('\n')[1]?.split(/\s+/).slice(0, 4)).toEqual([name, 'True', String((first?.spec as { version?: string }).version), 'abc1234']);
  });

  test('describe shows the spec, the status conditions and the object\'s Events', async () => {
    const live = JSON.parse((await kubectl(['get', 'ss', first?.name ?? '', '-n', NS, '-o', 'json'], ctx)).stdout);
    const event = {
      apiVersion: 'v1', kind: 'Event', metadata: { generateName: `${live.metadata.name}.`, namespace: NS },
      involvedObject: { apiVersion: 'syncspec.dev/v1', kind: 'SyncSpec', name: live.metadata.name, namespace: NS, uid: live.metadata.uid },
      reason: 'WorkerDeployed', message: 'worker deployment applied', type: 'Normal', source: { component: 'syncspec-operator' },
      firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:00Z', count: 1,
    };
    const posted = await fetch(`${server.url}/api/v1/namespaces/${NS}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    expect(posted.status).toBe(201);
    const out = await kubectl(['describe', 'ss', first?.name ?? '', '-n', NS], ctx);
    expect(out.stdout).toMatch(/Normal\s+WorkerDeployed\s+.*syncspec-operator\s+worker deployment applied/);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`^Name:\\s+${first?.name}$`, 'm'));
    expect(out.stdout).toMatch(/^Kind:\s+SyncSpec$/m);
    expect(out.stdout).toMatch(/Reason:\s+Reconciled/);
  });

  test('delete --wait=false leaves a finalized object Terminating until the finalizer goes', async () => {
    const name = syncSpecs[1]?.name ?? first?.name ?? '';
    const patch = await kubectl(['patch', 'ss', name, '-n', NS, '--type=merge', '-p', '{"metadata":{"finalizers":["syncspec.dev/worker"]}}'], ctx);
    expect(patch.code).toBe(0);
    const del = await kubectl(['delete', 'ss', name, '-n', NS, '--wait=false'], ctx);
    expect(del.code).toBe(0);
    const held = JSON.parse((await kubectl(['get', 'ss', name, '-n', NS, '-o', 'json'], ctx)).stdout);
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    await kubectl(['patch', 'ss', name, '-n', NS, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'], ctx);
    const gone = await kubectl(['get', 'ss', name, '-n', NS], ctx);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('NotFound');
  });

  test('typed commands that send protobuf work: kubectl create, helm install/upgrade/uninstall', async () => {
    expect((await kubectl(['create', 'namespace', 'proto-ns'], ctx)).code).toBe(0);
    expect((await kubectl(['create', 'configmap', 'cm', '-n', 'proto-ns', '--from-literal=a=b'], ctx)).code).toBe(0);
    expect((await kubectl(['create', 'secret', 'generic', 'sec', '-n', 'proto-ns', '--from-literal=token=abc'], ctx)).code).toBe(0);
    const secret = JSON.parse((await kubectl(['get', 'secret', 'sec', '-n', 'proto-ns', '-o', 'json'], ctx)).stdout);
    expect(Buffer.from(secret.data.token, 'base64').toString()).toBe('abc');
    const chart = join(ctx.dir, 'chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  release: {{ .Release.Revision | quote }}\n');
    const helm = (args: string[]) => new Promise<{ code: number; out: string }>((resolve) => execFile(helmPath(), [...args, '-n', 'proto-ns'], {
      env: { ...process.env, KUBECONFIG: ctx.kubeconfig, HELM_CACHE_HOME: join(ctx.dir, 'helm-cache'), HELM_CONFIG_HOME: join(ctx.dir, 'helm-config'), HELM_DATA_HOME: join(ctx.dir, 'helm-data') },
      timeout: 30_000,
    }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr })));
    expect((await helm(['install', 'demo', chart])).out).toContain('STATUS: deployed');
    expect((await helm(['upgrade', 'demo', chart])).out).toContain('REVISION: 2');
    const cm = JSON.parse((await kubectl(['get', 'cm', 'demo', '-n', 'proto-ns', '-o', 'json'], ctx)).stdout);
    expect(cm.data.release).toBe('2');
    expect((await helm(['uninstall', 'demo'])).code).toBe(0);
    expect((await kubectl(['get', 'cm', 'demo', '-n', 'proto-ns'], ctx)).code).toBe(1);
  });

  test('client-side apply (last-applied annotation, merge patch) updates a custom resource', async () => {
    const doc = { apiVersion: 'syncspec.dev/v1', kind: 'SyncSpec', metadata: { name: 'client-side', namespace: NS }, spec: { ...(first?.spec as object), owner: 'first@example.com' } };
    const file = join(ctx.dir, 'client-side.json');
    writeFileSync(file, JSON.stringify(doc));
    expect((await kubectl(['apply', '-f', file], ctx)).stdout).toContain('created');
    writeFileSync(file, JSON.stringify({ ...doc, spec: { ...doc.spec, owner: 'second@example.com' } }));
    expect((await kubectl(['apply', '-f', file], ctx)).stdout).toContain('configured');
    const live = JSON.parse((await kubectl(['get', 'ss', 'client-side', '-n', NS, '-o', 'json', '--show-managed-fields'], ctx)).stdout);
    expect(live.spec.owner).toBe('second@example.com');
    expect(live.metadata.generation).toBe(2);
    expect(live.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`)).toContain('kubectl-client-side-apply/Update');
  });

  test('an invalid spec is refused with the field that is wrong', async () => {
    const bad = { apiVersion: 'syncspec.dev/v1', kind: 'SyncSpec', metadata: { name: 'broken', namespace: NS }, spec: { ...(first?.spec as object), version: 'not-semver' } };
    const file = join(ctx.dir, 'broken.json');
    writeFileSync(file, JSON.stringify(bad));
    const out = await kubectl(['apply', '--server-side', '-f', file], ctx);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('spec.version');
    expect(out.stderr).toContain('is invalid');
  });
});
