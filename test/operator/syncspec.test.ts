/**
 * The operator against the test API server, driven with the real kubectl as a user would: CRDs and a
 * spec applied server-side, `kubectl wait --for=condition=Ready`, printer columns, the worker objects
 * with owner references, rollout on a mapping change and none without, a broken spec that leaves the
 * old worker running, drift repair, suspend, data-flow conditions from a worker's metrics endpoint,
 * and finalizer cleanup on deletion.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kubectl, kubectlContext, type KubectlContext } from '../kube/kubectl.ts';
import { startKubeServer, type KubeServer } from '../kube/server.ts';
import { ROOT, startFakeWorkers, startOperatorProcess, type FakeWorkers, type OperatorProcess } from './helpers.ts';

const NS = 'operator-e2e';
const SPEC = 'erp-material-to-crm-product';
const SPEC_FILE = join(ROOT, 'specs/flows/products', `${SPEC}.yaml`);
const original = readFileSync(SPEC_FILE, 'utf8');

let server: KubeServer;
let ctx: KubectlContext;
let workers: FakeWorkers;
let operator: OperatorProcess;
const dir = mkdtempSync(join(tmpdir(), 'syncspec-operator-e2e-'));

async function k(args: string[]): Promise<string> {
  const r = await kubectl(args, ctx);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}\noperator log:\n${operator?.stderr().slice(-4000)}`);
  return r.stdout;
}
const getJson = async (what: string): Promise<any> => JSON.parse(await k(['get', what, '-n', NS, '-o', 'json', '--show-managed-fields']));
const exists = async (what: string): Promise<boolean> => (await kubectl(['get', what, '-n', NS, '-o', 'name'], ctx)).code === 0;
const condition = (obj: any, type: string): any => obj.status?.conditions?.find((c: any) => c.type === type);

/** Applies the spec with `edit` applied to its text, server-side, as a user would after editing the file. */
async function applySpec(edit: (text: string) => string = (t) => t): Promise<void> {
  const file = join(dir, `${SPEC}.yaml`);
  writeFileSync(file, edit(original));
  await k(['apply', '--server-side', '-f', file, '-n', NS]);
}

