/**
 * Wires the SyncSpec controller: informers on SyncSpecs (the root type), on the documents a spec
 * compiles against (a changed Connection or LookupTable re-reconciles every spec of its namespace),
 * and on the objects it owns (an edited or deleted Deployment wakes its owner, which restores it).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config.ts';
import type { Clock } from '../controller/clock.ts';
import { Controller, ownerKey, ownKey } from '../controller/controller.ts';
import { Informer, metadataOnly } from '../controller/informer.ts';
import type { OperatorMetrics } from '../controller/metrics.ts';
import { KINDS, type KubeObject, type ResourceKind, type Resources } from '../k8s/resources.ts';
import { authoredSpec } from '../k8s/user-fields.ts';
import type { EventRecorder } from '../status/events.ts';
import { MANAGED_BY, OWNED_KINDS } from './desired.ts';
import { specText } from './context.ts';
import { CompileThread } from './compile-thread.ts';
import { SyncSpecReconciler, type ObjectCache } from './reconcile.ts';
import type { WorkerReading } from './health.ts';

export interface SyncSpecControllerDeps {
  kc: KubeConfig;
  config: OperatorConfig;
  resources: Resources;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  readWorker?: (url: string) => Promise<WorkerReading>;
}

/**
 * An object reduced to its metadata (as `metadataOnly`), its kind and the spec its authors applied
 * (`authoredSpec`: without CRD defaults), computed once per watch event rather than per compile.
 */
export function authoredOnly(kind: ResourceKind): (o: KubeObject) => KubeObject {
  return (o) => ({ ...metadataOnly(o), kind: kind.kind, spec: authoredSpec(o) });
}

/** One informer per namespace watched (or one cluster-wide), merged behind a single cache view. */
class MultiInformer implements ObjectCache {
  readonly parts: Informer[];
  constructor(parts: Informer[]) {
    this.parts = parts;
  }
  list(namespace?: string): KubeObject[] {
    return this.parts.flatMap((p) => p.list(namespace));
  }
}

export function syncSpecController(deps: SyncSpecControllerDeps): Controller {
  const { kc, config, resources, clock, log, metrics } = deps;
  const namespaces: (string | undefined)[] = config.namespaces.length > 0 ? config.namespaces : [undefined];
  const informers = (kind: ResourceKind, labelSelector?: string, transform?: (o: KubeObject) => KubeObject): Informer[] =>
    namespaces.map((ns) => {
      const inf = new Informer(kc, {
        kind, namespace: ns, clock, log,
        list: () => resources.list(kind, ns, labelSelector),
        onRestart: (name) => metrics.informerRestarts.inc({ informer: name }),
        ...(labelSelector === undefined ? {} : { labelSelector }),
        ...(transform === undefined ? {} : { transform }),
      });
      return inf;
    });
  // The compile inputs are cached as what a compile and the event filters read: identity metadata and
  // the authored spec — not status (rewritten by every reconcile) nor managedFields.
  const specs = informers(KINDS.SyncSpec, undefined, authoredOnly(KINDS.SyncSpec));
  const connections = informers(KINDS.Connection, undefined, authoredOnly(KINDS.Connection));
  const lookupTables = informers(KINDS.LookupTable, undefined, authoredOnly(KINDS.LookupTable));
  const entitySchemas = informers(KINDS.EntitySchema, undefined, authoredOnly(KINDS.EntitySchema));
  const asInformer = (parts: Informer[]): ObjectCache => new MultiInformer(parts);
  const owned = new Map<string, ObjectCache>();
  const compiler = new CompileThread();
  const reconciler = new SyncSpecReconciler({
    compile: (spec, objects) => compiler.compile(spec, objects),
    resources, events: deps.events, clock, log, config, owned,
    context: { syncSpecs: asInformer(specs), connections: asInformer(connections), lookupTables: asInformer(lookupTables), entitySchemas: asInformer(entitySchemas) },
    ...(deps.readWorker ? { readWorker: deps.readWorker } : {}),
  });
  const controller = new Controller({ name: 'syncspec', reconciler, clock, log, metrics, workers: config.concurrency });
  /** Specs of the object's namespace whose text names it (the same rule as the compile context). */
  const dependents = (obj: KubeObject): string[] => {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name;
    return specs.flatMap((s) => s.list(ns))
      .filter((s) => s.metadata.name !== name && specText({ kind: 'SyncSpec', metadata: s.metadata, spec: s.spec }).includes(name))
      .map((s) => `${ns}/${s.metadata.name}`);
  };
  /** EntitySchemas extend the catalog of every spec in the namespace. */
  const namespaceSpecs = (obj: KubeObject): string[] => {
    const ns = obj.metadata.namespace ?? '';
    return specs.flatMap((s) => s.list(ns)).map((s) => `${ns}/${s.metadata.name}`);
  };
  // Our own status writes come back as updates: only a change outside status (generation, labels,
  // annotations such as the revision, finalizers, deletion) is worth a reconcile (GenerationChangedPredicate+).
  const seen = new Map<string, string>();
  const meaningful = (event: string, obj: KubeObject): boolean => {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    if (event === 'delete') { seen.delete(key); return true; }
    const m = obj.metadata;
    // Finalizers are left out: adding ours must not cost a second reconcile (deletion shows as deletionTimestamp).
    const signature = JSON.stringify([m.uid, m.generation, m.labels ?? {}, m.annotations ?? {}, m.deletionTimestamp ?? null]);
    const changed = seen.get(key) !== signature;
    seen.set(key, signature);
    return changed;
  };
  for (const i of specs) {
    // A spec appearing, changing or going away can fix or break a ref() in the specs that name it.
    controller.watch(i, (event, obj) => (meaningful(event, obj) ? [...ownKey(event, obj), ...dependents(obj)] : []));
  }
  for (const i of [...connections, ...lookupTables]) controller.watch(i, (_event, obj) => dependents(obj));
  for (const i of entitySchemas) controller.watch(i, (_event, obj) => namespaceSpecs(obj));
  for (const kind of OWNED_KINDS) {
    if (kind === KINDS.PrometheusRule) continue; // optional CRD: its absence must not keep the operator unready
    // Owned objects are only pruned (by label and owner) and wake their owner: their metadata is all the
    // cache keeps — a bundle ConfigMap, a Deployment's managedFields would otherwise be held per spec.
    const parts = informers(kind, `app.kubernetes.io/managed-by=${MANAGED_BY}`, metadataOnly);
    owned.set(kind.kind, new MultiInformer(parts));
    for (const i of parts) controller.watch(i, ownerKey('SyncSpec', 'syncspec.dev'));
  }
  return controller;
}
