/**
 * The operator's bundle, run by the real worker command: a SyncSpec applied to the test API server with
 * kubectl, and the pod the operator's Deployment describes set up as the kubelet would, under a
 * directory standing for the container's root: the `<spec>-bundle` ConfigMap (items key → path), each
 * Secret volume from the Secrets in the API server, the emptyDirs, and the env (`valueFrom.secretKeyRef`
 * read from the API server too — the store is PostgreSQL named by a Secret). `node bin/syncspec.js
 * worker` starts with the Deployment's own args and env, paths moved under that root; the only
 * overrides are the listen address and the connections' URLs pointing at a Salesforce and a Kingdee
 * emulator. An Outbound Message pushed to `/hooks/<spec>` arrives in Kingdee; `/healthz`, `/readyz` and
 * `/metrics` answer; SIGTERM drains and exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_FORMS } from '../../connectors/kingdee-k3cloud/emulator/forms.ts';
import { startKingdeeEmulator, type KingdeeEmulator } from '../../connectors/kingdee-k3cloud/emulator/server.ts';
import { DEFAULT_OBJECTS } from '../../connectors/salesforce/emulator/objects.ts';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../connectors/salesforce/emulator/server.ts';
import pg from 'pg';
import { kubectl, kubectlContext, type KubectlContext } from '../kube/kubectl.ts';
import { startKubeServer, type KubeServer } from '../kube/server.ts';
import { assertPostgresUp, PG_URL } from '../runtime/stores.ts';
import { metricValue, ROOT, startFakeWorkers, startOperatorProcess, type FakeWorkers, type OperatorProcess } from './helpers.ts';

const NS = 'worker-bundle';
const SPEC = 'crm-account-to-erp-customer';
const KD_APP_ID = '300000_workerBundleApp';
const KD_APP_SECRET = 'worker-bundle-app-secret';

let server: KubeServer;
let ctx: KubectlContext;
let fakeWorkers: FakeWorkers;
let operator: OperatorProcess;
let sf: SalesforceEmulator;
let kd: KingdeeEmulator;
const dir = mkdtempSync(join(tmpdir(), 'syncspec-worker-bundle-'));
// The store as in a cluster: PostgreSQL named by $SYNCSPEC_STORE, in a schema of its own.
const PG_SCHEMA = `op_worker_bundle_${randomBytes(4).toString('hex')}`;

async function k(args: string[]): Promise<string> {
  const r = await kubectl(args, ctx);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}\noperator log:\n${operator?.stderr().slice(-4000)}`);
  return r.stdout;
}
const getJson = async (what: string): Promise<any> => JSON.parse(await k(['get', what, '-n', NS, '-o', 'json']));

interface WorkerProcess {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  output(): string;
  exited: Promise<number | null>;
}

function startWorker(args: string[], env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [join(ROOT, 'bin/syncspec.js'), ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`, ...env },
  });
  const logs: Record<string, unknown>[] = [];
  let raw = '';
  let buf = '';
  child.stdout?.on('data', (c: Buffer) => {
    raw += c.toString('utf8');
    buf += c.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try { logs.push(JSON.parse(line) as Record<string, unknown>); } catch { /* not a log line */ }
    }
  });
  child.stderr?.on('data', (c: Buffer) => void (raw += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, logs, exited, output: () => raw };
}

let worker: WorkerProcess;
let workerUrl: string;
let bundleDir: string;
let deploymentArgs: string[];
let deploymentEnv: Record<string, string>;
/** The container's root file system: mount paths and the paths in args and env are moved under it. */
const podRoot = join(dir, 'pod');

async function secretData(name: string): Promise<Record<string, string>> {
  const secret = await getJson(`secret/${name}`);
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([key, b64]) => [key, Buffer.from(b64, 'base64').toString('utf8')]));
}

/**
 * What the kubelet does with the pod template's volumes and env, as far as the worker can tell: every
 * mount filled in under `podRoot` (ConfigMap items at their paths, Secret keys as files, emptyDirs
 * empty), env values resolved (literals, Secret keys). Paths in args and env that lie under a mount
 * point move under `podRoot` with it.
 */
