/**
 * The operator's API calls (get, list, server-side apply, merge patch, status patch, delete, Event
 * create, Lease, Secret read) as plain JSON requests with undici's `request`, authenticated and TLS-configured by
 * client-node's KubeConfig exactly as its own API clients are (`applySecurityAuthentication`: bearer
 * and exec tokens, client certificates, CA, proxy — the dispatcher it builds). Failures are client-node
 * `ApiException`s carrying the Status body, so errors.ts reads them as before.
 *
 * Why not the generated API classes: each of their calls goes through fetch's web streams, a
 * RequestContext/middleware chain and the ObjectSerializer, about 90 KB of garbage per request — at
 * 1,000 SyncSpecs applied at once, half of everything the operator's main thread allocated, which is
 * what grew its heap (measured with an allocation profile of bench/operator.bench.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiException, HttpMethod, RequestContext } from './client.ts';
import { Agent, request, type Dispatcher } from 'undici';

export type Query = Record<string, string | boolean | undefined>;

export class KubeHttp {
  readonly #kc: KubeConfig;
  /** For clusters whose KubeConfig builds no dispatcher (plain http, no TLS options). */
  #agent: Agent | undefined;

  constructor(kc: KubeConfig) {
    this.#kc = kc;
  }

  /** JSON answer of `method path?query`; a status ≥ 300 throws an ApiException with the Status body. */
  async call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options: { query?: Query; body?: unknown; contentType?: string } = {}): Promise<unknown> {
    const server = this.#kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig has no current cluster');
    const ctx = new RequestContext(`${server.replace(/\/$/, '')}${path}`, HTTP_METHODS[method]);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) ctx.setQueryParam(k, String(v));
    await this.#kc.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = { ...ctx.getHeaders(), accept: 'application/json' };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const dispatcher = (ctx.getDispatcher() as Dispatcher | undefined) ?? (this.#agent ??= new Agent());
    const res = await request(ctx.getUrl(), { method, headers, ...(body === undefined ? {} : { body }), dispatcher });
    const text = await res.body.text();
    if (res.statusCode >= 300) {
      let status: unknown = text;
      try { status = JSON.parse(text); } catch { /* not JSON: kept as text */ }
      throw new ApiException(res.statusCode, `${method} ${path}`, status, flatHeaders(res.headers));
    }
    return text === '' ? undefined : JSON.parse(text);
  }

  async close(): Promise<void> {
    await this.#agent?.close();
    this.#agent = undefined;
  }
}

const clients = new WeakMap<KubeConfig, KubeHttp>();
/** One client (and connection pool) per KubeConfig. */
export function kubeHttp(kc: KubeConfig): KubeHttp {
  let c = clients.get(kc);
  if (!c) clients.set(kc, (c = new KubeHttp(kc)));
  return c;
}

const HTTP_METHODS = { GET: HttpMethod.GET, POST: HttpMethod.POST, PUT: HttpMethod.PUT, PATCH: HttpMethod.PATCH, DELETE: HttpMethod.DELETE } as const;

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
