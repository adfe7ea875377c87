/**
 * Reconcile one SyncSpec, level-based (style.md §2.18, kustomize-controller's order): read it; on
 * deletion prune what it owns and release the finalizer; add the finalizer before any work; compile it
 * with its namespace's Connections, LookupTables, EntitySchemas and SyncSpecs. A spec that does not
 * compile is Stalled with the diagnostics and its last good Deployment and ConfigMap are left alone.
 * A spec that compiles is server-side applied (Deployment, bundle ConfigMap, Service, PDB,
 * PrometheusRule), what it no longer needs is pruned, and the worker's own metrics give the data-flow
 * conditions. Status is patched only when it changed; Events mark transitions only.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import type { Clock } from '../controller/clock.ts';
import { done, OperatorError, retry, terminal, type ObjectKey, type Outcome } from '../controller/outcome.ts';
import { describeError, isNotFound, isTerminal } from '../k8s/errors.ts';
import { KINDS, type KubeObject, type Resources } from '../k8s/resources.ts';
import { authoredSpec } from '../k8s/user-fields.ts';
import { getCondition, readConditions, removeCondition, setCondition, type Condition, type ConditionInput } from '../status/conditions.ts';
import type { EventRecorder } from '../status/events.ts';
import { selectContext, summarise, type Bundle, type CompileResult, type SpecObject } from './context.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';
import { desiredObjects, OWNED_KINDS, REVISION_ANNOTATION, SPEC_LABEL } from './desired.ts';
import { assessHealth, readWorker, type Totals, type WorkerReading } from './health.ts';

export const FINALIZER = 'syncspec.dev/finalizer';

/** A read-only view of informer caches. */
export interface ObjectCache {
  list(namespace?: string): KubeObject[];
}

export interface SyncSpecDeps {
  resources: Resources;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  config: Pick<OperatorConfig, 'worker' | 'resyncMs' | 'workerEndpoint'>;
  /** Caches of the namespace's spec documents (the inputs to compilation). */
  context: { syncSpecs: ObjectCache; connections: ObjectCache; lookupTables: ObjectCache; entitySchemas: ObjectCache };
  /** Informer caches of owned kinds (by kind name), so routine pruning needs no LIST; kinds without one are listed. */
  owned?: ReadonlyMap<string, ObjectCache>;
  readWorker?: (url: string) => Promise<WorkerReading>;
  /** Where compiles run: a worker thread with a bounded heap in the operator (compile-thread.ts); inline when absent. */
  compile?: (spec: string, objects: readonly SpecObject[]) => Promise<CompileResult>;
}

interface SyncSpecStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  revision?: string;
  bundleHash?: string;
  deadLetters?: number;
  [k: string]: unknown;
}

/** SLOBurning looks at the error ratio and latency over this window (the alert rules' short window). */
export const SLO_WINDOW_MS = 5 * 60_000;

export class SyncSpecReconciler {
  readonly #d: SyncSpecDeps;
  /**
   * The last compile per spec and a digest of its inputs: a resync with unchanged inputs does not
   * compile again (one entry per spec, dropped when the spec goes away). Held per spec for as long as the
   * operator runs, so kept small: the inputs as a sha256, the bundle's files deflated (a third of their
   * size; inflating one on a resync costs well under a millisecond).
   */
  readonly #compiled = new Map<string, { fingerprint: string; result: PackedResult }>();
  /** Worker counter readings per spec over the last SLO window, for rates over that window. */
  readonly #totals = new Map<string, { at: number; totals: Totals }[]>();

  constructor(deps: SyncSpecDeps) {
    this.#d = deps;
  }

  async reconcile(key: ObjectKey): Promise<Outcome> {
    try {
      return await this.#reconcile(key);
    } catch (err) {
      if (isTerminal(err)) return terminal(new OperatorError('SS6021', `${key.namespace}/${key.name}: the API server refused a write: ${describeError(err)}`, { cause: err }));
      return retry(err);
    }
  }

