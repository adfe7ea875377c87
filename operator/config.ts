/**
 * Operator configuration: flags, with environment fallbacks (the chart's values arrive as env), then
 * defaults. Parsing never throws: problems come back as messages naming the flag.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

export interface WorkerSettings {
  image: string;
  imagePullPolicy: string;
  replicas: number;
  /** Container resources, as the chart's `worker.resources` value. */
  resources: Record<string, unknown>;
  webhookPort: number;
  metricsPort: number;
  serviceAccountName: string | undefined;
  /** Where the image's package keeps compiled specs; the bundle is mounted at `<bundleDir>/<spec>/`. */
  bundleDir: string;
  /** The worker's state store (`$SYNCSPEC_STORE` of the worker container). */
  store: WorkerStore;
}

/**
 * Where workers keep their inbox/outbox state. `sqlite`: a file on the pod's own `emptyDir` (one
 * replica only: the state lives and dies with the pod). `secret`: a `postgres://` URL read from a
 * Kubernetes Secret key (`valueFrom.secretKeyRef`), shared by all replicas. `url`: a `postgres://` URL
 * without credentials in it (password from the server's trust rules or `PG*` settings of the image).
 */
export type WorkerStore =
  | { kind: 'sqlite'; path: string }
  | { kind: 'secret'; name: string; key: string }
  | { kind: 'url'; url: string };

/** The SQLite file of a worker when no store is configured; its directory is an `emptyDir`. */
export const DEFAULT_WORKER_STORE_PATH = '/var/lib/syncspec/state/state.db';

const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** `<secret>/<key>` → the reference, or a problem naming the flag. */
export function parseSecretKeyRef(raw: string, flag: string): { name: string; key: string } | string {
  const slash = raw.indexOf('/');
  const name = slash < 0 ? '' : raw.slice(0, slash);
  const key = slash < 0 ? '' : raw.slice(slash + 1);
  if (name.length === 0 || name.length > 253 || !SECRET_NAME.test(name) || !SECRET_KEY.test(key) || key.length > 253) {
    return `${flag} must be <secret name>/<key> (a DNS subdomain and a key of [-._a-zA-Z0-9]), not "${raw}"`;
  }
  return { name, key };
}

function parseWorkerStore(secretRaw: string, storeRaw: string, replicas: number, problems: string[]): WorkerStore {
  if (secretRaw !== '' && storeRaw !== '') {
    problems.push('--worker-store-secret and --worker-store exclude each other: give one');
  }
  if (secretRaw !== '') {
    const ref = parseSecretKeyRef(secretRaw, '--worker-store-secret');
    if (typeof ref === 'string') problems.push(ref);
    else return { kind: 'secret', ...ref };
  } else if (/^postgres(ql)?:\/\//.test(storeRaw)) {
    // A password in a Deployment's env is readable by anyone who can read Deployments.
    if (/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(storeRaw)) problems.push('--worker-store must not carry a password: put the URL in a Secret and use --worker-store-secret <secret>/<key>');
    else return { kind: 'url', url: storeRaw };
  } else if (storeRaw !== '') {
    if (!storeRaw.startsWith('/') || storeRaw.lastIndexOf('/') === 0) problems.push(`--worker-store must be a postgres:// URL or an absolute SQLite path in a directory of its own inside the worker (the directory becomes an emptyDir), not "${storeRaw}"`);
    else return checkReplicas({ kind: 'sqlite', path: storeRaw }, replicas, problems);
  }
  return checkReplicas({ kind: 'sqlite', path: DEFAULT_WORKER_STORE_PATH }, replicas, problems);
}

/** Replicas with a SQLite file each would each poll and deliver on their own: several need PostgreSQL. */
function checkReplicas(store: WorkerStore, replicas: number, problems: string[]): WorkerStore {
  if (replicas > 1) problems.push(`--worker-replicas ${replicas} needs a shared PostgreSQL store (--worker-store-secret <secret>/<key>): each replica would have its own SQLite file`);
  return store;
}

export interface OperatorConfig {
  kubeconfig: string | undefined;
  inCluster: boolean;
  /** Empty: all namespaces. */
  namespaces: string[];
  worker: WorkerSettings;
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  metricsPort: number;
  metricsHost: string;
  /** Re-reconcile (and re-read worker health) at least this often. */
  resyncMs: number;
  /** URL of a worker's HTTP endpoint; `{name}`, `{namespace}` and `{port}` are filled in. */
  workerEndpoint: string;
  concurrency: number;
  logLevel: string;
}

