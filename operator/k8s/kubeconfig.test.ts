import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { kubeconfigYaml } from '../../test/kube/kubeconfig.ts';
import { SharedPoolKubeConfig } from './kubeconfig.ts';

/** A tiny API endpoint that remembers which client connections its requests came on. */
let server: Server;
const sockets = new Set<string>();
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(`${req.socket.remoteAddress}:${req.socket.remotePort}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: { resourceVersion: '1' }, items: [] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function load(kc: KubeConfig): KubeConfig {
  // insecure-skip-tls-verify (set by kubeconfigYaml) gives the request TLS options, which is what makes client-node build a dispatcher.
  kc.loadFromString(kubeconfigYaml(url));
  return kc;
}

async function connectionsFor(kc: KubeConfig, requests: number): Promise<number> {
  sockets.clear();
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < requests; i++) await core.listNamespace();
  return sockets.size;
}

test('requests share a keep-alive pool instead of one new pool per request', async () => {
  const shared = load(new SharedPoolKubeConfig()) as SharedPoolKubeConfig;
  // undici may open a second connection when a request is dispatched in the tick its predecessor ends.
  expect(await connectionsFor(shared, 50)).toBeLessThanOrEqual(2);
  expect(await connectionsFor(shared, 50)).toBeLessThanOrEqual(2);
  await shared.closePools();
});

test('the client-node behaviour it works around: a plain KubeConfig opens a connection per request', async () => {
  // If this starts failing, client-node reuses its dispatcher and SharedPoolKubeConfig can go.
  expect(await connectionsFor(load(new KubeConfig()), 5)).toBe(5);
});
