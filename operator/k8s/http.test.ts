import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { kubeconfigYaml } from '../../test/kube/kubeconfig.ts';
import { describeError, isConflict, isNotFound, isTerminal } from './errors.ts';
import { kubeHttp } from './http.ts';
import { SharedPoolKubeConfig } from './kubeconfig.ts';
import { KINDS, Resources } from './resources.ts';

/** Records each request and answers from `answer`. */
let server: Server;
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string; socket: string }[] = [];
let answer: (method: string, url: string) => [number, unknown] = () => [200, {}];
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, socket: `${req.socket.remotePort}` });
      const [status, out] = answer(req.method ?? '', req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function kubeconfig(): SharedPoolKubeConfig {
  const kc = new SharedPoolKubeConfig();
  kc.loadFromString(kubeconfigYaml(url, 'sekret'));
  return kc;
}

test('server-side apply and status patch: the paths, content types, field managers and the KubeConfig\'s token', async () => {
  seen.length = 0;
  answer = (method, u) => [200, { metadata: { name: 'a', namespace: 'ns', resourceVersion: '7' }, data: {}, echo: `${method} ${u}` }];
  const kc = kubeconfig();
  const r = new Resources(kc, { fieldManager: 'op', statusManager: 'op-status' });
  const applied = await r.apply(KINDS.ConfigMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a b', namespace: 'ns' }, data: { k: 'v' } });
  await r.patchStatus(KINDS.SyncSpec, 'ns', 's', { observedGeneration: 2 });
  await r.mergePatch(KINDS.SyncSpec, 'ns', 's', { metadata: { finalizers: ['f'] } });
  const listed = await r.list(KINDS.Service, undefined, 'app=x');
  expect(seen.map((s) => [s.method, s.url, s.headers['content-type']])).toEqual([
    ['PATCH', '/api/v1/namespaces/ns/configmaps/a%20b?fieldManager=op&force=true', 'application/apply-patch+yaml'],
    ['PATCH', '/apis/syncspec.dev/v1/namespaces/ns/syncspecs/s/status?fieldManager=op-status', 'application/merge-patch+json'],
    ['PATCH', '/apis/syncspec.dev/v1/namespaces/ns/syncspecs/s?fieldManager=op', 'application/merge-patch+json'],
    ['GET', '/api/v1/services?labelSelector=app%3Dx', undefined],
  ]);
  for (const s of seen) expect(s.headers.authorization).toBe('Bearer sekret');
  expect(JSON.parse(seen[0]?.body ?? '')).toMatchObject({ kind: 'ConfigMap', data: { k: 'v' } });
  expect(JSON.parse(seen[1]?.body ?? '')).toEqual({ status: { observedGeneration: 2 } });
  // Answers are the server's JSON, with apiVersion/kind filled in where they are missing.
  expect(applied).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '7' } });
  expect(listed.items).toEqual([]);
  // The KubeConfig's shared keep-alive pool, not a connection per request (undici may open a second
  // one when a request is dispatched in the tick its predecessor ends).
  expect(new Set(seen.map((s) => s.socket)).size).toBeLessThanOrEqual(2);
  await kubeHttp(kc).close();
  await kc.closePools();
});

test('failures are ApiExceptions with the Status body: not found, conflict, invalid', async () => {
  const status = (code: number, reason: string): unknown => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: `${reason} here` });
  answer = (_method, u) => (u.includes('gone') ? [404, status(404, 'NotFound')] : u.includes('busy') ? [409, status(409, 'Conflict')] : [422, status(422, 'Invalid')]);
  const kc = kubeconfig();
  const r = new Resources(kc, { fieldManager: 'op', statusManager: 'op-status' });
  expect(await r.get(KINDS.SyncSpec, 'ns', 'gone')).toBeUndefined();
  await r.delete(KINDS.Service, 'ns', 'gone');
  const conflict = await r.mergePatch(KINDS.SyncSpec, 'ns', 'busy', {}).catch((e: unknown) => e);
  expect(isConflict(conflict)).toBe(true);
  const invalid = await r.apply(KINDS.Deployment, { metadata: { name: 'bad', namespace: 'ns' } }).catch((e: unknown) => e);
  expect(isTerminal(invalid)).toBe(true);
  expect(isNotFound(invalid)).toBe(false);
  expect(describeError(invalid)).toBe('422 Invalid: Invalid here');
  await kubeHttp(kc).close();
  await kc.closePools();
});