async function setUpPod(deploy: any): Promise<{ args: string[]; env: Record<string, string> }> {
  const pod = deploy.spec.template.spec;
  const container = pod.containers[0];
  const mounts: { name: string; mountPath: string }[] = container.volumeMounts;
  for (const m of mounts) {
    const volume = pod.volumes.find((v: any) => v.name === m.name);
    const at = join(podRoot, m.mountPath);
    mkdirSync(at, { recursive: true });
    if (volume.configMap) {
      const cm = await getJson(`configmap/${volume.configMap.name}`);
      for (const { key, path } of volume.configMap.items as { key: string; path: string }[]) {
        mkdirSync(dirname(join(at, path)), { recursive: true });
        writeFileSync(join(at, path), cm.data[key]);
      }
    } else if (volume.secret) {
      for (const [key, value] of Object.entries(await secretData(volume.secret.secretName))) writeFileSync(join(at, key), value);
    } else if (!volume.emptyDir) {
      throw new Error(`volume ${m.name}: not a ConfigMap, Secret or emptyDir`);
    }
  }
  const inPod = (value: string): string => (mounts.some((m) => value === m.mountPath || value.startsWith(`${m.mountPath}/`) || m.mountPath.startsWith(`${value}/`)) ? join(podRoot, value) : value);
  const env: Record<string, string> = {};
  for (const e of container.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[]) {
    if (e.valueFrom) {
      const value = (await secretData(e.valueFrom.secretKeyRef.name))[e.valueFrom.secretKeyRef.key];
      if (value === undefined) throw new Error(`env ${e.name}: Secret ${e.valueFrom.secretKeyRef.name} has no key ${e.valueFrom.secretKeyRef.key}`);
      env[e.name] = value;
    } else {
      env[e.name] = inPod(e.value ?? '');
    }
  }
  return { args: (container.args as string[]).map(inPod), env };
}