export const USAGE = [
  'syncspec operator [options]',
  '  --kubeconfig <file>            kubeconfig (default: $KUBECONFIG, else in-cluster, else ~/.kube/config)',
  '  --in-cluster                   use the pod\'s service account',
  '  --namespace <ns>               watch this namespace (repeatable; default all) [SYNCSPEC_NAMESPACES=a,b]',
  '  --worker-image <ref>           worker image (required) [SYNCSPEC_WORKER_IMAGE]',
  '  --worker-pull-policy <p>       IfNotPresent|Always|Never [SYNCSPEC_WORKER_PULL_POLICY]',
  '  --worker-replicas <n>          worker replicas per spec (default 1) [SYNCSPEC_WORKER_REPLICAS]',
  '  --worker-resources <json>      container resources as JSON [SYNCSPEC_WORKER_RESOURCES]',
  '  --worker-service-account <sa>  service account of worker pods [SYNCSPEC_WORKER_SERVICE_ACCOUNT]',
  '  --worker-endpoint <url>        worker HTTP endpoint template (default http://{name}.{namespace}.svc:{port})',
  '  --worker-bundle-dir <dir>      compiled specs dir inside the worker image (default /app/generated) [SYNCSPEC_WORKER_BUNDLE_DIR]',
  '  --worker-store-secret <s>/<k>  worker state store: a postgres:// URL in key <k> of Secret <s> (needed for',
  '                                 more than one replica) [SYNCSPEC_WORKER_STORE_SECRET]',
  `  --worker-store <path|url>      else a SQLite path on the pod's emptyDir (default ${DEFAULT_WORKER_STORE_PATH}) or a`,
  '                                 postgres:// URL without a password [SYNCSPEC_WORKER_STORE]',
  '  --leader-elect=false           run without leader election (one replica only)',
  '  --lease-name <name>            Lease name (default syncspec-operator) [SYNCSPEC_LEASE_NAME]',
  '  --lease-namespace <ns>         Lease namespace (default $POD_NAMESPACE or default)',
  '  --identity <id>                candidate identity (default $POD_NAME or host_pid)',
  '  --lease-duration <ms>          default 15000; --renew-deadline 10000; --retry-period 2000',
  '  --metrics-port <port>          /healthz /readyz /metrics port (default 8080; 0 = any free)',
  '  --resync <ms>                  periodic reconcile (default 300000)',
  '  --concurrency <n>              specs reconciled at once (default 4)',
].join('\n');

export type ConfigResult = { ok: true; config: OperatorConfig } | { ok: false; problems: string[] };

