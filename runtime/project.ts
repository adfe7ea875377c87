/**
 * A spec repository made ready to run (`syncspec up`, `demo`, `reconcile`): compiled with the compiler's
 * own pipeline, its generated transforms loaded, its Connections turned into connectors (created lazily,
 * secrets resolved by reference), its LookupTables into lookup data, and the state store opened.
 *
 * Transforms are compiled in memory and written to a build directory named by the hash of what was
 * emitted, so a changed spec gets a fresh module path (Node's module cache never serves the old code)
 * and an unchanged one is not written again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCatalogs, type CatalogSet } from '../compiler/catalog/load.ts';
import { loadRepo } from '../compiler/cli/repo.ts';
import { sortDiagnostics, type Diagnostic } from '../compiler/diagnostics/diagnostic.ts';
import { renderPretty, useColor } from '../compiler/diagnostics/reporters/index.ts';
import { generateSpecs } from '../compiler/emit/generate.ts';
import type { GeneratedFile } from '../compiler/emit/index.ts';
import type { LoadedDocument } from '../compiler/model.ts';
import type { Plan } from '../compiler/plan/types.ts';
import { createConnector, type ConnectionSettings, type SecretResolver } from '../connectors/shared/connection.ts';
import type { LookupTableData } from './support/transform.ts';
import { DEFAULT_STORE_PATH, describeStore, openStore, type OpenStoreHooks } from './inbox/open.ts';
import type { InboxStore } from './inbox/store.ts';
import { loadGeneratedSpec } from './specs.ts';
import type { Connector } from './support/connector.ts';
import type { WorkerOptions, WorkerSpec } from './worker.ts';

/** Where a connection really points, replacing the Connection's `url` and `auth` (the demo's emulators). */
export interface ConnectionOverride {
  url: string;
  auth?: ConnectionSettings['auth'];
  options?: Record<string, unknown>;
}

export interface ProjectOptions {
  /** Directory (or file) of the spec repository, relative to `cwd`. */
  repo: string;
  cwd?: string;
  /** Run the code already generated here (e.g. the checked-in `generated/`) instead of compiling in memory. */
  generated?: string;
  /** Where in-memory compiled transforms are written to be imported; default `<cwd>/.syncspec/build`. */
  buildDir?: string;
  /** SyncSpecs to run; all of the repository's when omitted. */
  specs?: readonly string[];
  /** State store: a SQLite file or a postgres:// URL; default `$SYNCSPEC_STORE` or `.syncspec/state.db`. `false` opens none. */
  store?: string | false;
  storeHooks?: OpenStoreHooks;
  overrides?: Readonly<Record<string, ConnectionOverride>>;
  env?: Readonly<Record<string, string | undefined>>;
  /** Resolves secret references; default env / file / mounted Kubernetes Secret (see `secretResolver`). */
  secrets?: SecretResolver;
}

/** The repository could not be compiled or run; `diagnostics` say why (SS5090 and what the compiler found). */
export class ProjectError extends Error {
  readonly code: string;
  readonly diagnostics: Diagnostic[];
  readonly sources: ReadonlyMap<string, string | undefined>;
  constructor(code: string, message: string, diagnostics: Diagnostic[] = [], sources: ReadonlyMap<string, string | undefined> = new Map()) {
    super(`${code}: ${message}`);
    this.name = 'ProjectError';
    this.code = code;
    this.diagnostics = diagnostics;
    this.sources = sources;
  }
}

/** A secret reference that cannot be read (SS5091); the message names where it looked, never a value. */
export class SecretError extends Error {
  readonly code = 'SS5091';
  constructor(message: string) {
    super(`SS5091: ${message}`);
    this.name = 'SecretError';
  }
}

