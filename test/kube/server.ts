/**
 * A Kubernetes API server for tests: node:http on 127.0.0.1, honouring the contract in
 * /work/shared/reference/k8s-testing.md §2 closely enough that the real `kubectl` and
 * `@kubernetes/client-node` work against it. Semantics live in `api.ts`; this module is HTTP:
 * routing, discovery, OpenAPI, Table output, watch streams and the admin switches.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { KubeApi, PATCH_TYPES, type ApiOptions, type FieldValidation, type GcMode, type WriteOptions } from './api.ts';
import { groupVersionDocument, openapiIndex } from './openapi.ts';
import { decodeKubeProtobuf } from './protobuf.ts';
import type { ResourceType } from './registry.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { StoredEvent } from './store.ts';
import { toTable } from './table.ts';
import { ApiError, errors, isObject, type KubeObject, type Status } from './types.ts';

export interface KubeServerOptions extends ApiOptions {
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** Period of BOOKMARK events on watches that allow them; 0 disables the timer (use `sendBookmarks`). */
  bookmarkIntervalMs?: number;
  /** Request body cap, like the API server's 3 MiB limit. */
  maxBodyBytes?: number;
}

export interface KubeServer {
  url: string;
  port: number;
  api: KubeApi;
  /** Destroys every open watch connection without a final chunk: a dropped stream. */
  dropWatches(): number;
  /** Sends a BOOKMARK now on every watch that allows bookmarks. */
  sendBookmarks(): number;
  /** Forgets the event history: watches from any earlier resourceVersion get 410 Expired. */
  compact(): void;
  setGarbageCollection(mode: GcMode): void;
  /** Open watch streams (for tests that wait for a client to reconnect). */
  watchCount(): number;
  /** Requests served, by `METHOD path-pattern` (benchmarks count API calls per object). */
  requestCounts(): Record<string, number>;
  close(): Promise<void>;
}

interface Route {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string;
}

interface OpenWatch {
  res: ServerResponse;
  bookmarks: boolean;
  type: ResourceType;
  version: string;
  end(): void;
}

const JSON_TYPE = 'application/json';

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

