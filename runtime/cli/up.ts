/**
 * `syncspec up [--repo specs] [--spec name…] [--store …] [--host h] [--port p]`: compiles the repository,
 * runs a worker for its specs in this process (webhooks, metrics and health on one HTTP server) and
 * watches the repository. On a save it recompiles: a spec whose mappings changed gets its new transform
 * swapped in place; a change of triggers, endpoints, delivery settings, Connections or LookupTables
 * restarts the worker (drained first, same port, same store). A change that does not compile is printed
 * with file:line:col and the last good version keeps running. SIGINT / SIGTERM drain and exit.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { watch, type FSWatcher } from 'chokidar';
import pino from 'pino';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CliIO } from '../../cli/io.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { renderPretty, useColor } from '../../compiler/diagnostics/reporters/index.ts';
import type { Plan } from '../../compiler/plan/types.ts';
import { DEFAULT_STORE_PATH, describeStore, loggingHooks, openStore } from '../inbox/open.ts';
import type { InboxStore } from '../inbox/store.ts';
import { systemClock } from '../clock.ts';
import { createLogger, type Logger } from '../ops/log.ts';
import { scheduledReconcile } from '../reconcile/scheduled.ts';
import type { GeneratedFile } from '../../compiler/emit/index.ts';
import { compileProject, connectionSettings, importCompiledSpec, loadProject, lookupTables, ProjectError, reportProjectError, type CompiledProject, type Project } from '../project.ts';
import type { CompiledTransform } from '../support/transform.ts';
import { Worker, type WorkerSpec } from '../worker.ts';
import { untilInterrupted } from './signals.ts';

const USAGE = 'syncspec up [--repo specs] [--spec <name>…] [--store <file|postgres://…>] [--host 127.0.0.1] [--port 8787] [--no-watch]';
export const DEFAULT_PORT = 8787;

export async function run(args: string[], io: CliIO): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        repo: { type: 'string', default: 'specs' },
        spec: { type: 'string', multiple: true },
        store: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: String(DEFAULT_PORT) },
        'no-watch': { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    io.stderr(`syncspec up: ${err instanceof Error ? err.message : String(err)}\nUsage: ${USAGE}\n`);
    return EXIT_USAGE;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`syncspec up: --port must be 0–65535, not "${values.port}"\n`);
    return EXIT_USAGE;
  }
  // Worker logs are JSON lines on stderr; stdout carries what a person reads (what runs, reloads, diagnostics).
  const log = createLogger({ destination: pino.destination({ dest: 2, sync: false }) });
  const location = values.store ?? io.env.SYNCSPEC_STORE ?? DEFAULT_STORE_PATH;
  const session = new UpSession({ io, log, repo: values.repo, specs: values.spec, host: values.host, port });
  try {
    await session.load();
  } catch (err) {
    reportProjectError(err, io);
    await session.close().catch(() => undefined);
    return EXIT_PROBLEMS;
  }
  let store: InboxStore;
  try {
    store = await openStore(location, io.cwd, loggingHooks(log, location));
  } catch (err) {
    io.stderr(`error SS5010: cannot open state store ${describeStore(location)}: ${err instanceof Error ? err.message : String(err)}\n`);
    await session.close().catch(() => undefined);
    return EXIT_PROBLEMS;
  }
  try {
    await session.start(store);
  } catch (err) {
    // Whatever failed, nothing may keep the process alive: close what was opened, then say why.
    await session.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    if (err instanceof Error && !/^SS\d{4}: /.test(err.message)) io.stderr(`error: the worker could not start: ${err.message}\n`);
    else reportProjectError(err, io);
    return EXIT_PROBLEMS;
  }
  io.stdout(`syncspec up: ${session.running().length} spec(s) from ${values.repo}/, store ${describeStore(location)}\n`);
  io.stdout(session.describe());
  const watcher = values['no-watch'] ? undefined : session.watch();
  io.stdout(watcher ? `watching ${values.repo}/ for changes (Ctrl-C to stop)\n` : 'not watching (--no-watch); Ctrl-C to stop\n');
  await untilInterrupted();
  io.stdout('stopping: draining the worker…\n');
  await watcher?.close();
  const outcome = await session.close();
  await store.close();
  io.stdout(outcome === 'timeout' ? 'stopped (drain bound reached; unfinished events stay in the inbox)\n' : 'stopped\n');
  return outcome === 'timeout' ? EXIT_PROBLEMS : EXIT_OK;
}

/** What a running spec is bound to: a change here needs a worker restart, a change elsewhere only a new transform. */
function structure(plan: Plan): string {
  const { source, target, triggers, delivery, lookups, refs, sla } = plan;
  return JSON.stringify({ source, target, triggers, delivery, lookups, refs, sla });
}

