/**
 * A KubeConfig whose API clients share one connection pool. @kubernetes/client-node 2.0.1 builds a new
 * undici Agent for every request that carries TLS options (a CA, a client certificate, or
 * `insecure-skip-tls-verify`) and never closes it: each request opens a fresh connection (and TLS
 * handshake), and the agents with their keep-alive sockets pile up — measured here as 2,600 Agents and
 * 5,200 sockets after 150 SyncSpecs. This keeps the first dispatcher per cluster and user and closes the
 * spare ones (which never connected). Client certificates are read when the first dispatcher is built;
 * bearer tokens travel in headers and are unaffected.
 */
import { KubeConfig } from './client.ts';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export class SharedPoolKubeConfig extends KubeConfig {
  readonly #dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = `${this.getCurrentCluster()?.name ?? ''}\0${this.getCurrentUser()?.name ?? ''}`;
    const shared = this.#dispatchers.get(key);
    if (!shared) {
      this.#dispatchers.set(key, fresh);
      return;
    }
    if (shared !== fresh) {
      context.setDispatcher(shared);
      void fresh.close().catch(() => {});
    }
  }

  /** Closes the shared pools (at shutdown). */
  async closePools(): Promise<void> {
    await Promise.all([...this.#dispatchers.values()].map((d) => d.close().catch(() => {})));
    this.#dispatchers.clear();
  }
}
