/**
 * The objects a compiled SyncSpec runs as: a ConfigMap holding the bundle, the worker Deployment
 * (whose pod template carries the bundle hash, so a new bundle rolls out and an unchanged one does
 * not), a Service for webhooks and metrics, a PodDisruptionBudget and, when the spec has an `sla`, a
 * PrometheusRule. All are labelled `syncspec.dev/spec=<name>` and owned (controller) by the SyncSpec.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { WorkerSettings, WorkerStore } from '../config.ts';
import { KINDS, apiVersionOf, type KubeObject, type ResourceKind } from '../k8s/resources.ts';
import { alertGroups } from './alerts.ts';
import type { Bundle } from './context.ts';

export const SPEC_LABEL = 'syncspec.dev/spec';
export const HASH_ANNOTATION = 'syncspec.dev/bundle-hash';
export const REVISION_ANNOTATION = 'syncspec.dev/revision';
export const MANAGED_BY = 'syncspec-operator';

/** The kinds a SyncSpec owns, in apply order (the bundle before the Deployment that mounts it). */
export const OWNED_KINDS: readonly ResourceKind[] = [KINDS.ConfigMap, KINDS.Deployment, KINDS.Service, KINDS.PodDisruptionBudget, KINDS.PrometheusRule];

export interface Owner {
  name: string;
  namespace: string;
  uid: string;
}

export interface DesiredObject {
  kind: ResourceKind;
  object: KubeObject;
}

export const bundleConfigMapName = (spec: string): string => `${spec}-bundle`;

/** Where the worker reads mounted Secrets (`runtime/project.ts` secretResolver: `<dir>/<secret>/<key>`). */
export const WORKER_SECRETS_DIR = '/var/run/secrets/syncspec';
/** Reports of `mode: reconcile` schedules: an `emptyDir`, the root file system being read-only. */
export const WORKER_REPORTS_DIR = '/var/lib/syncspec/reports';