  async #reconcile(key: ObjectKey): Promise<Outcome> {
    const { resources } = this.#d;
    let obj = await resources.get(KINDS.SyncSpec, key.namespace, key.name);
    if (!obj) {
      this.#forget(key);
      return done();
    }
    if (obj.metadata.deletionTimestamp) return this.#finalize(obj);
    if (!(obj.metadata.finalizers ?? []).includes(FINALIZER)) {
      obj = await resources.mergePatch(KINDS.SyncSpec, key.namespace, key.name, {
        metadata: { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER], resourceVersion: obj.metadata.resourceVersion },
      });
    }
    let before = structuredClone((obj.status ?? {}) as SyncSpecStatus);
    const status = structuredClone(before);
    const generation = obj.metadata.generation ?? 0;
    const now = this.#d.clock.now();
    let conditions = readConditions(status.conditions);
    const set = (c: ConditionInput): void => { conditions = setCondition(conditions, c, generation, now); };
    const suspended = obj.spec?.suspend === true;

    if (status.observedGeneration !== generation && !suspended) {
      // A new generation: say so before the work (kstatus InProgress), keeping Ready as it was —
      // "Ready with the previous version, reconciling the new one" is exactly what conditions can express.
      set({ type: 'Reconciling', status: 'True', reason: 'Progressing', message: `reconciling generation ${generation}` });
      status.conditions = conditions;
      await this.#writeStatus(obj, before, status, { events: false });
      before = structuredClone(status);
    }

    if (suspended) return this.#suspend(obj, before, status, set, () => conditions);

    const result = await this.#compile(obj);
    if (!result.ok) {
      const message = summarise(result.diagnostics);
      set({ type: 'Ready', status: 'False', reason: 'CompileFailed', message });
      set({ type: 'Stalled', status: 'True', reason: 'CompileFailed', message });
      status.conditions = conditions;
      status.observedGeneration = generation;
      await this.#writeStatus(obj, before, status);
      // The last good Deployment and ConfigMap stay as they are: the old worker keeps running.
      return terminal(new OperatorError('SS6020', `${key.namespace}/${key.name} does not compile: ${message}`));
    }
    const bundle = result.bundle;
    const owner = { name: key.name, namespace: key.namespace, uid: obj.metadata.uid ?? '' };
    const desired = desiredObjects(owner, bundle, this.#d.config.worker, { suspended: false });
    const skipped: string[] = [];
    // The bundle ConfigMap first (the Deployment's pods mount it), then the others at once: a reconcile
    // waits for one round trip instead of four more, which is most of its time under a load of specs.
    const bundleFirst = desired.filter((d) => d.kind === KINDS.ConfigMap);
    const rest = desired.filter((d) => d.kind !== KINDS.ConfigMap);
    const outcomes: { d: (typeof desired)[number]; err?: unknown }[] = [];
    for (const d of bundleFirst) outcomes.push(await resources.apply(d.kind, d.object).then(() => ({ d }), (err: unknown) => ({ d, err })));
    if (!outcomes.some((o) => o.err !== undefined)) {
      outcomes.push(...await Promise.all(rest.map((d) => resources.apply(d.kind, d.object).then(() => ({ d }), (err: unknown) => ({ d, err })))));
    }
    for (const { d, err } of outcomes) {
      if (err === undefined) continue;
      // No PrometheusRule CRD in the cluster (prometheus-operator not installed): run without alert rules.
      if (d.kind === KINDS.PrometheusRule && isNotFound(err)) { skipped.push('PrometheusRule (monitoring.coreos.com CRDs not installed)'); continue; }
      if (!isTerminal(err)) throw err;
      // Refused as invalid or forbidden: retrying cannot help; say so on the object and wait for a change.
      const message = `${d.kind.kind}/${d.object.metadata.name} was refused: ${describeError(err)}`;
      set({ type: 'Ready', status: 'False', reason: 'ApplyFailed', message });
      set({ type: 'Stalled', status: 'True', reason: 'ApplyFailed', message });
      status.conditions = conditions;
      status.observedGeneration = generation;
      await this.#writeStatus(obj, before, status);
      return terminal(new OperatorError('SS6021', `${key.namespace}/${key.name}: ${message}`, { cause: err }));
    }
    await this.#prune(obj, new Set(desired.map((d) => `${d.kind.kind}/${d.object.metadata.name}`)));

    const revision = obj.metadata.annotations?.[REVISION_ANNOTATION] ?? `bundle-${bundle.hash.slice(0, 12)}`;
    status.revision = revision;
    status.bundleHash = bundle.hash;
    status.observedGeneration = generation;
    conditions = removeCondition(conditions, 'Stalled');
    conditions = removeCondition(conditions, 'Reconciling');
    const note = skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : '';
    set({ type: 'Ready', status: 'True', reason: 'Reconciled', message: `worker for ${revision} applied (bundle ${bundle.hash.slice(0, 12)})${note}` });
    const health = await this.#health(key, bundle.plan.sla);
    for (const c of health.conditions) set(c);
    if (health.deadLetters === undefined) delete status.deadLetters;
    else status.deadLetters = health.deadLetters;
    status.conditions = conditions;
    await this.#writeStatus(obj, before, status);
    return done(this.#d.config.resyncMs);
  }

  /**
   * Suspended: hands off. Nothing is compiled, applied or pruned (drift is left alone too); the worker
   * Deployment, if any, is scaled to 0 so no data moves. Resuming applies everything again, replicas included.
   */
  async #suspend(obj: KubeObject, before: SyncSpecStatus, status: SyncSpecStatus, set: (c: ConditionInput) => void, current: () => Condition[]): Promise<Outcome> {
    const ns = obj.metadata.namespace ?? '';
    const deployment = await this.#d.resources.get(KINDS.Deployment, ns, obj.metadata.name);
    const owned = deployment?.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === obj.metadata.uid);
    if (deployment && owned && deployment.spec?.replicas !== 0) {
      await this.#d.resources.mergePatch(KINDS.Deployment, ns, obj.metadata.name, { spec: { replicas: 0 } });
    }
    set({ type: 'Ready', status: 'False', reason: 'Suspended', message: 'spec.suspend is true: nothing is applied and the worker is scaled to 0' });
    let conditions = current();
    for (const t of ['Reconciling', 'Stalled', 'Synced', 'DeadLettersPresent', 'SLOBurning']) conditions = removeCondition(conditions, t);
    status.conditions = conditions;
    status.observedGeneration = obj.metadata.generation ?? 0;
    delete status.deadLetters;
    await this.#writeStatus(obj, before, status);
    return done(this.#d.config.resyncMs);
  }

  #forget(key: ObjectKey): void {
    this.#totals.delete(`${key.namespace}/${key.name}`);
    this.#compiled.delete(`${key.namespace}/${key.name}`);
  }

  async #compile(obj: KubeObject): Promise<CompileResult> {
    const ns = obj.metadata.namespace ?? '';
    const c = this.#d.context;
    // The cached objects are narrowed to what this spec names (their spec texts are memoised) as they
    // are, without a copy per object: this runs once per reconcile over every spec of the namespace.
    // Only the chosen ones are reduced to their authored fields (the operator's caches hold them so
    // already: authoredSpec is then the spec itself).
    const kinded = (o: KubeObject, kind: string): KubeObject & SpecObject => (o.kind === kind ? (o as KubeObject & SpecObject) : { ...o, kind });
    // The object under reconcile is the fresh read, not the cached copy.
    const self = kinded(obj, 'SyncSpec');
    const candidates: (KubeObject & SpecObject)[] = [self];
    for (const o of c.syncSpecs.list(ns)) if (o.metadata.name !== obj.metadata.name && !o.metadata.deletionTimestamp) candidates.push(kinded(o, 'SyncSpec'));
    for (const o of c.connections.list(ns)) candidates.push(kinded(o, 'Connection'));
    for (const o of c.lookupTables.list(ns)) candidates.push(kinded(o, 'LookupTable'));
    for (const o of c.entitySchemas.list(ns)) candidates.push(kinded(o, 'EntitySchema'));
    const objects = (selectContext(obj.metadata.name, candidates) as (KubeObject & SpecObject)[]).map((o): SpecObject => (
      { kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.labels ? { labels: o.metadata.labels } : {}) }, spec: authoredSpec(o) }));
    const fingerprint = createHash('sha256').update(JSON.stringify([obj.metadata.name, objects.map((o) => JSON.stringify([o.kind, o.metadata, o.spec])).sort()])).digest('hex');
    const id = `${ns}/${obj.metadata.name}`;
    const cached = this.#compiled.get(id);
    if (cached?.fingerprint === fingerprint) return unpack(cached.result);
    const result = this.#d.compile ? await this.#d.compile(obj.metadata.name, objects) : (await import('./compile.ts')).compileSpec(obj.metadata.name, objects);
    this.#compiled.set(id, { fingerprint, result: pack(result) });
    return result;
  }

  async #health(key: ObjectKey, sla: Parameters<typeof assessHealth>[1]): Promise<ReturnType<typeof assessHealth>> {
    const url = this.#d.config.workerEndpoint
      .replaceAll('{name}', key.name)
      .replaceAll('{namespace}', key.namespace)
      .replaceAll('{port}', '9090')
      .replace(/\/$/, '');
    const reading = await (this.#d.readWorker ?? readWorker)(url);
    const id = `${key.namespace}/${key.name}`;
    const now = this.#d.clock.now();
    const window = (this.#totals.get(id) ?? []).filter((r) => r.at >= now - SLO_WINDOW_MS);
    const result = assessHealth(key.name, sla, reading, window[0]?.totals);
    if (result.totals) window.push({ at: now, totals: result.totals });
    this.#totals.set(id, window);
    return result;
  }

  /**
   * Deletes owned objects (label + controller owner reference) that are not in `keep`. Routine pruning
   * reads the informer caches (a stale cache only delays a deletion to the next resync); cleanup on
   * deletion lists from the API server, so nothing is left behind.
   */
  async #prune(owner: KubeObject, keep: ReadonlySet<string>, source: 'cache' | 'api' = 'cache'): Promise<void> {
    const ns = owner.metadata.namespace ?? '';
    for (const kind of OWNED_KINDS) {
      let items: KubeObject[];
      const cache = source === 'cache' ? this.#d.owned?.get(kind.kind) : undefined;
      // A spec owns one object per kind, named after it (desired.ts): a kind without a cache that the
      // spec still wants has nothing to prune, and is not listed on every reconcile (one request per spec).
      if (source === 'cache' && !cache && [...keep].some((k) => k.startsWith(`${kind.kind}/`))) continue;
      try {
        items = cache
          ? cache.list(ns).filter((o) => o.metadata.labels?.[SPEC_LABEL] === owner.metadata.name)
          : (await this.#d.resources.list(kind, ns, `${SPEC_LABEL}=${owner.metadata.name}`)).items;
      } catch (err) {
        if (kind === KINDS.PrometheusRule && isNotFound(err)) continue;
        throw err;
      }
      for (const item of items) {
        const owned = item.metadata.ownerReferences?.some((r) => r.controller === true && r.uid === owner.metadata.uid);
        if (!owned || keep.has(`${kind.kind}/${item.metadata.name}`)) continue;
        this.#d.log.info({ code: 'SS6022', spec: `${ns}/${owner.metadata.name}`, object: `${kind.kind}/${item.metadata.name}` }, 'pruning an object the spec no longer needs');
        await this.#d.resources.delete(kind, ns, item.metadata.name);
      }
    }
  }

  async #finalize(obj: KubeObject): Promise<Outcome> {
    if (!(obj.metadata.finalizers ?? []).includes(FINALIZER)) return done();
    await this.#prune(obj, new Set(), 'api');
    const ns = obj.metadata.namespace ?? '';
    try {
      await this.#d.resources.mergePatch(KINDS.SyncSpec, ns, obj.metadata.name, {
        metadata: { finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER), resourceVersion: obj.metadata.resourceVersion },
      });
    } catch (err) {
      if (isNotFound(err)) return done();
      throw err;
    }
    this.#forget({ namespace: ns, name: obj.metadata.name });
    this.#d.log.info({ code: 'SS6023', spec: `${ns}/${obj.metadata.name}` }, 'spec deleted: owned objects pruned, finalizer removed');
    return done();
  }

  /** Patches /status only when it changed; records an Event for each Ready/Stalled transition. */
  async #writeStatus(obj: KubeObject, before: SyncSpecStatus, after: SyncSpecStatus, options: { events: boolean } = { events: true }): Promise<void> {
    if (isDeepStrictEqual(before, after)) return;
    const ns = obj.metadata.namespace ?? '';
    try {
      // Merge patch: fields removed from the status are sent as null.
      const patch: Record<string, unknown> = { ...after };
      for (const k of Object.keys(before)) if (!(k in after)) patch[k] = null;
      await this.#d.resources.patchStatus(KINDS.SyncSpec, ns, obj.metadata.name, patch);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!options.events) return;
    const now = this.#d.clock.now();
    for (const type of ['Ready', 'Stalled', 'DeadLettersPresent', 'SLOBurning'] as const) {
      const was = getCondition(readConditions(before.conditions), type);
      const is = getCondition(after.conditions, type);
      if (!is || (was && was.status === is.status && was.reason === is.reason)) continue;
      // A data-flow condition's first verdict is news only when it is True: "no dead letters" or "worker
      // not answering yet" (Unknown while its pod starts) on a new spec would be two Events per spec.
      if (!was && is.status !== 'True' && type !== 'Ready') continue;
      const warning = (type === 'Ready' && is.status === 'False' && is.reason !== 'Suspended') || (type !== 'Ready' && is.status === 'True');
      await this.#d.events.record({ ...obj, apiVersion: 'syncspec.dev/v1', kind: 'SyncSpec' }, { type: warning ? 'Warning' : 'Normal', reason: is.reason, message: is.message }, now);
    }
  }
}

/** A compile result as the reconciler keeps it between resyncs: the bundle's files deflated. */
type PackedResult = { ok: false; diagnostics: Diagnostic[] } | { ok: true; warnings: Diagnostic[]; bundle: Omit<Bundle, 'files'> & { packed: Uint8Array } };

function pack(result: CompileResult): PackedResult {
  if (!result.ok) return result;
  const { files, ...rest } = result.bundle;
  // Copied into an ArrayBuffer of its own size: zlib's output is a view on a 64 KB chunk, which a
  // Buffer kept per spec would hold whole (65 MB at 1,000 specs, seen in a heap snapshot).
  return { ok: true, warnings: result.warnings, bundle: { ...rest, packed: new Uint8Array(deflateRawSync(JSON.stringify(files))) } };
}

function unpack(result: PackedResult): CompileResult {
  if (!result.ok) return result;
  const { packed, ...rest } = result.bundle;
  return { ok: true, warnings: result.warnings, bundle: { ...rest, files: JSON.parse(inflateRawSync(packed).toString('utf8')) as Record<string, string> } };
}
