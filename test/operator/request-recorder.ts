/**
 * A recording reverse proxy in front of the test API server: the operator's kubeconfig points here,
 * so every request the operator makes — and only those, not the test's own kubectl calls — is
 * recorded as the RBAC attributes the API server would authorize (group, resource, subresource, verb).
 * Watches and other streamed answers pass through unbuffered.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiRequest {
  method: string;
  path: string;
  /** RBAC attributes; undefined for non-resource URLs (discovery, /openapi, /version). */
  group: string | undefined;
  resource: string | undefined;
  subresource: string | undefined;
  verb: string;
  namespace: string | undefined;
  /** Milliseconds from the request's arrival to the end of the answer (undefined while streaming). */
  ms?: number;
}

export interface RequestRecorder {
  url: string;
  requests: ApiRequest[];
  close(): Promise<void>;
}

/** Kubernetes request attributes for a path and method (k8s.io/apiserver RequestInfoFactory, resource requests only). */
export function requestAttributes(method: string, rawPath: string): ApiRequest {
  const url = new URL(rawPath, 'http://x');
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const base: ApiRequest = { method, path: url.pathname, group: undefined, resource: undefined, subresource: undefined, verb: method.toLowerCase(), namespace: undefined };
  let rest: string[];
  let group: string;
  if (parts[0] === 'api' && parts.length >= 2) { group = ''; rest = parts.slice(2); }
  else if (parts[0] === 'apis' && parts.length >= 3) { group = parts[1] as string; rest = parts.slice(3); }
  else return base;
  if (rest.length === 0) return base;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) { namespace = rest[1]; rest = rest.slice(2); }
  const [resource, name, subresource] = rest;
  const verb = method === 'GET' ? (watch ? 'watch' : name === undefined ? 'list' : 'get')
    : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch'
    : method === 'DELETE' ? (name === undefined ? 'deletecollection' : 'delete') : method.toLowerCase();
  return { ...base, group, resource, subresource, verb, namespace };
}

export async function startRequestRecorder(target: string): Promise<RequestRecorder> {
  const upstream = new URL(target);
  const requests: ApiRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const entry = requestAttributes(req.method ?? 'GET', req.url ?? '/');
    requests.push(entry);
    res.on('finish', () => { entry.ms = performance.now() - started; });
    const out = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.on('error', () => out.destroy());
    res.on('error', () => out.destroy());
    req.pipe(out);
    res.on('close', () => out.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