export function parseConfig(args: readonly string[], env: NodeJS.ProcessEnv): ConfigResult {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: [...args],
      allowPositionals: false,
      options: {
        kubeconfig: { type: 'string' },
        'in-cluster': { type: 'boolean' },
        namespace: { type: 'string', multiple: true },
        'worker-image': { type: 'string' },
        'worker-pull-policy': { type: 'string' },
        'worker-replicas': { type: 'string' },
        'worker-resources': { type: 'string' },
        'worker-service-account': { type: 'string' },
        'worker-endpoint': { type: 'string' },
        'worker-webhook-port': { type: 'string' },
        'worker-bundle-dir': { type: 'string' },
        'worker-store-secret': { type: 'string' },
        'worker-store': { type: 'string' },
        'worker-metrics-port': { type: 'string' },
        'leader-elect': { type: 'string' },
        'lease-name': { type: 'string' },
        'lease-namespace': { type: 'string' },
        identity: { type: 'string' },
        'lease-duration': { type: 'string' },
        'renew-deadline': { type: 'string' },
        'retry-period': { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        resync: { type: 'string' },
        concurrency: { type: 'string' },
        'log-level': { type: 'string' },
      },
    }).values;
  } catch (err) {
    return { ok: false, problems: [err instanceof Error ? err.message : String(err)] };
  }
  const problems: string[] = [];
  const str = (flag: string, envName: string | undefined, dflt: string): string => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    const e = envName ? env[envName] : undefined;
    return e !== undefined && e !== '' ? e : dflt;
  };
  const int = (flag: string, envName: string | undefined, dflt: number, min: number): number => {
    const raw = str(flag, envName, String(dflt));
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`--${flag} must be an integer ≥ ${min}, not "${raw}"`);
      return dflt;
    }
    return n;
  };
  const image = str('worker-image', 'SYNCSPEC_WORKER_IMAGE', '');
  if (image === '') problems.push('--worker-image (or SYNCSPEC_WORKER_IMAGE) is required');
  let resources: Record<string, unknown> = {};
  const rawResources = str('worker-resources', 'SYNCSPEC_WORKER_RESOURCES', '');
  if (rawResources !== '') {
    try {
      const parsed: unknown = JSON.parse(rawResources);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      resources = parsed as Record<string, unknown>;
    } catch {
      problems.push('--worker-resources must be a JSON object such as {"requests":{"cpu":"100m"}}');
    }
  }
  const namespaces = Array.isArray(values.namespace) && values.namespace.length > 0
    ? values.namespace
    : (env.SYNCSPEC_NAMESPACES ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const leaderElectRaw = str('leader-elect', 'SYNCSPEC_LEADER_ELECT', 'true');
  if (leaderElectRaw !== 'true' && leaderElectRaw !== 'false') problems.push(`--leader-elect must be true or false, not "${leaderElectRaw}"`);
  const pullPolicy = str('worker-pull-policy', 'SYNCSPEC_WORKER_PULL_POLICY', 'IfNotPresent');
  if (!['IfNotPresent', 'Always', 'Never'].includes(pullPolicy)) problems.push(`--worker-pull-policy must be IfNotPresent, Always or Never, not "${pullPolicy}"`);
  const sa = str('worker-service-account', 'SYNCSPEC_WORKER_SERVICE_ACCOUNT', '');
  const replicas = int('worker-replicas', 'SYNCSPEC_WORKER_REPLICAS', 1, 0);
  const store = parseWorkerStore(str('worker-store-secret', 'SYNCSPEC_WORKER_STORE_SECRET', ''), str('worker-store', 'SYNCSPEC_WORKER_STORE', ''), replicas, problems);
  const config: OperatorConfig = {
    kubeconfig: typeof values.kubeconfig === 'string' ? values.kubeconfig : undefined,
    inCluster: values['in-cluster'] === true,
    namespaces: [...new Set(namespaces)].sort(),
    worker: {
      image, imagePullPolicy: pullPolicy, resources,
      replicas,
      webhookPort: int('worker-webhook-port', undefined, 8080, 1),
      metricsPort: int('worker-metrics-port', undefined, 8080, 1),
      serviceAccountName: sa === '' ? undefined : sa,
      bundleDir: str('worker-bundle-dir', 'SYNCSPEC_WORKER_BUNDLE_DIR', '/app/generated').replace(/\/+$/, ''),
      store,
    },
    leaderElect: leaderElectRaw !== 'false',
    leaseName: str('lease-name', 'SYNCSPEC_LEASE_NAME', 'syncspec-operator'),
    leaseNamespace: str('lease-namespace', 'POD_NAMESPACE', 'default'),
    identity: str('identity', 'POD_NAME', `${hostname()}_${process.pid}`),
    leaseDurationMs: int('lease-duration', undefined, 15_000, 1000),
    renewDeadlineMs: int('renew-deadline', undefined, 10_000, 1),
    retryPeriodMs: int('retry-period', undefined, 2_000, 1),
    metricsPort: int('metrics-port', 'SYNCSPEC_METRICS_PORT', 8080, 0),
    metricsHost: str('metrics-host', undefined, '0.0.0.0'),
    resyncMs: int('resync', 'SYNCSPEC_RESYNC_MS', 300_000, 100),
    workerEndpoint: str('worker-endpoint', 'SYNCSPEC_WORKER_ENDPOINT', 'http://{name}.{namespace}.svc:{port}'),
    concurrency: int('concurrency', undefined, 4, 1),
    logLevel: str('log-level', 'LOG_LEVEL', 'info'),
  };
  if (config.leaderElect && !(config.retryPeriodMs < config.renewDeadlineMs && config.renewDeadlineMs < config.leaseDurationMs)) {
    problems.push('leader election needs --retry-period < --renew-deadline < --lease-duration');
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}