function sendStatus(res: ServerResponse, err: ApiError): void {
  send(res, err.code, err.toStatus());
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? JSON_TYPE).split(';')[0]?.trim() ?? JSON_TYPE;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(body: Buffer, contentType: string): unknown {
  // kubectl's typed commands and Helm's release storage send protobuf: decoded for the kinds they use.
  if (contentType === 'application/vnd.kubernetes.protobuf') return decodeKubeProtobuf(body);
  if (contentType.includes('protobuf') || contentType.includes('cbor')) {
    throw new ApiError(415, 'UnsupportedMediaType', `the test API server accepts JSON, YAML and (for a few kinds) protobuf bodies, not ${contentType}`);
  }
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    if (contentType !== PATCH_TYPES.apply && contentType !== 'application/yaml') return JSON.parse(text);
    // Apply bodies are YAML, but clients (kubectl, client-node) send JSON, which is YAML too and far faster to parse.
    try { return JSON.parse(text); } catch { return parseYaml(text); }
  } catch (err) {
    throw errors.badRequest(`the request body could not be decoded as ${contentType || 'JSON'}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

export async function startKubeServer(opts: KubeServerOptions = {}): Promise<KubeServer> {
  const api = new KubeApi(opts);
  const watches = new Set<OpenWatch>();
  const sockets = new Set<Socket>();
  const counts: Record<string, number> = {};
  const limit = opts.maxBodyBytes ?? 3 * 1024 * 1024;
  const now = opts.now ?? (() => new Date());

  function route(path: string): Route | undefined {
    const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) { group = ''; version = segs[1] ?? ''; rest = segs.slice(2); }
    else if (segs[0] === 'apis' && segs.length >= 4) { group = segs[1] ?? ''; version = segs[2] ?? ''; rest = segs.slice(3); }
    else return undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const t = api.registry.get(group, version, rest[2] ?? '');
      if (t?.namespaced) return { type: t, version, namespace: rest[1], name: rest[3], subresource: rest[4] ?? '' };
    }
    const t = api.registry.get(group, version, rest[0] ?? '');
    if (!t) return undefined;
    return { type: t, version, namespace: undefined, name: rest[1], subresource: rest[2] ?? '' };
  }

  function discovery(path: string): unknown {
    if (path === '/version') return { major: '1', minor: '33', gitVersion: 'v1.33.0-syncspec-test', gitCommit: '', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.24', compiler: 'gc', platform: 'linux/amd64' };
    if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
    if (path === '/apis') {
      return {
        kind: 'APIGroupList', apiVersion: 'v1',
        groups: api.registry.groups().map((g) => ({
          name: g.name,
          versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
          preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
        })),
      };
    }
    if (path === '/api/v1') return api.registry.resourceList('', 'v1');
    let m = path.match(/^\/apis\/([^/]+)\/([^/]+)$/);
    if (m) return api.registry.resourceList(m[1] ?? '', m[2] ?? '');
    m = path.match(/^\/apis\/([^/]+)$/);
    if (m) {
      const g = api.registry.groups().find((x) => x.name === m?.[1]);
      return g && { kind: 'APIGroup', apiVersion: 'v1', name: g.name, versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })), preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] } };
    }
    if (path === '/openapi/v3') return openapiIndex(api.registry);
    m = path.match(/^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/);
    if (m) return m[1] ? groupVersionDocument(api.registry, '', 'v1') : groupVersionDocument(api.registry, m[2] ?? '', m[3] ?? '');
    if (path === '/healthz' || path === '/readyz' || path === '/livez') return 'ok';
    return undefined;
  }

  function writeOptions(req: IncomingMessage, q: URLSearchParams): WriteOptions {
    const fv = q.get('fieldValidation');
    if (fv !== null && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') throw errors.badRequest(`fieldValidation must be one of Strict, Warn, Ignore, got "${fv}"`);
    // Like the API server: without fieldManager, the manager is the user agent up to the first "/".
    const agent = (req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown';
    return { fieldManager: q.get('fieldManager') ?? agent, fieldValidation: (fv ?? 'Warn') as FieldValidation, dryRun: q.getAll('dryRun').includes('All'), warnings: [] };
  }

  function warningHeaders(opts: WriteOptions): Record<string, string> {
    return opts.warnings.length ? { warning: opts.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } : {};
  }

  function wantsTable(req: IncomingMessage): boolean {
    return /as=Table/.test(req.headers.accept ?? '');
  }

  function watch(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): void {
    const labels = parseLabelSelector(q.get('labelSelector') ?? '');
    const fields = parseFieldSelector(q.get('fieldSelector') ?? '');
    const ns = r.type.namespaced ? r.namespace : undefined;
    const rvParam = q.get('resourceVersion') ?? '';
    const matches = (o: KubeObject | undefined): boolean =>
      o !== undefined && (ns === undefined || o.metadata.namespace === ns) && matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o);
    const asTable = wantsTable(req);
    const includeObject = q.get('includeObject') ?? 'Metadata';
    // `kubectl get -w` asks for Table events: each event's object is a one-row Table.
    const present = (o: KubeObject): unknown => {
      const obj = { ...o, apiVersion: r.type.group ? `${r.type.group}/${r.version}` : r.version };
      return asTable ? toTable(r.type, r.version, [obj], obj.metadata.resourceVersion ?? '', includeObject, now().getTime()) : obj;
    };
    res.writeHead(200, { 'content-type': JSON_TYPE, 'transfer-encoding': 'chunked', 'cache-control': 'no-cache' });
    res.flushHeaders(); // clients (fetch, client-node's Watch) wait for headers before the first event
    const write = (type: string, object: unknown): void => void res.write(`${JSON.stringify({ type, object })}\n`);
    const resource = `${r.type.group}/${r.type.plural}`;
    let replay: StoredEvent[];
    if (rvParam === '' || rvParam === '0') {
      for (const o of api.store.list(resource, ns)) if (matches(o)) write('ADDED', present(o));
      replay = [];
    } else {
      const since = /^\d+$/.test(rvParam) ? api.store.since(resource, Number(rvParam)) : undefined;
      if (!since) {
        const status: Status = errors.expired(`too old resource version: ${rvParam} (${api.store.compactedRv + 1})`).toStatus();
        write('ERROR', status);
        res.end();
        return;
      }
      replay = since;
    }
    const deliver = (e: StoredEvent): void => {
      const now = matches(e.object);
      const before = e.type === 'MODIFIED' && matches(e.previous);
      if (e.type === 'MODIFIED') {
        if (now && before) write('MODIFIED', present(e.object));
        else if (now) write('ADDED', present(e.object));
        else if (before) write('DELETED', present(e.object));
      } else if (now) write(e.type, present(e.object));
    };
    for (const e of replay) deliver(e);
    const unregister = api.store.addWatcher({ resource, deliver });
    let timer: NodeJS.Timeout | undefined;
    const w: OpenWatch = {
      res, bookmarks: q.get('allowWatchBookmarks') === 'true', type: r.type, version: r.version,
      end: () => { cleanup(); res.end(); },
    };
    const cleanup = (): void => { unregister(); watches.delete(w); if (timer) clearTimeout(timer); };
    watches.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    if (timeout > 0) timer = setTimeout(() => w.end(), timeout * 1000);
    req.on('close', cleanup);
    res.on('close', cleanup);
  }

  function bookmark(w: OpenWatch): void {
    const apiVersion = w.type.group ? `${w.type.group}/${w.version}` : w.version;
    w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: w.type.kind, apiVersion, metadata: { resourceVersion: String(api.store.resourceVersion) } } })}\n`);
  }

  function sendBookmarks(): number {
    let n = 0;
    for (const w of watches) if (w.bookmarks) { bookmark(w); n++; }
    return n;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      send(res, 401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      return;
    }
    if (url.pathname.startsWith('/_admin/')) return admin(url, method, res);
    if (method === 'GET') {
      const doc = discovery(url.pathname);
      if (doc === 'ok') { res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'); return; }
      if (doc !== undefined) { count(`GET ${url.pathname.startsWith('/openapi') ? '/openapi' : 'discovery'}`); send(res, 200, doc); return; }
    }
    const r = route(url.pathname);
    if (!r) { count(`${method} unknown`); throw new ApiError(404, 'NotFound', 'the server could not find the requested resource'); }
    const t = r.type;
    count(`${method} ${t.plural}${r.name ? '/{name}' : ''}${r.subresource ? `/${r.subresource}` : ''}${q.get('watch') === 'true' || q.get('watch') === '1' ? '?watch' : ''}`);
    if (r.subresource && !(r.subresource === 'status' && t.statusSubresource)) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${t.plural}/${r.subresource})`);
    const sub = r.subresource === 'status' ? 'status' : '';
    if (!r.name) {
      if (method === 'GET') {
        if (q.get('watch') === 'true' || q.get('watch') === '1') return watch(req, res, r, q);
        const list = api.list(t, r.version, r.namespace, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '');
        if (wantsTable(req)) { send(res, 200, toTable(t, r.version, list.items, list.metadata.resourceVersion, q.get('includeObject') ?? 'Metadata', now().getTime())); return; }
        send(res, 200, list);
        return;
      }
      if (method === 'POST') {
        const o = writeOptions(req, q);
        const created = api.create(t, r.version, r.namespace, parseBody(await readBody(req, limit), mediaType(req)), o);
        send(res, 201, created, warningHeaders(o));
        return;
      }
      if (method === 'DELETE') {
        const list = api.list(t, r.version, r.namespace, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '');
        const items = list.items.map((i) => api.delete(t, r.version, i.metadata.namespace, i.metadata.name ?? '', {}).object);
        send(res, 200, { ...list, items });
        return;
      }
      throw errors.methodNotAllowed(`${method} is not supported on a collection`);
    }
    if (method === 'GET') {
      const o = api.get(t, r.version, r.namespace, r.name);
      if (wantsTable(req)) { send(res, 200, toTable(t, r.version, [o], o.metadata.resourceVersion ?? '', q.get('includeObject') ?? 'Metadata', now().getTime())); return; }
      send(res, 200, o);
      return;
    }
    if (method === 'PUT') {
      const o = writeOptions(req, q);
      send(res, 200, api.update(t, r.version, r.namespace, r.name, parseBody(await readBody(req, limit), mediaType(req)), sub, o), warningHeaders(o));
      return;
    }
    if (method === 'PATCH') {
      const contentType = req.headers['content-type'] ? mediaType(req) : '';
      if (!Object.values(PATCH_TYPES).includes(contentType as never)) throw errors.unsupportedMediaType(contentType);
      const o = { ...writeOptions(req, q), force: q.get('force') === 'true' };
      if (contentType === PATCH_TYPES.apply && !q.get('fieldManager')) throw errors.badRequest('PATCH, application/apply-patch+yaml requires the fieldManager query parameter');
      const before = api.store.has(`${t.group}/${t.plural}`, t.namespaced ? r.namespace : undefined, r.name);
      const out = api.patch(t, r.version, r.namespace, r.name, contentType, parseBody(await readBody(req, limit), contentType), sub, o);
      send(res, before ? 200 : 201, out, warningHeaders(o));
      return;
    }
    if (method === 'DELETE') {
      if (sub) throw errors.methodNotAllowed('DELETE is not supported on the status subresource');
      const body = parseBody(await readBody(req, limit), mediaType(req));
      const options = isObject(body) ? body : {};
      const policy = q.get('propagationPolicy') ?? (typeof options.propagationPolicy === 'string' ? options.propagationPolicy : undefined);
      const pre = isObject(options.preconditions) ? options.preconditions : {};
      const deleteOpts: Parameters<KubeApi['delete']>[4] = { dryRun: q.getAll('dryRun').includes('All') || (Array.isArray(options.dryRun) && options.dryRun.includes('All')) };
      if (policy) deleteOpts.propagationPolicy = policy;
      const preconditions: { uid?: string; resourceVersion?: string } = {};
      if (typeof pre.uid === 'string') preconditions.uid = pre.uid;
      if (typeof pre.resourceVersion === 'string') preconditions.resourceVersion = pre.resourceVersion;
      deleteOpts.preconditions = preconditions;
      const { object, gone } = api.delete(t, r.version, r.namespace, r.name, deleteOpts);
      if (gone) {
        send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: r.name, group: t.group, kind: t.plural, uid: object.metadata.uid } });
      } else {
        send(res, 200, object);
      }
      return;
    }
    throw errors.methodNotAllowed(`${method} is not supported`);
  }

  function admin(url: URL, method: string, res: ServerResponse): void {
    if (method !== 'POST') throw errors.methodNotAllowed('admin endpoints take POST');
    switch (url.pathname) {
      case '/_admin/drop-watches': send(res, 200, { dropped: dropWatches() }); return;
      case '/_admin/bookmarks': send(res, 200, { sent: sendBookmarks() }); return;
      case '/_admin/compact': api.store.compact(); send(res, 200, { compactedTo: api.store.compactedRv }); return;
      case '/_admin/gc': {
        const mode = url.searchParams.get('mode');
        if (mode !== 'on' && mode !== 'off') throw errors.badRequest('mode must be on or off');
        api.garbageCollection = mode;
        send(res, 200, { garbageCollection: mode });
        return;
      }
      default: throw new ApiError(404, 'NotFound', `no admin endpoint ${url.pathname}`);
    }
  }

  function count(key: string): void {
    counts[key] = (counts[key] ?? 0) + 1;
  }

  function dropWatches(): number {
    const n = watches.size;
    for (const w of [...watches]) { watches.delete(w); w.res.socket?.destroy(); }
    return n;
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) { res.end(); return; }
      if (err instanceof ApiError) { sendStatus(res, err); return; }
      // A bug in the test server: answer 500 with a Status naming it rather than hanging the client.
      sendStatus(res, new ApiError(500, 'InternalError', `test API server: ${err instanceof Error ? err.message : String(err)}`));
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const bookmarkTimer = opts.bookmarkIntervalMs ? setInterval(sendBookmarks, opts.bookmarkIntervalMs) : undefined;
  bookmarkTimer?.unref();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    api,
    dropWatches,
    sendBookmarks,
    compact: () => api.store.compact(),
    setGarbageCollection: (mode) => { api.garbageCollection = mode; },
    watchCount: () => watches.size,
    requestCounts: () => ({ ...counts }),
    close: async () => {
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      for (const w of [...watches]) w.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Anything still open after the watch streams ended cleanly is an idle keep-alive socket.
      for (const s of sockets) s.end();
      await closed;
    },
  };
}