/** Connections and LookupTables as the worker sees them (overrides included). */
function environment(compiled: CompiledProject): string {
  return JSON.stringify({ connections: [...connectionSettings(compiled.documents)].sort(), lookups: lookupTables(compiled.documents) });
}

interface Slot {
  /** The version running now; the worker calls through this, so replacing it swaps the transform. */
  current: WorkerSpec;
  /** Hash of the generated code it came from: an unchanged spec is not swapped. */
  code: string;
}

function codeHash(files: readonly GeneratedFile[] | undefined): string {
  const h = createHash('sha256');
  for (const f of files ?? []) h.update(f.path).update('\0').update(f.text).update('\0');
  return h.digest('hex');
}

class UpSession {
  #o: { io: CliIO; log: Logger; repo: string; specs: string[] | undefined; host: string; port: number };
  #project: Project | undefined;
  #store: InboxStore | undefined;
  #worker: Worker | undefined;
  #slots = new Map<string, Slot>();
  /** Specs that compile but were left out at the last start (a connection could not be built). */
  #skipped = new Set<string>();
  #environment = '';
  #port: number;
  /** Reloads run one at a time, in the order of the saves. */
  #queue: Promise<void> = Promise.resolve();
  #pending: ReturnType<typeof setTimeout> | undefined;

  constructor(o: { io: CliIO; log: Logger; repo: string; specs: string[] | undefined; host: string; port: number }) {
    this.#o = o;
    this.#port = o.port;
  }

  get #buildDir(): string {
    return resolve(this.#o.io.cwd, '.syncspec/build');
  }