beforeAll(async () => {
  await assertPostgresUp();
  server = await startKubeServer();
  ctx = kubectlContext(server.url);
  fakeWorkers = await startFakeWorkers();
  await k(['apply', '--server-side', '-f', join(ROOT, 'charts/syncspec/crds'), '-f', join(ROOT, 'test/kube/crds')]);
  writeFileSync(join(dir, 'ns.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
  await k(['apply', '--server-side', '-f', join(dir, 'ns.yaml')]);
  operator = startOperatorProcess([
    '--kubeconfig', ctx.kubeconfig, '--namespace', NS, '--worker-image', 'registry.example.com/syncspec/worker:1.0.0',
    '--leader-elect', 'false', '--metrics-port', '0', '--metrics-host', '127.0.0.1', '--resync', '500',
    '--worker-endpoint', `${fakeWorkers.url}/{namespace}/{name}`, '--log-level', 'info',
    '--worker-store-secret', 'worker-store/url',
  ]);
  await operator.port();
  // The emulators as the cluster's Connections describe the vendors: Kingdee's account and API user, the
  // custom fields of specs/schemas (Account.CurrencyIsoCode, BD_Customer.F_SYNC_SourceId).
  const account = DEFAULT_OBJECTS.Account!;
  sf = await startSalesforceEmulator({ port: 0, objects: { ...DEFAULT_OBJECTS, Account: { ...account, fields: { ...account.fields, CurrencyIsoCode: { type: 'picklist', length: 3 } } } } });
  const customer = DEFAULT_FORMS.BD_Customer!;
  kd = await startKingdeeEmulator({
    port: 0, acctId: '62f0c1b7e4a5c1', username: 'integration', appId: KD_APP_ID, appSecret: KD_APP_SECRET,
    forms: { BD_Customer: { ...customer, fields: { ...customer.fields, F_SYNC_SourceId: { kind: 'text', maxLength: 80 } } } },
  });
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  operator?.kill();
  await operator?.exited;
  await fakeWorkers?.close();
  await server?.close();
  await sf?.close();
  await kd?.close();
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
  await client.end();
});

describe('syncspec worker on the operator\'s bundle', () => {
  test('the operator writes the bundle ConfigMap and a Deployment running `worker` on it', { timeout: 45_000 }, async () => {
    await k(['apply', '--server-side', '-f', join(ROOT, 'specs/connections'), '-f', join(ROOT, 'specs/lookups'), '-f', join(ROOT, 'specs/schemas'), '-n', NS]);
    await k(['apply', '--server-side', '-f', join(ROOT, 'specs/flows/customers', `${SPEC}.yaml`), '-n', NS]);
    await k(['wait', '--for=condition=Ready', `syncspec/${SPEC}`, '-n', NS, '--timeout=30s']);
    const deploy = await getJson(`deployment/${SPEC}`);
    const container = deploy.spec.template.spec.containers[0];
    expect(container.args.slice(0, 4)).toEqual(['worker', '--generated', '/app/generated', '--spec']);
    expect(container.env).toContainEqual({ name: 'SYNCSPEC_STORE', valueFrom: { secretKeyRef: { name: 'worker-store', key: 'url', optional: false } } });
    // The Secrets the Connections name, with the values the emulators expect; the store's URL.
    for (const [secret, pairs] of [
      ['salesforce-prod', { clientId: 'syncspec-client', clientSecret: 'syncspec-secret' }],
      ['kingdee-prod', { appId: KD_APP_ID, appSecret: KD_APP_SECRET }],
      ['worker-store', { url: `${PG_URL}?schema=${PG_SCHEMA}` }],
    ] as const) {
      await k(['create', 'secret', 'generic', secret, '-n', NS, ...Object.entries(pairs).map(([key, value]) => `--from-literal=${key}=${value}`)]);
    }
    const pod = await setUpPod(deploy);
    bundleDir = join(podRoot, 'app/generated');
    const items: { key: string; path: string }[] = deploy.spec.template.spec.volumes.find((v: any) => v.name === 'bundle').configMap.items;
    expect(items.map((i) => i.path).sort()).toEqual([
      'connections/kingdee-prod.yaml', 'connections/salesforce-prod.yaml', 'lookups/currencies.yaml', 'lookups/sales-orgs.yaml', 'plan.json',
      'schemas/kingdee-common-contact.yaml', 'schemas/kingdee-customer.yaml', 'schemas/salesforce-account.yaml', 'schemas/salesforce-contract.yaml',
      'schemas/salesforce-order-item.yaml', 'schemas/salesforce-order.yaml', 'schemas/salesforce-product.yaml', 'schemas/salesforce-shipment.yaml',
      'transform.ts', 'types.ts',
    ]);
    expect(readFileSync(join(podRoot, '/var/run/secrets/syncspec/kingdee-prod/appId'), 'utf8')).toBe(KD_APP_ID);
    // Only the listen address differs from the pod: any free port on loopback.
    deploymentArgs = pod.args.map((a, i, all) => (all[i - 1] === '--port' ? '0' : a));
    deploymentEnv = pod.env;
    expect(deploymentArgs).toContain(join(podRoot, '/var/lib/syncspec/reports'));
    expect(deploymentEnv.SYNCSPEC_SECRETS_DIR).toBe(join(podRoot, '/var/run/secrets/syncspec'));
  });

  test('the worker starts from the mounted bundle with connections overridden to the emulators', { timeout: 30_000 }, async () => {
    expect(deploymentArgs, 'the bundle was materialised').toBeDefined();
    // The emulators' addresses: the one thing a cluster's Connections cannot know.
    const overrides = join(dir, 'overrides.json');
    writeFileSync(overrides, JSON.stringify({
      // The URL is given by $SYNCSPEC_CONNECTION_SALESFORCE_PROD_URL below, which wins over the file.
      'salesforce-prod': { url: 'http://127.0.0.1:9/not-used', options: { organizationId: sf.organizationId } },
      'kingdee-prod': { url: kd.serverUrl },
    }));
    worker = startWorker([...deploymentArgs, '--host', '127.0.0.1'], {
      ...deploymentEnv,
      SYNCSPEC_CONNECTION_OVERRIDES: overrides,
      SYNCSPEC_CONNECTION_SALESFORCE_PROD_URL: sf.url,
      LOG_LEVEL: 'info',
    });
    await expect.poll(() => worker.logs.find((l) => l.msg?.toString().startsWith('syncspec worker serving')) ?? (worker.child.exitCode !== null ? worker.output() : undefined), { timeout: 20_000, interval: 50 }).toMatchObject({ code: 'SS5070' });
    const started = worker.logs.find((l) => l.msg?.toString().startsWith('syncspec worker serving'))!;
    expect(started).toMatchObject({ specs: [SPEC], documents: { [SPEC]: 'bundle' }, overridden: ['kingdee-prod', 'salesforce-prod'], store: expect.stringContaining(`schema=${PG_SCHEMA}`) });
    workerUrl = String(started.url);
    expect((await fetch(`${workerUrl}/healthz`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`${workerUrl}/readyz`)).status, { timeout: 5_000 }).toBe(200);
  });

  test('an Outbound Message pushed to /hooks/<spec> arrives in Kingdee; /metrics counts it', { timeout: 30_000 }, async () => {
    expect(workerUrl, 'the worker started').toBeDefined();
    const [account] = sf.admin.seed('Account', [{ Name: ' Worker Bundle Trading ', AccountNumber: 'wb-0001', CurrencyIsoCode: 'CNY', BillingCity: 'Shanghai', Phone: '021-1234' }]);
    const reports = await sf.admin.sendOutbound({ url: `${workerUrl}/hooks/${SPEC}`, type: 'Account' });
    expect(reports.map((r) => ({ status: r.status, accepted: r.accepted }))).toEqual([{ status: 200, accepted: true }]);
    await expect.poll(() => kd.admin.records('BD_Customer').find((r) => r.FNumber === 'WB-0001'), { timeout: 20_000, interval: 100 }).toMatchObject({
      FName: 'Worker Bundle Trading',
      F_SYNC_SourceId: account!.Id,
    });
    const metrics = await (await fetch(`${workerUrl}/metrics`)).text();
    expect(metricValue(metrics, `syncspec_records_delivered_total{spec="${SPEC}"}`)).toBe(1);
    expect(metrics).toContain('syncspec_process_resident_memory_bytes');
  });

  test('SIGTERM drains and exits 0', { timeout: 30_000 }, async () => {
    expect(workerUrl, 'the worker started').toBeDefined();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const codes = worker.logs.map((l) => l.code);
    expect(codes).toContain('SS5071');
    expect(codes.indexOf('SS5072')).toBeGreaterThan(codes.indexOf('SS5071'));
    expect(worker.logs.at(-1)).toMatchObject({ code: 'SS5072', msg: 'worker stopped' });
    expect(worker.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});

test('a bundle whose Connection YAML is malformed is refused with SS5222, file:line:col, exit 1', { timeout: 20_000 }, async () => {
  expect(bundleDir, 'the bundle was materialised').toBeDefined();
  const broken = join(dir, 'broken');
  rmSync(broken, { recursive: true, force: true });
  mkdirSync(join(broken, SPEC, 'connections'), { recursive: true });
  mkdirSync(join(broken, SPEC, 'lookups'), { recursive: true });
  for (const f of ['plan.json', 'transform.ts', 'types.ts', 'lookups/currencies.yaml', 'lookups/sales-orgs.yaml', 'connections/salesforce-prod.yaml']) {
    writeFileSync(join(broken, SPEC, f), readFileSync(join(bundleDir, SPEC, f)));
  }
  writeFileSync(join(broken, SPEC, 'connections/kingdee-prod.yaml'), 'apiVersion: syncspec.dev/v1\nkind: Connection\nmetadata: { name: kingdee-prod\n');
  const p = startWorker(['worker', '--generated', broken, '--spec', SPEC, '--port', '0', '--store', join(dir, 'broken.db')], {});
  expect(await p.exited).toBe(1);
  expect(p.logs[0]).toMatchObject({ level: 'error', code: 'SS5222' });
  expect(p.output()).toMatch(/connections\/kingdee-prod\.yaml:\d+:\d+/);
  expect(p.output()).not.toMatch(/\n\s+at /);
});
