/**
 * The worker's HTTP server: `POST /hooks/<spec>` (one route per spec with a webhook trigger),
 * `/metrics`, `/healthz`, `/readyz`. A push is answered 2xx only after its events are committed to the
 * inbox; the answer body is what the vendor expects (e.g. the Salesforce SOAP Ack).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Intake } from '../intake/intake.ts';
import type { Logger } from '../ops/log.ts';
import type { WorkerMetrics } from '../ops/metrics.ts';
import type { WebhookEvent, WebhookOutcome, WebhookRequest } from '../support/connector.ts';

export type WebhookVerifier = (req: WebhookRequest) => WebhookOutcome;
/** Completes id-only events from the source (connector `resolveWebhookEvents` bound to the spec's entity). */
export type WebhookResolver = (events: readonly WebhookEvent[]) => Promise<WebhookEvent[]>;

export interface HttpServerOptions {
  host?: string;
  port?: number;
  /** spec name → verifier (connector `verifyWebhook`, the generic HMAC one, or a refusal when none is configured). */
  routes: ReadonlyMap<string, WebhookVerifier>;
  /** spec name → resolver, for sources whose pushes carry ids only; called before storing. */
  resolvers?: ReadonlyMap<string, WebhookResolver>;
  intake: Intake;
  metrics?: WorkerMetrics | undefined;
  log: Logger;
  /** Readiness beyond "not draining" (store reachable, loops started). */
  ready: () => Promise<boolean>;
  maxBodyBytes?: number;
}

export class WorkerHttpServer {
  readonly server: Server;
  #o: HttpServerOptions;
  #url = '';

  constructor(options: HttpServerOptions) {
    this.#o = options;
    this.server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        options.log.error({ code: 'SS5007', err: err instanceof Error ? err.message : String(err) }, 'request failed');
        if (!res.headersSent) reply(res, 500, { code: 'SS5007', message: 'internal error' });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 65_000;
  }

  get url(): string {
    return this.#url;
  }

  async listen(): Promise<string> {
    this.server.listen(this.#o.port ?? 0, this.#o.host ?? '127.0.0.1');
    await once(this.server, 'listening');
    const a = this.server.address() as AddressInfo;
    this.#url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    return this.#url;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://worker');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/metrics' && this.#o.metrics) {
      const text = await this.#o.metrics.text();
      res.writeHead(200, { 'content-type': this.#o.metrics.registry.contentType }).end(text);
      return;
    }
    if (req.method === 'GET' && path === '/healthz') return reply(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz') {
      const ok = this.#o.intake.open && (await this.#o.ready().catch(() => false));
      return reply(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' });
    }
    const m = /^\/hooks\/([^/]+)$/.exec(path);
    if (!m) return reply(res, 404, { code: 'SS5004', message: 'not found' });
    const spec = decodeURIComponent(m[1] ?? '');
    const verify = this.#o.routes.get(spec);
    if (!verify) {
      this.#o.log.warn({ code: 'SS5004', spec: spec.slice(0, 100) }, 'webhook for a spec this worker does not run');
      return reply(res, 404, { code: 'SS5004', message: `no webhook route for spec "${spec}"` });
    }
    if (req.method !== 'POST') return reply(res, 405, { code: 'SS5004', message: 'use POST' });
    if (!this.#o.intake.open) return reply(res, 503, { code: 'SS5071', message: 'draining' }, { 'retry-after': '5' });
    const body = await readBody(req, this.#o.maxBodyBytes ?? 5 * 1024 * 1024);
    if (body === undefined) {
      this.#reject(spec, 'SS5005', 'body too large');
      res.setHeader('connection', 'close');
      return reply(res, 413, { code: 'SS5005', message: 'body too large' });
    }
    const outcome = verify({
      method: req.method,
      path,
      headers: req.headers,
      query: Object.fromEntries(url.searchParams),
      body,
    });
    if (!outcome.ok) {
      this.#reject(spec, outcome.code, outcome.message, outcome.status);
      return reply(res, outcome.status, { code: outcome.code, message: outcome.message });
    }
    let events = outcome.events;
    const resolve = this.#o.resolvers?.get(spec);
    if (resolve && events.length > 0) {
      try {
        events = await resolve(events);
      } catch (err) {
        // Nothing stored and not acknowledged: the vendor's retry (or the next poll) brings the ids again.
        this.#o.log.warn({ code: 'SS5008', spec, events: events.length, err: err instanceof Error ? err.message : String(err) }, 'could not read the records a push names; answered 503 so the sender retries');
        return reply(res, 503, { code: 'SS5008', message: 'records not readable from the source, retry later' }, { 'retry-after': '5' });
      }
    }
    try {
      await this.#o.intake.accept(
        spec,
        'webhook',
        events.map((e) => ({ record: e.record, deliveryId: e.deliveryId })),
      );
    } catch (err) {
      const draining = !this.#o.intake.open;
      this.#o.log.error({ code: draining ? 'SS5071' : 'SS5007', spec, err: err instanceof Error ? err.message : String(err) }, 'events not stored; answered 503 so the sender retries');
      return reply(res, 503, { code: 'SS5007', message: 'not stored, retry later' }, { 'retry-after': '5' });
    }
    if (outcome.reply) {
      res.writeHead(outcome.reply.status, { 'content-type': outcome.reply.contentType }).end(outcome.reply.body);
      return;
    }
    reply(res, 200, { accepted: events.length });
  }

  #reject(spec: string, code: string, message: string, status = 413): void {
    this.#o.metrics?.webhookRejected.inc({ spec, code });
    this.#o.log.warn({ code, spec, status, reason: message }, 'webhook refused');
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Reads the body up to `limit` bytes; undefined (and the rest discarded) when larger. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