/** One compile of the repository: what each selected spec became, and every diagnostic. */
export interface CompiledProject {
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
  sources: Map<string, string | undefined>;
  catalogs: CatalogSet;
  /** Spec name → its generated files (plan.json, transform.ts, types.ts) and plan; only specs without errors. */
  specs: Map<string, { plan: Plan; files: GeneratedFile[] }>;
  /** Selected spec names that have errors, sorted. */
  failed: string[];
  /** Errors not tied to one spec (Connections, LookupTables, EntitySchemas, unreadable files). */
  shared: Diagnostic[];
}

/** Compiles the repository in memory (load → validate → check → mapping → plan → emit); never throws on bad specs. */
export function compileProject(repo: string, cwd: string, only?: readonly string[]): CompiledProject {
  const loaded = loadRepo([repo], cwd);
  const catalogs = buildCatalogs(loaded.documents);
  const specDocs = loaded.documents.filter((d) => d.kind === 'SyncSpec' && d.name !== undefined);
  const names = specDocs.map((d) => d.name as string);
  const selected = only ? [...new Set(only)].sort() : [...names].sort();
  const unknown = selected.filter((n) => !names.includes(n));
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  for (const name of unknown) {
    diagnostics.push({ code: 'SS5094', severity: 'error', summary: `no SyncSpec named "${name}" in ${repo}`, detail: `Specs in the repository: ${[...names].sort().join(', ') || '(none)'}.` });
  }
  const out = generateSpecs(loaded.documents, loaded.mapping, new Set(selected));
  // The check phase already runs the mapping checks (for `validate`); report each finding once.
  for (const d of out.diagnostics) if (!diagnostics.some((e) => sameDiagnostic(d, e))) diagnostics.push(d);
  for (const e of out.codegenErrors) diagnostics.push({ code: e.code, severity: 'error', summary: e.message });
  const fileOf = new Map(specDocs.map((d) => [d.name as string, d.file]));
  const errorFiles = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.range?.file));
  const specFiles = new Set(fileOf.values());
  const shared = diagnostics.filter((d) => d.severity === 'error' && (d.range === undefined || !specFiles.has(d.range.file)) && d.code !== 'SS5094');
  const specs = new Map<string, { plan: Plan; files: GeneratedFile[] }>();
  const failed = new Set<string>([...out.failed, ...out.codegenErrors.map((e) => e.spec), ...unknown]);
  for (const { mapping, plan } of out.compiled) {
    if (failed.has(mapping.name) || errorFiles.has(fileOf.get(mapping.name))) {
      failed.add(mapping.name);
      continue;
    }
    specs.set(mapping.name, { plan, files: out.files.filter((f) => f.path.startsWith(`${mapping.name}/`)) });
  }
  for (const name of selected) if (!specs.has(name)) failed.add(name);
  return { documents: loaded.documents, diagnostics: sortDiagnostics(diagnostics), sources: loaded.sources, catalogs, specs, failed: [...failed].sort(), shared };
}

const SUPPORT_URL = new URL('./support/index.ts', import.meta.url).href;

/**
 * Writes one spec's generated files under `<buildDir>/<hash>/<spec>/` and imports them. Generated code
 * imports `#support`, which only resolves inside this package; the build directory may be anywhere, so
 * the specifier is pointed at the support module's file URL.
 */
export async function importCompiledSpec(buildDir: string, name: string, files: readonly GeneratedFile[]): Promise<WorkerSpec> {
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.path).update('\0').update(f.text).update('\0');
  const dir = join(buildDir, hash.digest('hex').slice(0, 16));
  if (!existsSync(join(dir, name, 'transform.ts'))) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(buildDir, 'package.json'), '{ "type": "module", "private": true }\n');
    for (const f of files) {
      if (!f.path.startsWith(`${name}/`)) continue;
      writeFileSync(join(dir, f.path), f.text.replaceAll(`from '#support'`, `from ${JSON.stringify(SUPPORT_URL)}`));
    }
  }
  return loadGeneratedSpec(dir, name);
}

/**
 * Resolves `{env}`, `{file}` and `{secretKeyRef}` references. A Kubernetes Secret is read where it is
 * mounted as files: `<secretsDir>/<secret name>/<key>` (`$SYNCSPEC_SECRETS_DIR`, default
 * /var/run/secrets/syncspec). File contents lose one trailing newline, as `kubectl create secret --from-file` keeps it.
 */
