/**
 * What the kube test suites connect to: the in-process test API server by default, or the cluster
 * `KUBECONFIG` names (so the contract suite can be pointed at a real kube-apiserver unchanged).
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigYaml } from './kubeconfig.ts';
import { startKubeServer, type KubeServer, type KubeServerOptions } from './server.ts';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export interface Cluster {
  kc: KubeConfig;
  /** Present when the suite runs against the in-process test server. */
  server: KubeServer | undefined;
  /** A fresh namespace for this suite. */
  namespace: string;
  /** One HTTP request with the kubeconfig's credentials; the body is sent as given (string) or JSON. */
  raw(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  /** Opens a watch and collects its NDJSON events until the server closes it or `stop()`. */
  stream(path: string): WatchStream;
  close(): Promise<void>;
}

export interface WatchStream {
  events: { type: string; object: any }[];
  /** Resolves when the server ends the response: `clean` false when the connection was cut. */
  ended: Promise<{ clean: boolean }>;
  stop(): void;
}

export async function connect(prefix: string, serverOptions: KubeServerOptions = {}): Promise<Cluster> {
  const kc = new KubeConfig();
  let server: KubeServer | undefined;
  if (process.env.KUBECONFIG) {
    kc.loadFromDefault();
  } else {
    server = await startKubeServer(serverOptions);
    kc.loadFromString(kubeconfigYaml(server.url));
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const base = new URL(cluster.server);

  async function options(method: string, path: string, headers: Record<string, string>): Promise<RequestOptions> {
    const opts: RequestOptions = { method, hostname: base.hostname, port: base.port, path, headers: { ...headers } };
    if (base.protocol === 'https:') {
      await kc.applyToHTTPSOptions(opts);
    } else {
      // Plain HTTP (the test server): client-node builds only TLS agents, so send the token by hand.
      const token = kc.getCurrentUser()?.token;
      if (token) opts.headers = { ...opts.headers, authorization: `Bearer ${token}` };
    }
    return opts;
  }
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;

  const raw: Cluster['raw'] = async (method, path, body, headers = {}) => {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    // Content-Length always: Node does not chunk DELETE bodies by default, which would garble the request.
    const sized = text !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {};
    const opts = await options(method, path, { accept: 'application/json', ...sized, ...headers });
    return new Promise<RawResponse>((resolve, reject) => {
      const req = send(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const t = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try { json = JSON.parse(t); } catch { json = undefined; }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: t, json });
        });
      });
      req.on('error', reject);
      if (text !== undefined) req.write(text);
      req.end();
    });
  };

  const stream: Cluster['stream'] = (path) => {
    const events: { type: string; object: any }[] = [];
    let stopRequest: () => void = () => {};
    const ended = new Promise<{ clean: boolean }>((resolve) => {
      void options('GET', path, { accept: 'application/json' }).then((opts) => {
        const req = send(opts, (res) => {
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString('utf8');
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (!line.trim()) continue;
              try {
                events.push(JSON.parse(line));
              } catch {
                events.push({ type: 'UNPARSEABLE', object: line }); // shows up in the test's assertion
              }
            }
          });
          // `complete` is false when the connection closed before the final chunk: a cut stream.
          res.on('close', () => resolve({ clean: res.complete }));
          res.on('error', () => resolve({ clean: false }));
        });
        req.on('error', () => resolve({ clean: false }));
        stopRequest = () => { req.destroy(); resolve({ clean: false }); };
        req.end();
      });
    });
    return { events, ended, stop: () => stopRequest() };
  };

  const namespace = `${prefix}-${randomBytes(3).toString('hex')}`;
  const created = await raw('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (created.status !== 201) throw new Error(`cannot create namespace ${namespace}: ${created.status} ${created.text}`);

  return {
    kc, server, namespace, raw, stream,
    close: async () => {
      await raw('DELETE', `/api/v1/namespaces/${namespace}`);
      await server?.close();
    },
  };
}

/** Polls `check` until it returns true (for hooks, where expect.poll is not available); throws naming `what`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
