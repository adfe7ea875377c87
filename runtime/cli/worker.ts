/**
 * `syncspec worker --generated <dir> [--spec <name>…]`: the worker process the operator's Deployment
 * runs. Loads the compiled bundles from `<dir>/<spec>/` (the mounted `<spec>-bundle` ConfigMap, or the
 * repo's `generated/` with `--repo` supplying Connections and LookupTables), builds the connectors
 * (secrets resolved by reference: env, file, or a Kubernetes Secret mounted under
 * `$SYNCSPEC_SECRETS_DIR`), opens the store (`--store` / `$SYNCSPEC_STORE`: a postgres:// URL in a
 * cluster, a SQLite file by default) and serves `/hooks/<spec>`, `/metrics`, `/healthz` and `/readyz`.
 * `mode: reconcile` schedules compare both systems and re-queue what differs. SIGTERM / SIGINT drain
 * within the bound and exit 0 (1 when the bound was reached).
 *
 * Logs are JSON lines on stdout, each with a code; start-up problems are also printed for people on stderr.
 *
 * Where the Connections and LookupTables come from: the bundle's `connections/<name>.yaml` and
 * `lookups/<name>.yaml` (the operator writes them); a bundle with none (the repo's `generated/`) takes
 * them, and the EntitySchemas, from `--repo <dir>`:
 *   syncspec worker --generated generated --spec crm-account-to-erp-customer --repo specs
 *
 * Environment:
 *   SYNCSPEC_STORE                  state store when --store is not given (postgres://…[?schema=s] or a SQLite path; default .syncspec/state.db)
 *   SYNCSPEC_SECRETS_DIR            where Kubernetes Secrets are mounted, `<dir>/<secret>/<key>` (default /var/run/secrets/syncspec)
 *   SYNCSPEC_REPORTS_DIR            reports of `mode: reconcile` schedules when --reports is not given (default reports/)
 *   SYNCSPEC_CONNECTION_OVERRIDES   JSON file `{ "<connection>": { "url": …, "auth"?: …, "options"?: … } }` (as --overrides)
 *   SYNCSPEC_CONNECTION_<NAME>_URL  the URL of one connection (name upper-cased, `-`/`.` as `_`), e.g.
 *                                   SYNCSPEC_CONNECTION_KINGDEE_PROD_URL=http://kingdee-emulator:8080/k3cloud/
 *   LOG_LEVEL                       pino level (default info)
 * Overrides apply in that order, `--connection name=url` last; an override drops the Connection's
 * rateLimit (it points somewhere else) and `options` are merged over the Connection's.
 */
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { renderPretty, useColor } from '../../compiler/diagnostics/reporters/index.ts';
import { createConnector } from '../../connectors/shared/connection.ts';
import { BundleError, loadBundles, type BundleSet } from '../bundle.ts';
import { systemClock, type Clock } from '../clock.ts';
import { DEFAULT_STORE_PATH, describeStore, loggingHooks, openStore } from '../inbox/open.ts';
import type { InboxStore } from '../inbox/store.ts';
import { createLogger, type Logger } from '../ops/log.ts';
import { connectionSettings, lookupTables, refsByTargetKey, secretResolver, type ConnectionOverride } from '../project.ts';
import { scheduledReconcile } from '../reconcile/scheduled.ts';
import type { Connector } from '../support/connector.ts';
import { Worker } from '../worker.ts';

const USAGE = `usage: syncspec worker --generated <dir> [--spec <name>…] [--port 8080] [--host 0.0.0.0]
         [--store <file|postgres://…>] [--reports <dir>] [--repo <specs dir>] [--build-dir <dir>]
         [--connection name=url …] [--overrides <file.json>] [--drain-timeout <seconds>]
`;
export const DEFAULT_WORKER_PORT = 8080;

export interface WorkerArgs {
  generated: string;
  specs: string[] | undefined;
  host: string;
  port: number;
  store: string;
  reports: string;
  repo: string | undefined;
  buildDir: string;
  overrides: Record<string, ConnectionOverride>;
  drainTimeoutMs: number;
}

/** A problem with the command line or overrides: exit 2 (usage) or 1 (SS5226), with its message. */
class ArgsError extends Error {
  readonly exit: number;
  constructor(message: string, exit: number) {
    super(message);
    this.exit = exit;
  }
}

/**
 * Connection overrides, later ones winning: `--overrides file.json` (or `$SYNCSPEC_CONNECTION_OVERRIDES`)
 * with `{ "<connection>": { url, auth?, options? } }`, then `$SYNCSPEC_CONNECTION_<NAME>_URL` (name
 * upper-cased, `-` and `.` as `_`) and `--connection name=url` for the URL alone.
 */