export function secretResolver(options: { connection: string; env: Readonly<Record<string, string | undefined>>; cwd: string }): SecretResolver {
  const secretsDir = options.env.SYNCSPEC_SECRETS_DIR || '/var/run/secrets/syncspec';
  const where = (field: string) => `connection ${options.connection}: ${field}`;
  const readSecretFile = async (path: string, field: string, what: string): Promise<string> => {
    let text: string;
    try {
      text = await readFile(isAbsolute(path) ? path : resolve(options.cwd, path), 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
      throw new SecretError(`${where(field)}: ${what} ${path} ${reason}`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value === '') throw new SecretError(`${where(field)}: ${what} ${path} is empty`);
    return value;
  };
  return async (ref, field) => {
    if (typeof ref === 'object' && ref !== null && !Array.isArray(ref)) {
      const r = ref as Record<string, unknown>;
      if (typeof r.env === 'string') {
        const value = options.env[r.env];
        if (value === undefined || value === '') throw new SecretError(`${where(field)}: environment variable ${r.env} is not set`);
        return value;
      }
      if (typeof r.file === 'string') return readSecretFile(r.file, field, 'file');
      const key = r.secretKeyRef as { name?: unknown; key?: unknown } | undefined;
      if (key && typeof key.name === 'string' && typeof key.key === 'string') {
        return readSecretFile(join(secretsDir, key.name, key.key), field, `Kubernetes Secret ${key.name}/${key.key}, mounted as`);
      }
    }
    throw new SecretError(`${where(field)}: not a secret reference (expected {env}, {file} or {secretKeyRef})`);
  };
}

interface ConnectionDoc {
  system: string;
  url: string;
  timezone?: string;
  auth: ConnectionSettings['auth'];
  rateLimit?: { requestsPerSecond: number; burst?: number };
  webhook?: { secret?: unknown };
  options?: Record<string, unknown>;
}

/** The Connection documents of a repository as connector settings, with overrides applied. */
export function connectionSettings(documents: readonly LoadedDocument[], overrides: Readonly<Record<string, ConnectionOverride>> = {}): Map<string, ConnectionSettings & { rateLimit?: { requestsPerSecond: number; burst?: number } }> {
  const out = new Map<string, ConnectionSettings & { rateLimit?: { requestsPerSecond: number; burst?: number } }>();
  for (const doc of documents) {
    if (doc.kind !== 'Connection' || doc.name === undefined) continue;
    const spec = (doc.value as { spec?: ConnectionDoc }).spec;
    if (!spec) continue;
    const o = overrides[doc.name];
    const settings: ConnectionSettings & { rateLimit?: { requestsPerSecond: number; burst?: number } } = {
      name: doc.name,
      system: spec.system,
      url: o?.url ?? spec.url,
      auth: o?.auth ?? spec.auth,
    };
    if (spec.timezone !== undefined) settings.timezone = spec.timezone;
    if (spec.webhook !== undefined) settings.webhook = spec.webhook;
    const options = o?.options ? { ...spec.options, ...o.options } : spec.options;
    if (options !== undefined) settings.options = options;
    // An emulator has no vendor quota to protect; the spec's limit would only slow the demo down.
    if (spec.rateLimit !== undefined && !o) settings.rateLimit = spec.rateLimit;
    out.set(doc.name, settings);
  }
  return out;
}

/** LookupTable documents → the data `lookup()` reads. */
export function lookupTables(documents: readonly LoadedDocument[]): Record<string, LookupTableData> {
  const out: Record<string, LookupTableData> = {};
  for (const doc of documents) {
    if (doc.kind !== 'LookupTable' || doc.name === undefined) continue;
    const spec = (doc.value as { spec?: { entries?: Record<string, string | number>; default?: string | number } }).spec;
    const table: LookupTableData = { entries: { ...spec?.entries } };
    if (spec?.default !== undefined) table.default = spec.default;
    out[doc.name] = table;
  }
  return out;
}

/** What `new Worker({ ...setup, log, http })` needs, and the specs left out because a connection could not be built. */
export type WorkerSetup = Pick<WorkerOptions, 'specs' | 'connectors' | 'lookups' | 'rateLimits' | 'webhookSecrets' | 'store'> & {
  skipped: { spec: string; connection: string; message: string }[];
};

export interface Project {
  /** The repository directory as given. */
  repo: string;
  cwd: string;
  compiled: CompiledProject;
  /** The selected specs, loaded and ready for a Worker, sorted by name. */
  specs: WorkerSpec[];
  /** Connection name → settings (after overrides; secrets still references). */
  connections: Map<string, ConnectionSettings & { rateLimit?: { requestsPerSecond: number; burst?: number } }>;
  /** The connector of a connection, created on first use and then shared. */
  connector(name: string): Promise<Connector>;
  lookups: Record<string, LookupTableData>;
  catalogs: CatalogSet;
  /** The opened store (undefined with `store: false`). */
  store: InboxStore | undefined;
  /** Where the store lives, password redacted. */
  storeLocation: string | undefined;
  /**
   * Specs, connectors, lookups, rate limits, webhook secrets and the store (the project's, or `store`) of
   * the selected specs, for `new Worker({ ...options, log, http })`.
   */
  workerOptions(store?: InboxStore, mode?: { skipUnbuildable?: boolean }): Promise<WorkerSetup>;
  close(): Promise<void>;
}

/**
 * Loads a repository for running. Throws ProjectError (SS5090 with the compiler's diagnostics) when a
 * selected spec or a shared document has errors; nothing is opened in that case.
 */
export async function loadProject(options: ProjectOptions): Promise<Project> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const compiled = compileProject(options.repo, cwd, options.specs);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const n = errors.length;
    throw new ProjectError('SS5090', `${options.repo} does not compile (${n} error${n === 1 ? '' : 's'}); nothing was started`, compiled.diagnostics, compiled.sources);
  }
  const buildDir = options.buildDir ?? resolve(cwd, '.syncspec/build');
  const specs: WorkerSpec[] = [];
  for (const [name, { files }] of [...compiled.specs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const spec = options.generated !== undefined ? await loadGeneratedSpec(resolve(cwd, options.generated), name) : await importCompiledSpec(buildDir, name, files);
    specs.push(spec);
  }
  const connections = connectionSettings(compiled.documents, options.overrides);
  const connectors = new Map<string, Promise<Connector>>();
  const connector = (name: string): Promise<Connector> => {
    let c = connectors.get(name);
    if (!c) {
      const settings = connections.get(name);
      if (!settings) return Promise.reject(new ProjectError('SS5074', `no Connection named "${name}" in ${options.repo}`));
      c = createConnector(settings, options.secrets ?? secretResolver({ connection: name, env, cwd }));
      // A failed build is not cached: a secret mounted a moment later is picked up by the next call.
      c.catch(() => connectors.delete(name));
      connectors.set(name, c);
    }
    return c;
  };
  let store: InboxStore | undefined;
  let storeLocation: string | undefined;
  if (options.store !== false) {
    const location = options.store ?? env.SYNCSPEC_STORE ?? DEFAULT_STORE_PATH;
    storeLocation = describeStore(location);
    try {
      store = await openStore(location, cwd, options.storeHooks);
    } catch (err) {
      throw new ProjectError('SS5010', `cannot open state store ${storeLocation}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const lookups = lookupTables(compiled.documents);
  return {
    repo: options.repo,
    cwd,
    compiled,
    specs,
    connections,
    connector,
    lookups,
    catalogs: compiled.catalogs,
    store,
    storeLocation,
    /**
     * Builds the connector of every connection the specs use. A connection that cannot be built (a secret
     * not set, an unsupported system) throws, or with `skipUnbuildable` leaves out the specs using it.
     */
    async workerOptions(given?: InboxStore, mode: { skipUnbuildable?: boolean } = {}) {
      const into = given ?? store;
      if (!into) throw new ProjectError('SS5010', 'no state store: the project was loaded with store: false and none was given');
      const used = [...new Set(specs.flatMap((s) => [s.plan.source.connection, s.plan.target.connection]))].sort();
      const built: Record<string, Connector> = {};
      const rateLimits: Record<string, { requestsPerSecond: number; burst?: number }> = {};
      const webhookSecrets: Record<string, string> = {};
      const broken = new Map<string, string>();
      for (const name of used) {
        try {
          const settings = connections.get(name);
          const secretRef = settings?.webhook?.secret;
          if (secretRef !== undefined) webhookSecrets[name] = await (options.secrets ?? secretResolver({ connection: name, env, cwd }))(secretRef, 'webhook.secret');
          built[name] = await connector(name);
          if (settings?.rateLimit) rateLimits[name] = settings.rateLimit;
        } catch (err) {
          if (!mode.skipUnbuildable) throw err;
          broken.set(name, err instanceof Error ? err.message : String(err));
        }
      }
      const runnable = specs.filter((s) => !broken.has(s.plan.source.connection) && !broken.has(s.plan.target.connection));
      const skipped = specs
        .filter((s) => !runnable.includes(s))
        .map((s) => {
          const connection = broken.has(s.plan.source.connection) ? s.plan.source.connection : s.plan.target.connection;
          return { spec: s.plan.name, connection, message: broken.get(connection) as string };
        });
      return { specs: runnable, connectors: built, lookups, rateLimits, webhookSecrets, store: refsByTargetKey(into, runnable.map((s) => s.plan)), skipped };
    },
    async close() {
      const all = await Promise.allSettled(connectors.values());
      for (const r of all) if (r.status === 'fulfilled') await r.value.close();
      await store?.close();
    },
  };
}

/**
 * `ref()` reads the crosswalk, which holds the target's record id (Kingdee's internal FCUSTID), while a
 * Kingdee reference field wants the business number (FNumber, the spec's target key). For specs whose
 * target is Kingdee, this store view answers `ref()` with the target key the crosswalk also keeps.
 * Everything else passes to the store untouched.
 */
export function refsByTargetKey(store: InboxStore, plans: readonly Plan[]): InboxStore {
  const byKey = new Set(plans.filter((p) => p.target.system === 'kingdee-k3cloud').map((p) => p.name));
  if (byKey.size === 0) return store;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'crosswalkGet') {
        return async (spec: string, sourceIds: readonly string[]): Promise<Map<string, string>> => {
          if (!byKey.has(spec)) return target.crosswalkGet(spec, sourceIds);
          const out = new Map<string, string>();
          for (const id of sourceIds) {
            const entry = await target.crosswalkBySourceId(spec, id);
            if (entry?.targetKey !== undefined) out.set(id, entry.targetKey);
          }
          return out;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}


/** Prints a ProjectError: the compiler's diagnostics with the pretty reporter, then the one-line reason. */
export function reportProjectError(err: unknown, io: { stderr: (t: string) => void; env: Record<string, string | undefined>; isTTY: boolean }): void {
  if (err instanceof ProjectError) {
    if (err.diagnostics.length > 0) io.stderr(renderPretty(err.diagnostics, { color: useColor(io.env, io.isTTY), sources: err.sources }));
    io.stderr(`error ${err.message}\n`);
  } else if (err instanceof SecretError || (err instanceof Error && /^SS\d{4}: /.test(err.message))) {
    io.stderr(`error ${err.message}\n`);
  } else {
    throw err;
  }
}

function sameDiagnostic(a: Diagnostic, b: Diagnostic): boolean {
  return a.code === b.code && a.summary === b.summary && a.range?.file === b.range?.file && a.range?.start.offset === b.range?.start.offset;
}