beforeAll(async () => {
  server = await startKubeServer();
  ctx = kubectlContext(server.url);
  workers = await startFakeWorkers();
  await k(['apply', '--server-side', '-f', join(ROOT, 'charts/syncspec/crds'), '-f', join(ROOT, 'test/kube/crds')]);
  writeFileSync(join(dir, 'ns.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
  await k(['apply', '--server-side', '-f', join(dir, 'ns.yaml')]);
  operator = startOperatorProcess([
    '--kubeconfig', ctx.kubeconfig, '--namespace', NS, '--worker-image', 'registry.example.com/syncspec/worker:1.0.0',
    '--worker-resources', '{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"256Mi"}}',
    '--leader-elect', 'false', '--metrics-port', '0', '--metrics-host', '127.0.0.1', '--resync', '500',
    '--worker-endpoint', `${workers.url}/{namespace}/{name}`, '--log-level', 'info',
  ]);
  await operator.port();
});

afterAll(async () => {
  operator?.kill();
  await operator?.exited;
  await workers?.close();
  await server?.close();
});

describe('SyncSpec reconcile, driven with kubectl', () => {
  test('a spec applied with its connections and lookups becomes Ready; get syncspecs shows the columns', async () => {
    await k(['apply', '--server-side', '-f', join(ROOT, 'specs/connections'), '-f', join(ROOT, 'specs/lookups'), '-f', join(ROOT, 'specs/schemas'), '-n', NS]);
    await applySpec();
    await k(['wait', '--for=condition=Ready', `syncspec/${SPEC}`, '-n', NS, '--timeout=30s']);
    const table = await k(['get', 'syncspecs', '-n', NS]);
    const [header, row] = table.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'READY', 'VERSION', 'REVISION', 'AGE']);
    const ss = await getJson(`syncspec/${SPEC}`);
    expect(row?.split(/\s+/).slice(0, 4)).toEqual([SPEC, 'True', '1.1.0', ss.status.revision]);
    expect(ss.metadata.finalizers).toContain('syncspec.dev/finalizer');
    expect(ss.status.observedGeneration).toBe(ss.metadata.generation);
    expect(ss.status.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    expect(condition(ss, 'Ready')).toMatchObject({ status: 'True', reason: 'Reconciled', observedGeneration: ss.metadata.generation });
    expect(condition(ss, 'Stalled')).toBeUndefined();
    expect(condition(ss, 'Reconciling')).toBeUndefined();
    const ready: any = await (await fetch(`http://127.0.0.1:${await operator.port()}/readyz`)).json();
    expect(ready).toMatchObject({ ready: true, state: 'leading' });
    const specs = ready.informers.find((i: any) => i.name === `syncspecs@${NS}`);
    expect(specs).toMatchObject({ synced: true, restarting: false });
    expect(Date.parse(specs.lastEventAt)).toBeGreaterThan(0);
  });

  test('the Git revision annotation is reported as the revision (the REVISION column)', async () => {
    await k(['annotate', `syncspec/${SPEC}`, '-n', NS, 'syncspec.dev/revision=3f2a9c1']);
    await k(['wait', '--for=jsonpath={.status.revision}=3f2a9c1', `syncspec/${SPEC}`, '-n', NS, '--timeout=15s']);
    const row = (await k(['get', 'syncspec', SPEC, '-n', NS])).trimEnd().split('\n')[1];
    expect(row?.split(/\s+/).slice(0, 4)).toEqual([SPEC, 'True', '1.1.0', '3f2a9c1']);
    expect(condition(await getJson(`syncspec/${SPEC}`), 'Ready').message).toContain('3f2a9c1');
  });

  test('the worker objects exist, carry the bundle hash and are owned by the SyncSpec', async () => {
    const ss = await getJson(`syncspec/${SPEC}`);
    const owner = { apiVersion: 'syncspec.dev/v1', kind: 'SyncSpec', name: SPEC, uid: ss.metadata.uid, controller: true, blockOwnerDeletion: true };
    const deploy = await getJson(`deployment/${SPEC}`);
    const cm = await getJson(`configmap/${SPEC}-bundle`);
    const svc = await getJson(`service/${SPEC}`);
    const pdb = await getJson(`poddisruptionbudget/${SPEC}`);
    const rule = await getJson(`prometheusrule/${SPEC}`);
    for (const o of [deploy, cm, svc, pdb, rule]) {
      expect(o.metadata.ownerReferences).toEqual([owner]);
      expect(o.metadata.labels['syncspec.dev/spec']).toBe(SPEC);
      expect(o.metadata.managedFields.map((f: any) => f.manager)).toContain('syncspec-operator');
    }
    expect(deploy.spec.template.metadata.annotations['syncspec.dev/bundle-hash']).toBe(ss.status.bundleHash);
    const container = deploy.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/syncspec/worker:1.0.0');
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(deploy.spec.replicas).toBe(1);
    // The bundle is mounted laid out like generated/<spec>/, ConfigMap keys mapped back to paths.
    expect(container.args).toEqual(['worker', '--generated', '/app/generated', '--spec', SPEC, '--port', '8080', '--reports', '/var/lib/syncspec/reports']);
    // No store configured: SQLite on the pod's emptyDir; the secrets dir where the Secrets are mounted.
    expect(container.env).toEqual([
      { name: 'SYNCSPEC_SPEC', value: SPEC },
      { name: 'SYNCSPEC_BUNDLE_HASH', value: ss.status.bundleHash },
      { name: 'SYNCSPEC_STORE', value: '/var/lib/syncspec/state/state.db' },
      { name: 'SYNCSPEC_SECRETS_DIR', value: '/var/run/secrets/syncspec' },
    ]);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.volumeMounts).toEqual([
      { name: 'bundle', mountPath: `/app/generated/${SPEC}`, readOnly: true },
      { name: 'state', mountPath: '/var/lib/syncspec/state' },
      { name: 'reports', mountPath: '/var/lib/syncspec/reports' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'secret-kingdee-prod', mountPath: '/var/run/secrets/syncspec/kingdee-prod', readOnly: true },
      { name: 'secret-salesforce-prod', mountPath: '/var/run/secrets/syncspec/salesforce-prod', readOnly: true },
    ]);
    const volumes = deploy.spec.template.spec.volumes;
    expect(volumes.map((v: any) => v.name)).toEqual(['bundle', 'state', 'reports', 'tmp', 'secret-kingdee-prod', 'secret-salesforce-prod']);
    expect(volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name)).toEqual(['state', 'reports', 'tmp']);
    expect(volumes.find((v: any) => v.name === 'secret-kingdee-prod').secret).toMatchObject({ secretName: 'kingdee-prod', optional: false });
    expect(volumes[0].configMap.items).toContainEqual({ key: 'connections.kingdee-prod.yaml', path: 'connections/kingdee-prod.yaml' });
    expect(volumes[0].configMap.items).toContainEqual({ key: 'schemas.salesforce-product.yaml', path: 'schemas/salesforce-product.yaml' });
    // The EntitySchemas of the two systems (kingdee-k3cloud, salesforce) ride along; jiandaoyun's and zoho's do not.
    expect(Object.keys(cm.data).sort()).toEqual([
      'connections.kingdee-prod.yaml', 'connections.salesforce-prod.yaml', 'lookups.units-erp-to-crm.yaml', 'plan.json',
      'schemas.kingdee-common-contact.yaml', 'schemas.kingdee-customer.yaml', 'schemas.salesforce-account.yaml', 'schemas.salesforce-contract.yaml',
      'schemas.salesforce-order-item.yaml', 'schemas.salesforce-order.yaml', 'schemas.salesforce-product.yaml', 'schemas.salesforce-shipment.yaml',
      'transform.ts', 'types.ts',
    ]);
    expect(JSON.parse(cm.data['plan.json']).name).toBe(SPEC);
    expect(cm.data['transform.ts']).toContain('export');
    expect(svc.spec.ports.map((p: any) => p.name)).toEqual(['webhook', 'metrics']);
    expect(pdb.spec.maxUnavailable).toBe(1);
    const alerts = rule.spec.groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert);
    expect(alerts.map((a: any) => a.alert).sort()).toEqual(['SyncSpecErrorBudgetBurnFast', 'SyncSpecErrorBudgetBurnSlow', 'SyncSpecLatencyP95AboveSLA', 'SyncSpecStale']);
    for (const a of alerts) expect(a.expr).toMatch(/> 0\.1|> 0 and/);
  });

  test('data-flow conditions follow the worker metrics endpoint', async () => {
    let ss = await getJson(`syncspec/${SPEC}`);
    expect(condition(ss, 'Synced')).toMatchObject({ status: 'Unknown', reason: 'WorkerUnreachable' });
    workers.set(NS, SPEC, { delivered: 500, failed: 0, dlq: 0, freshnessSeconds: 12 });
    await expect.poll(async () => condition(await getJson(`syncspec/${SPEC}`), 'Synced')?.reason, { timeout: 15_000 }).toBe('WithinFreshness');
    workers.set(NS, SPEC, { delivered: 100, failed: 40, dlq: 3, freshnessSeconds: 7200 });
    await expect.poll(async () => condition(await getJson(`syncspec/${SPEC}`), 'DeadLettersPresent')?.status, { timeout: 15_000 }).toBe('True');
    ss = await getJson(`syncspec/${SPEC}`);
    expect(ss.status.deadLetters).toBe(3);
    expect(condition(ss, 'DeadLettersPresent').message).toContain('3 record(s)');
    expect(condition(ss, 'Synced')).toMatchObject({ status: 'False', reason: 'FreshnessExceeded' });
    expect(condition(ss, 'SLOBurning')).toMatchObject({ status: 'True', reason: 'SLOBurning' });
    expect(condition(ss, 'Ready').status).toBe('True');
    const events = await getJson('events');
    const reasons = events.items.filter((e: any) => e.involvedObject.name === SPEC).map((e: any) => e.reason);
    expect(reasons.filter((r: string) => r === 'Reconciled')).toHaveLength(1);
    expect(reasons).toContain('DeadLetters');
    // Steady state: readings with nothing new write no status.
    const rv = (await getJson(`syncspec/${SPEC}`)).metadata.resourceVersion;
    await waitForReconciles(3);
    expect((await getJson(`syncspec/${SPEC}`)).metadata.resourceVersion).toBe(rv);
  });

  test('a changed mapping rolls out a new bundle hash; re-applying the same spec changes nothing', async () => {
    const before = await getJson(`deployment/${SPEC}`);
    const oldHash = before.spec.template.metadata.annotations['syncspec.dev/bundle-hash'];
    // Every version of the SyncSpec from here on, straight from a watch (transient states included).
    const seen: any[] = [];
    const stop = new AbortController();
    const watchFrom = (await getJson(`syncspec/${SPEC}`)).metadata.resourceVersion;
    void fetch(`${server.url}/apis/syncspec.dev/v1/namespaces/${NS}/syncspecs?watch=true&fieldSelector=metadata.name%3D${SPEC}&resourceVersion=${watchFrom}`, { signal: stop.signal, headers: { authorization: 'Bearer syncspec-test' } })
      .then(async (res) => {
        let buf = '';
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += Buffer.from(chunk).toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) { seen.push(JSON.parse(buf.slice(0, nl)).object); buf = buf.slice(nl + 1); }
        }
      }).catch(() => {});
    await applySpec((t) => t.replace('Name: source.FName.trim()', 'Name: source.FName.trim().upperAscii()'));
    await expect.poll(async () => (await getJson(`deployment/${SPEC}`)).spec.template.metadata.annotations['syncspec.dev/bundle-hash'], { timeout: 20_000 }).not.toBe(oldHash);
    const generation = (await getJson(`syncspec/${SPEC}`)).metadata.generation;
    await expect.poll(() => seen.some((o) => o.status?.observedGeneration === generation && condition(o, 'Ready')?.status === 'True' && !condition(o, 'Reconciling')), { timeout: 10_000 }).toBe(true);
    stop.abort();
    // kstatus: the new generation was first marked Reconciling while Ready still held for the previous one.
    const progressing = seen.filter((o) => condition(o, 'Reconciling')?.status === 'True');
    expect(progressing.length).toBeGreaterThan(0);
    for (const o of progressing) {
      expect(condition(o, 'Reconciling')).toMatchObject({ reason: 'Progressing', observedGeneration: generation });
      expect(condition(o, 'Ready')?.status).toBe('True');
      expect(condition(o, 'Stalled')).toBeUndefined();
    }
    const after = await getJson(`deployment/${SPEC}`);
    const ss = await getJson(`syncspec/${SPEC}`);
    expect(after.spec.template.metadata.annotations['syncspec.dev/bundle-hash']).toBe(ss.status.bundleHash);
    expect((await getJson(`configmap/${SPEC}-bundle`)).data['transform.ts']).toContain('upperAscii');
    const rv = after.metadata.resourceVersion;
    await applySpec((t) => t.replace('Name: source.FName.trim()', 'Name: source.FName.trim().upperAscii()'));
    await waitForReconciles(3);
    expect((await getJson(`deployment/${SPEC}`)).metadata.resourceVersion).toBe(rv);
  });

  test('a Connection that names another Secret rolls the pod template with that Secret mounted; back again', async () => {
    // Sorted: server-side apply merges the volume list by name, keeping existing entries first.
    const secretVolumes = async (): Promise<string[]> => (await getJson(`deployment/${SPEC}`)).spec.template.spec.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName).sort();
    const connection = readFileSync(join(ROOT, 'specs/connections/kingdee-prod.yaml'), 'utf8');
    const moved = connection.replace('appSecret: { secretKeyRef: { name: kingdee-prod, key: appSecret } }', 'appSecret: { secretKeyRef: { name: kingdee-vault, key: appSecret } }');
    expect(moved).not.toBe(connection);
    const file = join(dir, 'kingdee-prod.yaml');
    writeFileSync(file, moved);
    await k(['apply', '--server-side', '-f', file, '-n', NS]);
    await expect.poll(secretVolumes, { timeout: 20_000 }).toEqual(['kingdee-prod', 'kingdee-vault', 'salesforce-prod']);
    const deploy = await getJson(`deployment/${SPEC}`);
    expect(deploy.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'secret-kingdee-vault', mountPath: '/var/run/secrets/syncspec/kingdee-vault', readOnly: true });
    expect(deploy.spec.template.metadata.annotations['syncspec.dev/bundle-hash']).toBe((await getJson(`syncspec/${SPEC}`)).status.bundleHash);
    writeFileSync(file, connection);
    await k(['apply', '--server-side', '-f', file, '-n', NS]);
    await expect.poll(secretVolumes, { timeout: 20_000 }).toEqual(['kingdee-prod', 'salesforce-prod']);
  });

  test('a broken spec is Ready=False CompileFailed with the diagnostic; the old worker keeps its bundle', async () => {
    const good = await getJson(`deployment/${SPEC}`);
    const goodHash = good.spec.template.metadata.annotations['syncspec.dev/bundle-hash'];
    const goodCm = (await getJson(`configmap/${SPEC}-bundle`)).metadata.resourceVersion;
    await applySpec((t) => t.replace('Name: source.FName.trim()', 'Name: source.FNme.trim()'));
    await k(['wait', '--for=jsonpath={.status.conditions[?(@.type=="Ready")].reason}=CompileFailed', `syncspec/${SPEC}`, '-n', NS, '--timeout=20s']);
    const ss = await getJson(`syncspec/${SPEC}`);
    const ready = condition(ss, 'Ready');
    expect(ready.status).toBe('False');
    expect(ready.message).toMatch(/SS3103 syncspecs\/erp-material-to-crm-product\.yaml:\d+:\d+ .*"FNme"/);
    expect(condition(ss, 'Stalled')).toMatchObject({ status: 'True', reason: 'CompileFailed', observedGeneration: ss.metadata.generation });
    expect(condition(ss, 'Reconciling')).toBeUndefined();
    expect(ss.status.observedGeneration).toBe(ss.metadata.generation);
    const deploy = await getJson(`deployment/${SPEC}`);
    expect(deploy.metadata.resourceVersion).toBe(good.metadata.resourceVersion);
    expect(deploy.spec.template.metadata.annotations['syncspec.dev/bundle-hash']).toBe(goodHash);
    expect((await getJson(`configmap/${SPEC}-bundle`)).metadata.resourceVersion).toBe(goodCm);
    const warnings = (await getJson('events')).items.filter((e: any) => e.involvedObject.name === SPEC && e.reason === 'CompileFailed');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.every((e: any) => e.type === 'Warning')).toBe(true);
    // Fixed again: Ready, Stalled gone.
    await applySpec();
    await k(['wait', '--for=condition=Ready', `syncspec/${SPEC}`, '-n', NS, '--timeout=20s']);
    expect(condition(await getJson(`syncspec/${SPEC}`), 'Stalled')).toBeUndefined();
  });

  test('a deleted Deployment is restored; an edited one is put back', async () => {
    const hash = (await getJson(`syncspec/${SPEC}`)).status.bundleHash;
    await k(['delete', `deployment/${SPEC}`, '-n', NS, '--wait=false']);
    await expect.poll(async () => (await exists(`deployment/${SPEC}`)) ? (await getJson(`deployment/${SPEC}`)).spec.template.metadata.annotations['syncspec.dev/bundle-hash'] : undefined, { timeout: 15_000 }).toBe(hash);
    // Someone else's field (an annotation kubectl owns) survives the operator's applies; its own fields are put back.
    await k(['annotate', `deployment/${SPEC}`, '-n', NS, 'ops.example.com/on-call=team-o2c']);
    await k(['patch', `deployment/${SPEC}`, '-n', NS, '--type=merge', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"worker","image":"evil/worker:latest"}]}}}}']);
    await expect.poll(async () => (await getJson(`deployment/${SPEC}`)).spec.template.spec.containers[0].image, { timeout: 15_000 }).toBe('registry.example.com/syncspec/worker:1.0.0');
    await waitForReconciles(2);
    expect((await getJson(`deployment/${SPEC}`)).metadata.annotations['ops.example.com/on-call']).toBe('team-o2c');
  });

  test('suspend scales the worker to 0 and reports Suspended; resume brings it back', async () => {
    await k(['patch', `syncspec/${SPEC}`, '-n', NS, '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    await k(['wait', '--for=jsonpath={.status.conditions[?(@.type=="Ready")].reason}=Suspended', `syncspec/${SPEC}`, '-n', NS, '--timeout=20s']);
    expect((await getJson(`deployment/${SPEC}`)).spec.replicas).toBe(0);
    await k(['patch', `syncspec/${SPEC}`, '-n', NS, '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await k(['wait', '--for=condition=Ready', `syncspec/${SPEC}`, '-n', NS, '--timeout=20s']);
    expect((await getJson(`deployment/${SPEC}`)).spec.replicas).toBe(1);
  });

  test('an sla removed from the spec prunes the PrometheusRule; a labelled object it does not own stays', async () => {
    writeFileSync(join(dir, 'foreign.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${SPEC}-notes\n  labels:\n    syncspec.dev/spec: ${SPEC}\ndata:\n  note: kept\n`);
    await k(['apply', '--server-side', '-f', join(dir, 'foreign.yaml'), '-n', NS]);
    await applySpec((t) => t.replace(/^ {2}sla: .*\n/m, ''));
    await expect.poll(() => exists(`prometheusrule/${SPEC}`), { timeout: 15_000 }).toBe(false);
    expect(await exists(`deployment/${SPEC}`)).toBe(true);
    expect(await exists(`configmap/${SPEC}-notes`)).toBe(true);
  });

  test('deleting the SyncSpec removes what it owns, then the finalizer lets it go', async () => {
    await k(['delete', `syncspec/${SPEC}`, '-n', NS, '--wait=false']);
    await expect.poll(() => exists(`syncspec/${SPEC}`), { timeout: 15_000 }).toBe(false);
    for (const what of [`deployment/${SPEC}`, `configmap/${SPEC}-bundle`, `service/${SPEC}`, `poddisruptionbudget/${SPEC}`]) {
      expect(await exists(what), what).toBe(false);
    }
  });
});

/** Waits until the operator has finished `n` more reconciles (its resync is 500 ms). */
async function waitForReconciles(n: number): Promise<void> {
  const count = async (): Promise<number> => {
    const text = await operator.metrics();
    return text.split('\n').filter((l) => l.startsWith('syncspec_operator_reconcile_total{')).reduce((acc, l) => acc + Number(l.split(' ').pop()), 0);
  };
  const start = await count();
  await expect.poll(count, { timeout: 15_000 }).toBeGreaterThanOrEqual(start + n);
}