export function connectionOverrides(values: { connection?: string[] | undefined; overrides?: string | undefined }, io: Pick<CliIO, 'cwd' | 'env'>, names: readonly string[]): Record<string, ConnectionOverride> {
  const out: Record<string, ConnectionOverride> = {};
  const file = values.overrides ?? io.env.SYNCSPEC_CONNECTION_OVERRIDES;
  if (file !== undefined && file !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(resolve(io.cwd, file), 'utf8'));
    } catch (err) {
      throw new ArgsError(`SS5226: connection overrides ${file} cannot be read as JSON: ${err instanceof Error ? err.message : String(err)}`, EXIT_PROBLEMS);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ArgsError(`SS5226: connection overrides ${file} must be a JSON object of connection name → { url, auth?, options? }`, EXIT_PROBLEMS);
    for (const [name, o] of Object.entries(parsed as Record<string, unknown>)) {
      const v = o as Partial<ConnectionOverride> | null;
      if (typeof v !== 'object' || v === null || typeof v.url !== 'string' || (v.options !== undefined && (typeof v.options !== 'object' || v.options === null))) {
        throw new ArgsError(`SS5226: connection overrides ${file}: "${name}" needs a string url (and optional auth, options objects)`, EXIT_PROBLEMS);
      }
      out[name] = v as ConnectionOverride;
    }
  }
  const setUrl = (name: string, url: string, from: string): void => {
    if (!URL.canParse(url)) throw new ArgsError(`SS5226: ${from}: "${url}" is not a URL`, EXIT_PROBLEMS);
    out[name] = { ...out[name], url };
  };
  for (const name of names) {
    const variable = `SYNCSPEC_CONNECTION_${name.toUpperCase().replace(/[-.]/g, '_')}_URL`;
    const url = io.env[variable];
    if (url !== undefined && url !== '') setUrl(name, url, variable);
  }
  for (const c of values.connection ?? []) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new ArgsError(`--connection takes name=url, got "${c}"`, EXIT_USAGE);
    setUrl(c.slice(0, eq), c.slice(eq + 1), `--connection ${c.slice(0, eq)}`);
  }
  return out;
}

