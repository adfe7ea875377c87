/**
 * The emulator base: a real node:http server on 127.0.0.1 that applies fault injection in front of a
 * vendor handler and serves the shared admin endpoints:
 *
 *   POST /__admin/faults   set the fault plan (JSON FaultConfig; `{}` clears)    GET /__admin/faults
 *   GET  /__admin/records?entity=X   the vendor's in-memory records (sorted)
 *   GET  /__admin/effects[?entity=X] write effects per key                       GET /__admin/stats
 *   POST /__admin/reset    records, effects, faults and stats back to the start state
 *   POST /__admin/seed     vendor-specific seeding                               + vendor admin routes
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EffectCounter } from './effects.ts';
import { FaultConfigError, FaultPlan, parseFaultConfig, type FaultConfig } from './faults.ts';

export interface EmulatorRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Thrown by admin handlers for bad input: answered 400 with the message. */
export class AdminInputError extends Error {}

export type AdminRoute = (body: unknown, req: EmulatorRequest) => unknown;

export interface VendorHandler {
  /** Answers one vendor request (faults were already applied). */
  handle(req: EmulatorRequest, res: ServerResponse): void | Promise<void>;
  /** The vendor's rate-limit answer. */
  throttle(res: ServerResponse, retryAfterSeconds: number | undefined): void;
  /** The vendor's server-error answer. */
  serverError(res: ServerResponse, status: number, retryAfterSeconds: number | undefined): void;
  expireSessions(): void;
  records(entity: string | undefined): unknown;
  seed(body: unknown): unknown;
  reset(): void;
  /** Extra admin routes, keyed "METHOD /__admin/name". */
  adminRoutes?: Record<string, AdminRoute>;
}

export interface Stats {
  requests: number;
  logins: number;
  faults: number;
  [name: string]: number;
}

export interface BaseEmulator {
  url: string;
  server: Server;
  faults: FaultPlan;
  effects: EffectCounter;
  stats: Stats;
  close(): Promise<void>;
}

export interface BaseOptions {
  port?: number;
  host?: string;
  faults?: FaultConfig;
  maxBodyBytes?: number;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseAdminJson(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new AdminInputError('admin body is not valid JSON');
  }
}

export function newStats(): Stats {
  return { requests: 0, logins: 0, faults: 0 };
}

export async function startEmulatorServer(vendor: VendorHandler, opts: BaseOptions = {}): Promise<BaseEmulator> {
  const faults = new FaultPlan();
  if (opts.faults) faults.set(opts.faults);
  const effects = new EffectCounter();
  const stats = newStats();
  const maxBody = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const sockets = new Set<Socket>();

  const admin: Record<string, AdminRoute> = {
    'GET /__admin/faults': () => faults.current,
    'POST /__admin/faults': (body) => {
      faults.set(parseFaultConfig(body));
      return faults.current;
    },
    'GET /__admin/records': (_b, req) => vendor.records(req.query.get('entity') ?? undefined),
    'GET /__admin/effects': (_b, req) => effects.rows(req.query.get('entity') ?? undefined),
    'GET /__admin/stats': () => ({ ...stats }),
    'POST /__admin/reset': () => {
      vendor.reset();
      effects.reset();
      faults.set({});
      for (const k of Object.keys(stats)) stats[k] = 0;
      return { reset: true };
    },
    'POST /__admin/seed': (body) => vendor.seed(body),
    ...vendor.adminRoutes,
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const body = await readBody(req, maxBody);
      if (body === undefined) {
        sendJson(res, 413, { message: `request body larger than ${maxBody} bytes` });
        return;
      }
      const ereq: EmulatorRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
      if (url.pathname.startsWith('/__admin/')) {
        const route = admin[`${ereq.method} ${url.pathname}`];
        if (!route) {
          sendJson(res, 404, { message: `no admin route ${ereq.method} ${url.pathname}` });
          return;
        }
        try {
          sendJson(res, 200, await route(parseAdminJson(body), ereq));
        } catch (e) {
          if (e instanceof AdminInputError || e instanceof FaultConfigError) sendJson(res, 400, { message: e.message });
          else throw e;
        }
        return;
      }
      stats.requests++;
      const latency = faults.latencyFor(url.pathname);
      if (latency > 0) await sleep(latency);
      const fault = faults.decide(url.pathname);
      const config = faults.current;
      if (fault && fault !== 'sessionExpiry') stats.faults++;
      switch (fault) {
        case 'drop':
          req.socket.destroy();
          return;
        case 'hang':
          return; // the socket stays open until the client gives up or the emulator closes
        case 'error':
          vendor.serverError(res, config.errorStatus ?? 503, config.retryAfterSeconds);
          return;
        case 'throttle':
          vendor.throttle(res, config.retryAfterSeconds);
          return;
        case 'sessionExpiry':
          vendor.expireSessions();
          break;
        case 'dropAfterWrite': {
          // Let the write happen, then lose the answer: the client cannot know it succeeded.
          const socket = req.socket;
          res.writeHead = (() => res) as unknown as typeof res.writeHead;
          res.end = (() => {
            socket.destroy();
            return res;
          }) as unknown as typeof res.end;
          break;
        }
        case undefined:
          break;
      }
      await vendor.handle(ereq, res);
    })().catch((e: unknown) => {
      // An emulator bug must still produce an answer a client can classify, never a hung socket.
      sendJson(res, 500, { message: `emulator error: ${e instanceof Error ? e.message : String(e)}` });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 30_000;
  server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    faults,
    effects,
    stats,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** The in-process face of an emulator's admin endpoint (same operations as the HTTP routes). */
export interface EmulatorAdmin {
  setFaults(config: FaultConfig): void;
  effects(entity?: string): ReturnType<EffectCounter['rows']>;
  stats(): Stats;
  expireSessions(): void;
  reset(): void;
}

export function baseAdmin(base: BaseEmulator, vendor: VendorHandler): EmulatorAdmin {
  return {
    setFaults: (config) => base.faults.set(config),
    effects: (entity) => base.effects.rows(entity),
    stats: () => ({ ...base.stats }),
    expireSessions: () => vendor.expireSessions(),
    reset: () => {
      vendor.reset();
      base.effects.reset();
      base.faults.set({});
      for (const k of Object.keys(base.stats)) base.stats[k] = 0;
    },
  };
}
