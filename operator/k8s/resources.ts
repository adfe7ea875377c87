/**
 * Typed-enough access to the kinds the operator reads and writes, through @kubernetes/client-node with
 * explicit patch content types (k8s-testing.md §1: the generated patch methods otherwise send
 * `application/json-patch+json`). Everything outside the core group goes through CustomObjectsApi,
 * whose bodies and answers are plain JSON; core kinds use CoreV1Api, whose patch bodies are untyped too.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from './errors.ts';

export const asMergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const asApply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

export interface ResourceKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
}

export const apiVersionOf = (k: ResourceKind): string => (k.group === '' ? k.version : `${k.group}/${k.version}`);

export const KINDS = {
  SyncSpec: { group: 'syncspec.dev', version: 'v1', kind: 'SyncSpec', plural: 'syncspecs' },
  Connection: { group: 'syncspec.dev', version: 'v1', kind: 'Connection', plural: 'connections' },
  LookupTable: { group: 'syncspec.dev', version: 'v1', kind: 'LookupTable', plural: 'lookuptables' },
  EntitySchema: { group: 'syncspec.dev', version: 'v1', kind: 'EntitySchema', plural: 'entityschemas' },
  Deployment: { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments' },
  PodDisruptionBudget: { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
  PrometheusRule: { group: 'monitoring.coreos.com', version: 'v1', kind: 'PrometheusRule', plural: 'prometheusrules' },
  ConfigMap: { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  Service: { group: '', version: 'v1', kind: 'Service', plural: 'services' },
} as const satisfies Record<string, ResourceKind>;

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    ownerReferences?: OwnerReference[];
    [k: string]: unknown;
  };
  spec?: any;
  status?: any;
  [k: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
}

/** Counts writes by verb and kind (the leader-election test checks that a standby writes nothing). */
export type WriteObserver = (verb: string, kind: string) => void;

export class Resources {
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly #fieldManager: string;
  readonly #statusManager: string;
  readonly #observe: WriteObserver;

  constructor(kc: KubeConfig, options: { fieldManager: string; statusManager: string; observe?: WriteObserver }) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.#fieldManager = options.fieldManager;
    this.#statusManager = options.statusManager;
    this.#observe = options.observe ?? (() => {});
  }

  /** The object, or undefined when it does not exist. */
  async get(k: ResourceKind, namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      if (k.group === '') {
        const o = k.plural === 'configmaps'
          ? await this.core.readNamespacedConfigMap({ namespace, name })
          : await this.core.readNamespacedService({ namespace, name });
        return plain(k, o);
      }
      return (await this.custom.getNamespacedCustomObject({ group: k.group, version: k.version, plural: k.plural, namespace, name })) as KubeObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Lists in one namespace, or across all when `namespace` is undefined. */
  async list(k: ResourceKind, namespace: string | undefined, labelSelector?: string): Promise<ObjectList> {
    const sel = labelSelector === undefined ? {} : { labelSelector };
    let answer: { items?: unknown[]; metadata?: { resourceVersion?: string } };
    if (k.group === '') {
      const cm = k.plural === 'configmaps';
      answer = namespace === undefined
        ? await (cm ? this.core.listConfigMapForAllNamespaces(sel) : this.core.listServiceForAllNamespaces(sel))
        : await (cm ? this.core.listNamespacedConfigMap({ namespace, ...sel }) : this.core.listNamespacedService({ namespace, ...sel }));
      answer = { items: (answer.items ?? []).map((o) => plain(k, o)), metadata: { resourceVersion: answer.metadata?.resourceVersion ?? '' } };
    } else {
      const base = { group: k.group, version: k.version, plural: k.plural, ...sel };
      answer = namespace === undefined
        ? await this.custom.listClusterCustomObject(base)
        : await this.custom.listNamespacedCustomObject({ ...base, namespace });
    }
    return { items: (answer.items ?? []) as KubeObject[], resourceVersion: answer.metadata?.resourceVersion ?? '' };
  }

  /** Server-side apply with the operator's field manager, forcing ownership of the fields it sets. */
  async apply(k: ResourceKind, obj: KubeObject): Promise<KubeObject> {
    const namespace = obj.metadata.namespace ?? '';
    const name = obj.metadata.name;
    this.#observe('apply', k.kind);
    const common = { name, namespace, body: obj, fieldManager: this.#fieldManager, force: true };
    if (k.group === '') {
      const o = k.plural === 'configmaps'
        ? await this.core.patchNamespacedConfigMap(common, asApply)
        : await this.core.patchNamespacedService(common, asApply);
      return plain(k, o);
    }
    return (await this.custom.patchNamespacedCustomObject({ group: k.group, version: k.version, plural: k.plural, ...common }, asApply)) as KubeObject;
  }

  /** JSON merge patch of the main resource (finalizers, replicas); carry `metadata.resourceVersion` for an optimistic lock. */
  async mergePatch(k: ResourceKind, namespace: string, name: string, body: unknown, fieldManager = this.#fieldManager): Promise<KubeObject> {
    this.#observe('patch', k.kind);
    if (k.group === '') throw new Error(`mergePatch of core kind ${k.kind} is not used by the operator`);
    return (await this.custom.patchNamespacedCustomObject({ group: k.group, version: k.version, plural: k.plural, namespace, name, body, fieldManager }, asMergePatch)) as KubeObject;
  }

  /** JSON merge patch of `/status` with the status field manager (kustomize-controller's split). */
  async patchStatus(k: ResourceKind, namespace: string, name: string, status: unknown): Promise<KubeObject> {
    this.#observe('status', k.kind);
    return (await this.custom.patchNamespacedCustomObjectStatus(
      { group: k.group, version: k.version, plural: k.plural, namespace, name, body: { status }, fieldManager: this.#statusManager },
      asMergePatch,
    )) as KubeObject;
  }

  /** Deletes; an object already gone is not an error. */
  async delete(k: ResourceKind, namespace: string, name: string): Promise<void> {
    this.#observe('delete', k.kind);
    try {
      if (k.group === '') {
        if (k.plural === 'configmaps') await this.core.deleteNamespacedConfigMap({ namespace, name });
        else await this.core.deleteNamespacedService({ namespace, name });
        return;
      }
      await this.custom.deleteNamespacedCustomObject({ group: k.group, version: k.version, plural: k.plural, namespace, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/**
 * client-node turns core answers into model classes (with Date fields); the operator works on plain JSON.
 * ConfigMap and Service models name their properties as the API does, so a JSON round trip is exact.
 */
function plain(k: ResourceKind, o: unknown): KubeObject {
  const json = JSON.parse(JSON.stringify(o)) as KubeObject;
  return { apiVersion: apiVersionOf(k), kind: k.kind, ...json };
}
