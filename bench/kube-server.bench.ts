/**
 * `npm run bench:kube-server`: how fast the test API server takes the operator's load. Registers the
 * syncspec CRDs, keeps one watch open (as an informer would), server-side applies N SyncSpecs over
 * HTTP with bounded concurrency, then writes each one's status. Prints wall times, requests per
 * second, watch events and peak RSS. No assertions: figures only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startKubeServer } from '../test/kube/server.ts';

const N = Number(process.env.N ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const root = join(import.meta.dirname, '..');
const server = await startKubeServer();
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);

async function call(method: string, path: string, body: unknown, contentType = 'application/json'): Promise<number> {
  const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': contentType }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status}`);
  return res.status;
}

async function pool(count: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await work(next++);
  }));
}

for (const f of readdirSync(join(root, 'charts/syncspec/crds')).sort()) {
  await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', parse(readFileSync(join(root, 'charts/syncspec/crds', f), 'utf8')));
}
const template = parse(readFileSync(join(root, 'specs/flows/customers/crm-account-to-erp-customer.yaml'), 'utf8'));
let events = 0;
const watch = await fetch(`${server.url}/apis/syncspec.dev/v1/syncspecs?watch=true`);
void (async () => { for await (const chunk of watch.body ?? []) events += String(Buffer.from(chunk)).split('\n').length - 1; })().catch(() => {});

const t0 = performance.now();
await pool(N, (i) => call('PATCH', `/apis/syncspec.dev/v1/namespaces/default/syncspecs/flow-${i}?fieldManager=bench&force=true`,
  { ...template, metadata: { name: `flow-${i}` } }, 'application/apply-patch+yaml'));
const t1 = performance.now();
await pool(N, (i) => call('PATCH', `/apis/syncspec.dev/v1/namespaces/default/syncspecs/flow-${i}/status`,
  { status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z' }] } }, 'application/merge-patch+json'));
const t2 = performance.now();
const listStart = performance.now();
await (await fetch(`${server.url}/apis/syncspec.dev/v1/syncspecs`)).arrayBuffer();
const t3 = performance.now();
clearInterval(sampler);
await server.close();
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
process.stdout.write([
  `test API server, ${N} SyncSpecs, concurrency ${CONCURRENCY}`,
  `  server-side apply (create): ${fmt(t1 - t0)}  (${Math.round(N / ((t1 - t0) / 1000))} req/s)`,
  `  status merge patch:         ${fmt(t2 - t1)}  (${Math.round(N / ((t2 - t1) / 1000))} req/s)`,
  `  list all:                   ${(t3 - listStart).toFixed(0)} ms`,
  `  watch events received:      ${events} (expected ${2 * N})`,
  `  peak RSS (server + client): ${Math.round(peakRss / 1024 / 1024)} MB`,
  '',
].join('\n'));