/** A pod volume name (DNS-1123 label, ≤ 63) for a Secret: readable when the name fits, else hashed. */
export function secretVolumeName(secret: string): string {
  const plain = `secret-${secret}`;
  return plain.length <= 63 && !secret.includes('.') ? plain : `secret-${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

/** `$SYNCSPEC_STORE` of the worker: a literal (SQLite path, credential-free URL) or a Secret key. */
function storeEnv(store: WorkerStore): Record<string, unknown> {
  if (store.kind === 'secret') return { name: 'SYNCSPEC_STORE', valueFrom: { secretKeyRef: { name: store.name, key: store.key, optional: false } } };
  return { name: 'SYNCSPEC_STORE', value: store.kind === 'sqlite' ? store.path : store.url };
}

/** ConfigMap keys allow no `/`: `connections/x.yaml` is stored as `connections.x.yaml` and mounted back at its path. */
export const configMapKey = (path: string): string => path.replace(/\//g, '.');

export function labelsFor(spec: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'syncspec-worker',
    'app.kubernetes.io/instance': spec,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [SPEC_LABEL]: spec,
  };
}

function meta(kind: ResourceKind, name: string, owner: Owner, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: apiVersionOf(kind),
    kind: kind.kind,
    metadata: {
      name,
      namespace: owner.namespace,
      labels: labelsFor(owner.name),
      ownerReferences: [{ apiVersion: 'syncspec.dev/v1', kind: 'SyncSpec', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }],
    },
    ...extra,
  };
}

export function desiredObjects(owner: Owner, bundle: Bundle, worker: WorkerSettings, options: { suspended: boolean }): DesiredObject[] {
  const name = owner.name;
  const selector = { 'app.kubernetes.io/name': 'syncspec-worker', [SPEC_LABEL]: name };
  const files = Object.keys(bundle.files);
  const configMap = meta(KINDS.ConfigMap, bundleConfigMapName(name), owner, {
    data: Object.fromEntries(files.map((f) => [configMapKey(f), bundle.files[f] ?? ''])),
  });
  configMap.metadata.annotations = { [HASH_ANNOTATION]: bundle.hash };
  const ports = [{ name: 'webhook', containerPort: worker.webhookPort, protocol: 'TCP' }];
  if (worker.metricsPort !== worker.webhookPort) ports.push({ name: 'metrics', containerPort: worker.metricsPort, protocol: 'TCP' });
  // The root file system is read-only: the SQLite store, the reports and SQLite's temporary files get
  // emptyDirs; each Secret the connections name is mounted where the worker's secret resolver looks.
  const volumes: Record<string, unknown>[] = [{ name: 'bundle', configMap: { name: bundleConfigMapName(name), items: files.map((f) => ({ key: configMapKey(f), path: f })) } }];
  const volumeMounts: Record<string, unknown>[] = [{ name: 'bundle', mountPath: `${worker.bundleDir}/${name}`, readOnly: true }];
  if (worker.store.kind === 'sqlite') {
    volumes.push({ name: 'state', emptyDir: {} });
    volumeMounts.push({ name: 'state', mountPath: posix.dirname(worker.store.path) });
  }
  volumes.push({ name: 'reports', emptyDir: {} }, { name: 'tmp', emptyDir: {} });
  volumeMounts.push({ name: 'reports', mountPath: WORKER_REPORTS_DIR }, { name: 'tmp', mountPath: '/tmp' });
  for (const secret of [...new Set(bundle.secrets)].sort()) {
    volumes.push({ name: secretVolumeName(secret), secret: { secretName: secret, optional: false } });
    volumeMounts.push({ name: secretVolumeName(secret), mountPath: `${WORKER_SECRETS_DIR}/${secret}`, readOnly: true });
  }
  const container: Record<string, unknown> = {
    name: 'worker',
    image: worker.image,
    imagePullPolicy: worker.imagePullPolicy,
    // The bundle is laid out as `generated/` is (`<dir>/<spec>/plan.json`, `transform.ts`, …), so the worker
    // loads it like a checked-in spec; `dir` lies inside the image's package so `#support` resolves.
    args: ['worker', '--generated', worker.bundleDir, '--spec', name, '--port', String(worker.webhookPort), '--reports', WORKER_REPORTS_DIR],
    ports,
    env: [
      { name: 'SYNCSPEC_SPEC', value: name },
      { name: 'SYNCSPEC_BUNDLE_HASH', value: bundle.hash },
      storeEnv(worker.store),
      { name: 'SYNCSPEC_SECRETS_DIR', value: WORKER_SECRETS_DIR },
    ],
    readinessProbe: { httpGet: { path: '/readyz', port: 'webhook' }, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'webhook' }, periodSeconds: 20, failureThreshold: 3 },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    volumeMounts,
  };
  if (Object.keys(worker.resources).length > 0) container.resources = worker.resources;
  const podSpec: Record<string, unknown> = {
    containers: [container],
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    terminationGracePeriodSeconds: 60,
    volumes,
  };
  if (worker.serviceAccountName) podSpec.serviceAccountName = worker.serviceAccountName;
  const deployment = meta(KINDS.Deployment, name, owner, {
    spec: {
      replicas: options.suspended ? 0 : worker.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labelsFor(name), annotations: { [HASH_ANNOTATION]: bundle.hash } },
        spec: podSpec,
      },
    },
  });
  const service = meta(KINDS.Service, name, owner, {
    spec: {
      selector,
      ports: [
        { name: 'webhook', port: 80, targetPort: 'webhook', protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: worker.metricsPort === worker.webhookPort ? 'webhook' : 'metrics', protocol: 'TCP' },
      ],
    },
  });
  const pdb = meta(KINDS.PodDisruptionBudget, name, owner, { spec: { maxUnavailable: 1, selector: { matchLabels: selector } } });
  const out: DesiredObject[] = [
    { kind: KINDS.ConfigMap, object: configMap },
    { kind: KINDS.Deployment, object: deployment },
    { kind: KINDS.Service, object: service },
    { kind: KINDS.PodDisruptionBudget, object: pdb },
  ];
  const groups = alertGroups(name, bundle.plan.sla);
  if (groups.length > 0) out.push({ kind: KINDS.PrometheusRule, object: meta(KINDS.PrometheusRule, name, owner, { spec: { groups } }) });
  return out;
}
