/**
 * A thin HTTP client on undici: one keep-alive Agent per connector (pools per origin, so a Salesforce
 * `instance_url` different from the login host gets its own pool), a per-call timeout through
 * AbortSignal, and transport errors turned into classified `ConnectorFailure`s.
 */
import { Agent } from 'undici';
import { transportFailure } from './errors.ts';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Absolute URL (origin + path + query). */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | undefined;
  /** Overrides the client's default timeout for this call. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpClientOptions {
  /** Vendor name used in error messages. */
  system: string;
  timeoutMs?: number;
  /** Sockets per origin. */
  connections?: number;
  /** Cap on response bodies, so a runaway reply cannot exhaust memory. */
  maxResponseBytes?: number;
}

export class HttpClient {
  readonly system: string;
  readonly timeoutMs: number;
  private readonly agent: Agent;

  constructor(opts: HttpClientOptions) {
    this.system = opts.system;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.agent = new Agent({
      connections: opts.connections ?? 16,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      maxResponseSize: opts.maxResponseBytes ?? 64 * 1024 * 1024,
      // Our own AbortSignal bounds each call; undici's header/body timers stay as a backstop.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /**
   * Sends one request. Resolves with any HTTP status (callers classify vendor answers); rejects with a
   * `ConnectorFailure` for transport failures and timeouts, or with the caller's abort reason.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const url = new URL(req.url);
    try {
      const res = await this.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: req.method,
        headers: req.headers ?? {},
        body: req.body ?? null,
        signal,
      });
      const body = await res.body.text();
      return { status: res.statusCode, headers: res.headers as HttpResponse['headers'], body };
    } catch (e) {
      if (req.signal?.aborted) throw req.signal.reason;
      if (timeout.aborted) throw transportFailure(this.system, timeout.reason) ?? e;
      throw transportFailure(this.system, e) ?? e;
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** First value of a header that may repeat. */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** JSON.parse that returns undefined instead of throwing (vendor bodies are untrusted). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
