/**
 * `npm run bench:operator [-- --specs 1000 --concurrency 4 --timeout 300 --node-options '…' --cold-cache]`:
 * the operator under a realistic first load. Starts the test API server (test/kube) with the CRDs, the
 * operator as a child process started as the image starts it — `node bin/syncspec.js operator`, leader
 * election on, NODE_OPTIONS and MALLOC_ARENA_MAX = the chart's defaults `nodeOptions` and
 * `mallocArenaMax` (charts/syncspec/values.yaml), Node's
 * compile cache filled beforehand by operator/warm-compile-cache.ts as the Dockerfile fills it
 * (`--cold-cache`: an empty one) — whose API traffic goes through a recording proxy,
 * then server-side applies N generated variants of specs/flows/products/erp-material-to-crm-product.yaml
 * (plus the connections, lookups and entity schemas they compile against) at once, and waits until
 * every SyncSpec is Ready for its current generation. Prints: time to all Ready, operator peak RSS
 * (VmHWM of the child), API requests per spec by verb, reconciles. Goals (issue 6): ≤ 60 s, ≤ 256 MB.
 * No assertions: figures only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { createServer } from 'node:net';
import { crdObjects, MONITORING_CRDS_DIR, SYNCSPEC_CRDS_DIR } from '../test/kube/fixtures.ts';
import { kubeconfigYaml } from '../test/kube/kubeconfig.ts';
import { startRequestRecorder } from '../test/operator/request-recorder.ts';

const { values } = parseArgs({
  options: {
    specs: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    timeout: { type: 'string', default: '300' },
    'apply-concurrency': { type: 'string', default: '32' },
    'node-options': { type: 'string' },
    'cold-cache': { type: 'boolean', default: false },
  },
});
// The process settings the chart runs the operator with (V8 flags unless told otherwise, malloc arenas).
const chart = parse(readFileSync(join(import.meta.dirname, '../charts/syncspec/values.yaml'), 'utf8')) as { nodeOptions?: unknown; mallocArenaMax?: unknown };
const chartNodeOptions = String(chart.nodeOptions ?? '');
const nodeOptions = values['node-options'] ?? chartNodeOptions;
const mallocArenaMax = Number(chart.mallocArenaMax ?? 0);
const N = Number(values.specs);
const TIMEOUT_MS = Number(values.timeout) * 1000;
const ROOT = join(import.meta.dirname, '..');
const NS = 'bench';
const BASE = 'erp-material-to-crm-product';

// The API server runs in its own process (as a real one would), so the harness — proxy, applies and the
// Ready watch — does not take CPU from it.
const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const p = (probe.address() as { port: number }).port;
    probe.close(() => resolve(p));
  });
});
const apiServer = spawn(process.execPath, [join(ROOT, 'test/kube/main.ts'), '--port', String(port), '--history', '200000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  apiServer.stdout.on('data', (c: Buffer) => { if (c.toString('utf8').includes('listening')) resolve(); });
  apiServer.once('exit', (code) => reject(new Error(`test API server exited (${code})`)));
});
// Whatever ends the bench (a failed start, an exception) must not leave the API server running.
process.once('exit', () => apiServer.kill('SIGTERM'));
const server = { url: `http://127.0.0.1:${port}` };
const recorder = await startRequestRecorder(server.url);
const dir = mkdtempSync(join(tmpdir(), 'syncspec-bench-operator-'));
const kubeconfig = join(dir, 'kubeconfig.yaml');
writeFileSync(kubeconfig, kubeconfigYaml(recorder.url));

async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<any> {
  const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': contentType }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}
const PLURAL: Record<string, string> = { SyncSpec: 'syncspecs', Connection: 'connections', LookupTable: 'lookuptables', EntitySchema: 'entityschemas' };
const apply = (o: any): Promise<any> =>
  call('PATCH', `/apis/syncspec.dev/v1/namespaces/${NS}/${PLURAL[o.kind]}/${o.metadata.name}?fieldManager=bench&force=true`, o, 'application/apply-patch+yaml');

async function pool<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

for (const crd of [...crdObjects(SYNCSPEC_CRDS_DIR), ...crdObjects(MONITORING_CRDS_DIR)]) await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
const inputs = ['connections', 'lookups', 'schemas'].flatMap((folder) =>
  readdirSync(join(ROOT, 'specs', folder)).filter((f) => f.endsWith('.yaml')).sort().map((f) => parse(readFileSync(join(ROOT, 'specs', folder, f), 'utf8'))));
for (const o of inputs) await apply(o);

const template = parse(readFileSync(join(ROOT, 'specs/flows/products', `${BASE}.yaml`), 'utf8'));
const variants = Array.from({ length: N }, (_, i) => {
  const v = structuredClone(template);
  v.metadata.name = `${BASE}-${String(i).padStart(4, '0')}`;
  v.spec.version = `1.${Math.floor(i / 100)}.${i % 100}`;
  // A different mapping per variant, so no two bundles are the same.
  v.spec.fields.Specification__c = `source.FSpecification.orValue('') + ' #${i}'`;
  return v;
});

// The image's compile cache: every operator module stripped and compiled before the operator starts.
const compileCache = join(dir, 'compile-cache');
if (!values['cold-cache']) {
  const warm = spawn(process.execPath, [join(ROOT, 'operator/warm-compile-cache.ts')], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_COMPILE_CACHE: compileCache } });
  const code = await new Promise<number | null>((resolve) => warm.once('exit', resolve));
  if (code !== 0) throw new Error(`operator/warm-compile-cache.ts exited with ${code}`);
}
const child = spawn(process.execPath, [join(ROOT, 'bin/syncspec.js'), 'operator',
  '--kubeconfig', kubeconfig, '--namespace', NS, '--worker-image', 'registry.example.com/syncspec:bench',
  '--lease-namespace', NS, '--identity', 'bench', '--metrics-port', '0', '--metrics-host', '127.0.0.1',
  '--worker-endpoint', 'http://127.0.0.1:9/{namespace}/{name}', '--concurrency', values.concurrency, '--log-level', 'info',
], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: {
  ...process.env, NODE_OPTIONS: nodeOptions, NODE_COMPILE_CACHE: compileCache, SYNCSPEC_GIT_CACHE_DIR: join(dir, 'git'),
  ...(mallocArenaMax > 0 ? { MALLOC_ARENA_MAX: String(mallocArenaMax) } : {}),
} });
process.once('exit', () => child.kill('SIGTERM'));
let stderr = '';
let metricsPort: number | undefined;
child.stderr.on('data', (c: Buffer) => {
  // Keep only the tail: enough to show why the operator failed, bounded for a long run.
  stderr = (stderr + c.toString('utf8')).slice(-20_000);
  const m = /"code":"SS6016"[^\n]*"port":(\d+)/.exec(stderr) ?? /"port":(\d+)[^\n]*"code":"SS6016"/.exec(stderr);
  if (m && metricsPort === undefined) metricsPort = Number(m[1]);
});
const rssOf = (field: 'VmHWM' | 'VmRSS'): number => {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
};
// The operator logs SS6016 once it serves /metrics; wait for it (and for the lease) before the load.
for (const deadline = Date.now() + 30_000; metricsPort === undefined; await new Promise((r) => setTimeout(r, 50))) {
  if (Date.now() > deadline || child.exitCode !== null) throw new Error(`operator did not start:\n${stderr}`);
}
const idleRss = rssOf('VmRSS');
const before = recorder.requests.length;

const t0 = performance.now();
await pool(variants, Number(values['apply-concurrency']), apply);
const appliedS = (performance.now() - t0) / 1000;

// Ready as kstatus reads it: Ready=True for the current generation. Followed with a watch, not by polling
// lists of 1,000 objects (which would load the API server the operator is waiting on).
const ready = new Set<string>();
let firstReadyS: number | undefined;
let allReadyS: number | undefined;
const isReady = (o: any): boolean => o.status?.observedGeneration === o.metadata.generation
  && o.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === o.metadata.generation);
const initial = await call('GET', `/apis/syncspec.dev/v1/namespaces/${NS}/syncspecs`);
for (const o of initial.items) if (isReady(o)) ready.add(o.metadata.name);
const watchAbort = new AbortController();
const allReady = new Promise<void>((resolve) => {
  const check = (): void => {
    const s = (performance.now() - t0) / 1000;
    if (ready.size > 0 && firstReadyS === undefined) firstReadyS = s;
    if (ready.size >= N && allReadyS === undefined) { allReadyS = s; resolve(); }
  };
  check();
  void (async () => {
    const res = await fetch(`${server.url}/apis/syncspec.dev/v1/namespaces/${NS}/syncspecs?watch=true&resourceVersion=${initial.metadata.resourceVersion}&timeoutSeconds=3600`, { signal: watchAbort.signal });
    let buf = '';
    for await (const chunk of res.body ?? []) {
      buf += Buffer.from(chunk).toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() === '') continue;
        const e = JSON.parse(line);
        if (e.type === 'DELETED' || !isReady(e.object)) ready.delete(e.object.metadata.name);
        else ready.add(e.object.metadata.name);
        check();
      }
    }
  })().catch(() => {});
});
const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
await Promise.race([allReady, exited, new Promise((r) => setTimeout(r, TIMEOUT_MS))]);
watchAbort.abort();
const readyCount = ready.size;
const peakRss = rssOf('VmHWM');
const metrics = metricsPort === undefined ? '' : await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
child.kill('SIGTERM');
await exited;

const during = recorder.requests.slice(before);
const byVerb = new Map<string, number>();
for (const r of during) {
  const key = r.resource === undefined ? `${r.verb} ${r.path}` : `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`;
  byVerb.set(key, (byVerb.get(key) ?? 0) + 1);
}
const series = (name: string): number => metrics.split('\n').filter((l) => l.startsWith(name)).reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);
const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MB`;

console.log(`bench:operator — ${N} SyncSpecs applied at once (apply took ${appliedS.toFixed(1)} s), operator --concurrency ${values.concurrency}, leader election on`);
console.log(`  operator started as: NODE_OPTIONS="${nodeOptions}"${nodeOptions === chartNodeOptions ? ' (the chart\'s default nodeOptions)' : ''}${mallocArenaMax > 0 ? ` MALLOC_ARENA_MAX=${mallocArenaMax} (chart)` : ''} node bin/syncspec.js operator, compile cache ${values['cold-cache'] ? 'empty (--cold-cache)' : 'warmed as in the image (Dockerfile)'}`);
console.log(`  all Ready:        ${allReadyS === undefined ? `NOT REACHED (${readyCount}/${N} Ready after ${(TIMEOUT_MS / 1000).toFixed(0)} s)` : `${allReadyS.toFixed(1)} s`} (goal ≤ 60 s; first Ready after ${firstReadyS?.toFixed(1) ?? '-'} s)`);
console.log(`  operator RSS:     peak ${mb(peakRss)} (goal ≤ 256 MB), idle before load ${mb(idleRss)}`);
console.log(`  API requests:     ${during.length} during the run = ${(during.length / N).toFixed(2)} per spec`);
for (const [k, v] of [...byVerb.entries()].sort((a, b) => b[1] - a[1])) console.log(`    ${String(v).padStart(7)}  ${(v / N).toFixed(2)}/spec  ${k}`);
const latencies = during.filter((r) => r.verb !== 'watch' && r.ms !== undefined).map((r) => r.ms as number).sort((a, b) => a - b);
const pct = (q: number): string => (latencies.length > 0 ? (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number).toFixed(1) : '-');
console.log(`  API latency:      p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms (non-watch, as the operator saw them through the proxy)`);
const durSum = series('syncspec_operator_reconcile_duration_seconds_sum{controller="syncspec"');
const durCount = series('syncspec_operator_reconcile_duration_seconds_count{controller="syncspec"');
console.log(`  reconciles:       ${series('syncspec_operator_reconcile_total{controller="syncspec"')} (syncspec controller), mean ${durCount > 0 ? ((1000 * durSum) / durCount).toFixed(0) : '-'} ms each`);
await recorder.close();
apiServer.kill('SIGTERM');
process.exit(0);