  running(): string[] {
    return [...this.#slots.keys()].sort();
  }

  /** Compiles the repository and loads its specs; throws ProjectError (printed by the caller) when it has errors. */
  async load(): Promise<void> {
    this.#project = await this.#loadProject();
  }

  #loadProject(): Promise<Project> {
    return loadProject({ repo: this.#o.repo, cwd: this.#o.io.cwd, buildDir: this.#buildDir, store: false, env: this.#o.io.env, ...(this.#o.specs ? { specs: this.#o.specs } : {}) });
  }

  async start(store: InboxStore): Promise<void> {
    this.#store = store;
    const project = this.#project as Project;
    this.#slots = new Map(project.specs.map((s) => [s.plan.name, { current: s, code: codeHash(project.compiled.specs.get(s.plan.name)?.files) }]));
    this.#environment = environment(project.compiled);
    // One spec whose connection cannot be built (a secret not set here) does not keep the others from running.
    const { skipped, ...options } = await project.workerOptions(store, { skipUnbuildable: true });
    this.#skipped = new Set(skipped.map((s) => s.spec));
    for (const connection of [...new Set(skipped.map((s) => s.connection))].sort()) {
      const mine = skipped.filter((s) => s.connection === connection);
      this.#o.io.stdout(`warning: connection ${connection} cannot be used, so ${mine.map((s) => s.spec).join(', ')} ${mine.length === 1 ? 'is' : 'are'} not started:\n  ${mine[0]?.message}\n`);
    }
    for (const s of skipped) this.#slots.delete(s.spec);
    if (this.#slots.size === 0) throw new ProjectError('SS5090', 'no spec can run: every one uses a connection that cannot be built (see above)');
    const specs = [...this.#slots.values()].map((slot) => ({ plan: slot.current.plan, transform: through(slot) }));
    const reconcile = scheduledReconcile({
      specs, connectors: options.connectors, store: options.store, lookups: options.lookups ?? {}, catalogs: project.catalogs,
      reportsDir: resolve(this.#o.io.cwd, 'reports'), clock: systemClock, log: this.#o.log,
    });
    const worker = new Worker({ ...options, specs, log: this.#o.log, http: { host: this.#o.host, port: this.#port }, reconcile });
    await worker.start();
    this.#worker = worker;
    // Restarts bind the same port, so webhook URLs configured at the vendors stay valid.
    if (worker.url) this.#port = Number(new URL(worker.url).port);
    for (const d of worker.diagnostics) this.#o.io.stdout(`warning ${d.code}: ${d.summary} (${d.detail ?? ''})\n`);
  }

  describe(): string {
    const url = this.#worker?.url ?? '';
    const lines = [...this.#slots.values()].map(({ current: { plan } }) => {
      const how = plan.triggers.map((t) => Object.keys(t)[0]).join(', ');
      const hook = plan.triggers.some((t) => 'webhook' in t) ? `  ${url}/hooks/${plan.name}` : '';
      return `  ${plan.name}  ${plan.source.connection}/${plan.source.entity} → ${plan.target.connection}/${plan.target.entity}  (${how})${hook}`;
    });
    return `${lines.join('\n')}\n  metrics ${url}/metrics  health ${url}/healthz  ready ${url}/readyz\n`;
  }

  watch(): FSWatcher {
    const watcher = watch(resolve(this.#o.io.cwd, this.#o.repo), {
      ignoreInitial: true,
      ignored: (path, stats) => (stats?.isFile() ?? false) && !/\.ya?ml$/.test(path),
      // Editors write in several steps (truncate, write, rename); wait until the file is still.
      awaitWriteFinish: { stabilityThreshold: 60, pollInterval: 20 },
    });
    watcher.on('all', () => {
      // Several files saved together (a branch switch) make one reload.
      clearTimeout(this.#pending);
      this.#pending = setTimeout(() => {
        this.#queue = this.#queue.then(() => this.reload()).catch((err: unknown) => {
          this.#o.io.stdout(`error: reload failed: ${err instanceof Error ? err.message : String(err)}; the last good version keeps running\n`);
        });
      }, 100);
    });
    return watcher;
  }

  /** Recompiles and applies what changed; never stops what runs because of a broken spec. */
  async reload(): Promise<void> {
    const io = this.#o.io;
    const compiled = compileProject(this.#o.repo, io.cwd, this.#o.specs);
    const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) this.#print(compiled.diagnostics, compiled.sources);
    if (compiled.shared.length > 0) {
      io.stdout(`error SS5093: the repository does not compile (${describeErrors(errors)}); the last good version of every spec keeps running\n`);
      return;
    }
    for (const name of compiled.failed) {
      if (this.#slots.has(name)) io.stdout(`error SS5093: ${name} does not compile; its last good version keeps running\n`);
      else io.stdout(`error SS5093: ${name} does not compile; it is not started\n`);
    }
    const fresh = new Map<string, { spec: WorkerSpec; code: string }>();
    for (const [name, { files }] of compiled.specs) {
      fresh.set(name, { spec: await importCompiledSpec(this.#buildDir, name, files), code: codeHash(files) });
    }
    const restart =
      environment(compiled) !== this.#environment ||
      [...fresh].some(([name, { spec }]) => {
        const slot = this.#slots.get(name);
        if (!slot) return !this.#skipped.has(name);
        return structure(slot.current.plan) !== structure(spec.plan);
      }) ||
      // A spec deleted from the repository (not merely broken) stops running.
      [...this.#slots.keys(), ...this.#skipped].some((name) => !fresh.has(name) && !compiled.failed.includes(name));
    if (restart && compiled.failed.length === 0) {
      await this.#restart();
      return;
    }
    if (restart) io.stdout('note: connection, trigger or delivery changes wait until every spec compiles; mapping changes are applied now\n');
    for (const [name, { spec, code }] of fresh) {
      const slot = this.#slots.get(name);
      if (!slot || slot.code === code || structure(slot.current.plan) !== structure(spec.plan)) continue;
      slot.current = spec;
      slot.code = code;
      io.stdout(`SS5092 reloaded ${name} ${spec.plan.version}: new transform swapped in (${spec.plan.hash.slice(0, 12)})\n`);
    }
  }

  async #restart(): Promise<void> {
    const io = this.#o.io;
    let next: Project;
    try {
      next = await this.#loadProject();
    } catch (err) {
      reportProjectError(err, io);
      io.stdout('error SS5093: the change cannot be applied; the last good version keeps running\n');
      return;
    }
    io.stdout('SS5092 reloading: connections, triggers or delivery settings changed; draining the worker and starting it again\n');
    const old = this.#project;
    await this.#worker?.stop();
    await old?.close();
    this.#project = next;
    try {
      await this.start(this.#store as InboxStore);
    } catch (err) {
      // A connector that cannot be built (a secret not set): nothing runs until the next good save.
      reportProjectError(err, io);
      io.stdout('error SS5093: the new version could not start; fix it and save again\n');
      this.#worker = undefined;
      return;
    }
    io.stdout(this.describe());
  }

  #print(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string | undefined>): void {
    const io = this.#o.io;
    io.stdout(renderPretty(diagnostics, { color: useColor(io.env, io.isTTY), sources }));
  }

  async close(): Promise<'drained' | 'timeout' | undefined> {
    clearTimeout(this.#pending);
    await this.#queue;
    const outcome = await this.#worker?.stop();
    await this.#project?.close();
    return outcome;
  }
}

function describeErrors(errors: readonly Diagnostic[]): string {
  return `${errors.length} error${errors.length === 1 ? '' : 's'}`;
}

/** A transform that always calls the slot's current version. */
function through(slot: Slot): CompiledTransform {
  return {
    filter: (source, ctx) => slot.current.transform.filter(source, ctx),
    transform: (source, ctx) => slot.current.transform.transform(source, ctx),
  };
}