function parse(args: string[], io: CliIO): { values: ReturnType<typeof parseOptions>['values']; args: Omit<WorkerArgs, 'overrides'> } {
  const { values } = parseOptions(args);
  if (values.generated === undefined) throw new ArgsError('--generated <dir> is required', EXIT_USAGE);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ArgsError(`--port must be 0–65535, not "${values.port}"`, EXIT_USAGE);
  for (const c of values.connection ?? []) if (c.indexOf('=') <= 0) throw new ArgsError(`--connection takes name=url, got "${c}"`, EXIT_USAGE);
  const drain = Number(values['drain-timeout']);
  if (!Number.isFinite(drain) || drain <= 0) throw new ArgsError(`--drain-timeout takes seconds > 0, not "${values['drain-timeout']}"`, EXIT_USAGE);
  return {
    values,
    args: {
      generated: values.generated,
      specs: values.spec,
      host: values.host,
      port,
      store: values.store ?? (io.env.SYNCSPEC_STORE || DEFAULT_STORE_PATH),
      reports: values.reports ?? (io.env.SYNCSPEC_REPORTS_DIR || 'reports'),
      repo: values.repo,
      buildDir: values['build-dir'] ?? join(tmpdir(), 'syncspec-build'),
      drainTimeoutMs: drain * 1000,
    },
  };
}

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    options: {
      generated: { type: 'string' },
      spec: { type: 'string', multiple: true },
      host: { type: 'string', default: '0.0.0.0' },
      port: { type: 'string', default: String(DEFAULT_WORKER_PORT) },
      store: { type: 'string' },
      reports: { type: 'string' },
      repo: { type: 'string' },
      'build-dir': { type: 'string' },
      connection: { type: 'string', multiple: true },
      overrides: { type: 'string' },
      // Below the pod's terminationGracePeriodSeconds (60 s in the operator's Deployment).
      'drain-timeout': { type: 'string', default: '25' },
    },
  });
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv, io);
  } catch (err) {
    const exit = err instanceof ArgsError ? err.exit : EXIT_USAGE;
    io.stderr(`syncspec worker: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return exit;
  }
  const a = parsed.args;
  // JSON lines through io.stdout (the process's stdout; tests read them back).
  const log = createLogger({ level: io.env.LOG_LEVEL || 'info', destination: { write: (line: string) => io.stdout(line) } });
  const fail = async (diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string | undefined> = new Map()): Promise<number> => {
    for (const d of diagnostics) {
      const at = d.range ? { file: d.range.file, line: d.range.start.line, col: d.range.start.col } : {};
      log[d.severity === 'error' ? 'error' : 'warn']({ code: d.code, ...at, ...(d.detail ? { detail: d.detail } : {}) }, d.summary);
    }
    // Located diagnostics get the compiler's rendering with the source line; the rest one line each.
    const located = diagnostics.filter((d) => d.range !== undefined && sources.get(d.range.file) !== undefined);
    if (located.length > 0) io.stderr(renderPretty(located, { color: useColor(io.env, io.isTTY), sources }));
    for (const d of diagnostics) if (!located.includes(d)) io.stderr(`${d.severity} ${d.code}: ${d.summary}${d.range ? ` (${d.range.file})` : ''}\n`);
    io.stderr('syncspec worker: not started\n');
    await flush(log);
    return EXIT_PROBLEMS;
  };

  let bundles: BundleSet;
  try {
    bundles = await loadBundles({ generated: a.generated, cwd: io.cwd, buildDir: a.buildDir, ...(a.specs ? { specs: a.specs } : {}), ...(a.repo !== undefined ? { repo: a.repo } : {}) });
  } catch (err) {
    if (err instanceof BundleError) return fail(err.diagnostics, err.sources);
    throw err;
  }
  const plans = bundles.specs.map((s) => s.plan);
  const used = [...new Set(plans.flatMap((p) => [p.source.connection, p.target.connection]))].sort();
  let overrides: Record<string, ConnectionOverride>;
  try {
    overrides = connectionOverrides(parsed.values, io, used);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ArgsError && err.exit === EXIT_USAGE) {
      io.stderr(`syncspec worker: ${message}\n${USAGE}`);
      return EXIT_USAGE;
    }
    return fail([{ code: 'SS5226', severity: 'error', summary: message.replace(/^SS5226: /, '') }]);
  }
  const stray = Object.keys(overrides).filter((n) => !used.includes(n)).sort();
  if (stray.length > 0) log.warn({ code: 'SS5223', connections: stray, used }, 'connection overrides name connections no spec of this worker uses; ignored');

  const built = await buildConnectors(bundles, overrides, used, io);
  if ('diagnostics' in built) return fail(built.diagnostics);
  const { connectors } = built;
  const closeConnectors = async (): Promise<void> => {
    for (const c of Object.values(connectors)) await c.close().catch(() => undefined);
  };

  let store: InboxStore;
  try {
    store = await openStore(a.store, io.cwd, loggingHooks(log, a.store));
  } catch (err) {
    await closeConnectors();
    return fail([{ code: 'SS5010', severity: 'error', summary: `cannot open state store ${describeStore(a.store)}: ${err instanceof Error ? err.message : String(err)}` }]);
  }

  const reportsDir = resolve(io.cwd, a.reports);
  const worker = bundleWorker({ bundles, connectors: built, store, log, reportsDir, http: { host: a.host, port: a.port }, drainTimeoutMs: a.drainTimeoutMs, processMetrics: true });
  const removeHandlers = { off: (): void => undefined };
  const stopped = new Promise<number>((done) => {
    removeHandlers.off = worker.installSignalHandlers(done);
  });
  try {
    await worker.start();
  } catch (err) {
    removeHandlers.off();
    await worker.stop().catch(() => undefined);
    await closeConnectors();
    await store.close().catch(() => undefined);
    return fail([{ code: 'SS5228', severity: 'error', summary: `the worker could not start: ${err instanceof Error ? err.message : String(err)}`, detail: `listening on ${a.host}:${a.port}` }]);
  }
  for (const d of worker.diagnostics) log.error({ code: d.code, detail: d.detail }, d.summary);
  if (worker.specs.length === 0) {
    removeHandlers.off();
    await worker.stop();
    await closeConnectors();
    await store.close();
    return fail([{ code: 'SS5228', severity: 'error', summary: 'no spec could be started (see the errors above)' }]);
  }
  log.info(
    { code: 'SS5070', specs: worker.specs, url: worker.url, store: describeStore(a.store), documents: bundles.origins, overridden: Object.keys(overrides).filter((n) => used.includes(n)).sort() },
    'syncspec worker serving /hooks/<spec>, /metrics, /healthz, /readyz',
  );
  const code = await stopped;
  await closeConnectors();
  await store.close().catch((err: unknown) => log.warn({ code: 'SS5007', err: err instanceof Error ? err.message : String(err) }, 'store close failed'));
  log.info({ code: code === 0 ? 'SS5072' : 'SS5073' }, code === 0 ? 'worker stopped' : 'worker stopped at the drain bound');
  await flush(log);
  return code;
}

export interface BundleWorkerOptions {
  bundles: BundleSet;
  connectors: Connectors;
  store: InboxStore;
  log: Logger;
  /** Where `mode: reconcile` schedules write their reports. */
  reportsDir: string;
  http: { host?: string; port?: number } | false;
  drainTimeoutMs?: number;
  processMetrics?: boolean;
  /** The worker's clock (triggers, schedules, delivery); tests pass a manual one. */
  clock?: Clock;
}

/**
 * The Worker of loaded bundles (not started): transforms shaped for their target, `ref()` answered by
 * target key where Kingdee needs it, lookups from the LookupTables, and `mode: reconcile` schedules run
 * by `scheduledReconcile` (gauges in the worker's registry, repairs through its deliverers).
 */
export function bundleWorker(o: BundleWorkerOptions): Worker {
  const { bundles, log } = o;
  const clock = o.clock ?? systemClock;
  const plans = bundles.specs.map((s) => s.plan);
  const reconciled = plans.filter((p) => p.triggers.some((t) => 'schedule' in t && t.schedule.mode === 'reconcile')).map((p) => p.name);
  if (reconciled.length > 0 && !writable(o.reportsDir)) {
    // The schedule writes its report before it repairs; a read-only root file system needs a mounted --reports dir.
    log.warn({ code: 'SS5202', specs: reconciled, reports: o.reportsDir }, 'the reports directory is not writable: the reconcile schedule will fail until it is (pass --reports on a writable volume)');
  }
  const specs = bundles.specs;
  const store = refsByTargetKey(o.store, plans);
  const lookups = lookupTables(bundles.documents);
  const { connectors, webhookSecrets, rateLimits } = o.connectors;
  return new Worker({
    specs,
    connectors,
    store,
    lookups,
    rateLimits,
    webhookSecrets,
    log,
    clock,
    http: o.http,
    ...(o.processMetrics !== undefined ? { processMetrics: o.processMetrics } : {}),
    ...(o.drainTimeoutMs !== undefined ? { drainTimeoutMs: o.drainTimeoutMs } : {}),
    reconcile: scheduledReconcile({ specs, connectors, store, lookups, catalogs: bundles.catalogs, reportsDir: o.reportsDir, clock, log }),
  });
}

export type Connectors = { connectors: Record<string, Connector>; webhookSecrets: Record<string, string>; rateLimits: Record<string, { requestsPerSecond: number; burst?: number }> };
type Built = Connectors | { diagnostics: Diagnostic[] };

/** One connector per connection used; every connection that cannot be built is reported, none is half-built. */
export async function buildConnectors(bundles: BundleSet, overrides: Record<string, ConnectionOverride>, used: readonly string[], io: Pick<CliIO, 'cwd' | 'env'>): Promise<Built> {
  const settings = connectionSettings(bundles.documents, overrides);
  const connectors: Record<string, Connector> = {};
  const webhookSecrets: Record<string, string> = {};
  const rateLimits: Record<string, { requestsPerSecond: number; burst?: number }> = {};
  const diagnostics: Diagnostic[] = [];
  for (const name of used) {
    const s = settings.get(name);
    if (!s) {
      diagnostics.push({ code: 'SS5223', severity: 'error', summary: `no Connection named "${name}"` });
      continue;
    }
    const secrets = secretResolver({ connection: name, env: io.env, cwd: io.cwd });
    try {
      if (s.webhook?.secret !== undefined) webhookSecrets[name] = await secrets(s.webhook.secret, 'webhook.secret');
      connectors[name] = await createConnector(s, secrets);
      if (s.rateLimit) rateLimits[name] = s.rateLimit;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const m = /^(SS\d{4}): (.*)$/s.exec(message);
      const code = (err as { code?: unknown }).code;
      const text = m?.[2] ?? message;
      // Connector and secret errors already name the connection; others get it said.
      diagnostics.push({ code: m?.[1] ?? (typeof code === 'string' && /^SS\d{4}$/.test(code) ? code : 'SS5228'), severity: 'error', summary: text.startsWith(`connection ${name}`) ? text : `connection ${name}: ${text}` });
    }
  }
  if (diagnostics.length > 0) {
    for (const c of Object.values(connectors)) await c.close().catch(() => undefined);
    return { diagnostics };
  }
  return { connectors, webhookSecrets, rateLimits };
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function flush(log: Logger): Promise<void> {
  return new Promise((done) => log.flush(() => done()));
}
