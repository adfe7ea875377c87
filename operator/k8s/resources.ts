/**
 * Typed-enough access to the kinds the operator reads and writes: plain JSON requests (http.ts)
 * authenticated by client-node's KubeConfig, with explicit patch content types (k8s-testing.md §1:
 * server-side apply and JSON merge patch, never `application/json-patch+json`). Answers are the API
 * server's JSON as it is — no model classes — with apiVersion/kind filled in where a list leaves them out.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from './errors.ts';
import { kubeHttp, type KubeHttp } from './http.ts';

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
  Event: { group: '', version: 'v1', kind: 'Event', plural: 'events' },
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
  readonly #http: KubeHttp;
  readonly #fieldManager: string;
  readonly #statusManager: string;
  readonly #observe: WriteObserver;

  constructor(kc: KubeConfig, options: { fieldManager: string; statusManager: string; observe?: WriteObserver }) {
    this.#http = kubeHttp(kc);
    this.#fieldManager = options.fieldManager;
    this.#statusManager = options.statusManager;
    this.#observe = options.observe ?? (() => {});
  }

  /** The object, or undefined when it does not exist. */
  async get(k: ResourceKind, namespace: string, name: string): Promise<KubeObject | undefined> {
    try {
      return withKind(k, await this.#http.call('GET', objectPath(k, namespace, name)));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Lists in one namespace, or across all when `namespace` is undefined. */
  async list(k: ResourceKind, namespace: string | undefined, labelSelector?: string): Promise<ObjectList> {
    const answer = (await this.#http.call('GET', collectionPath(k, namespace), { query: { labelSelector } })) as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
    // List items carry no apiVersion/kind of their own (built-in kinds): added, as on a single read.
    return { items: (answer.items ?? []).map((o) => withKind(k, o)), resourceVersion: answer.metadata?.resourceVersion ?? '' };
  }

  /** Server-side apply with the operator's field manager, forcing ownership of the fields it sets. */
  async apply(k: ResourceKind, obj: KubeObject): Promise<KubeObject> {
    this.#observe('apply', k.kind);
    return withKind(k, await this.#http.call('PATCH', objectPath(k, obj.metadata.namespace ?? '', obj.metadata.name), {
      query: { fieldManager: this.#fieldManager, force: true }, body: obj, contentType: APPLY_PATCH,
    }));
  }

  /** JSON merge patch of the main resource (finalizers, replicas); carry `metadata.resourceVersion` for an optimistic lock. */
  async mergePatch(k: ResourceKind, namespace: string, name: string, body: unknown, fieldManager = this.#fieldManager): Promise<KubeObject> {
    this.#observe('patch', k.kind);
    return withKind(k, await this.#http.call('PATCH', objectPath(k, namespace, name), { query: { fieldManager }, body, contentType: MERGE_PATCH }));
  }

  /** JSON merge patch of `/status` with the status field manager (kustomize-controller's split). */
  async patchStatus(k: ResourceKind, namespace: string, name: string, status: unknown): Promise<KubeObject> {
    this.#observe('status', k.kind);
    return withKind(k, await this.#http.call('PATCH', `${objectPath(k, namespace, name)}/status`, {
      query: { fieldManager: this.#statusManager }, body: { status }, contentType: MERGE_PATCH,
    }));
  }

  /** Deletes; an object already gone is not an error. */
  async delete(k: ResourceKind, namespace: string, name: string): Promise<void> {
    this.#observe('delete', k.kind);
    try {
      await this.#http.call('DELETE', objectPath(k, namespace, name));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const APPLY_PATCH = 'application/apply-patch+yaml';
export const MERGE_PATCH = 'application/merge-patch+json';

/** `/api/v1[/namespaces/<ns>]/<plural>` or `/apis/<group>/<version>[/namespaces/<ns>]/<plural>`. */
export function collectionPath(k: ResourceKind, namespace: string | undefined): string {
  const base = k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
  return namespace === undefined ? `${base}/${k.plural}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${k.plural}`;
}

export function objectPath(k: ResourceKind, namespace: string, name: string): string {
  return `${collectionPath(k, namespace)}/${encodeURIComponent(name)}`;
}

function withKind(k: ResourceKind, o: unknown): KubeObject {
  const obj = o as KubeObject;
  return obj.apiVersion !== undefined && obj.kind !== undefined ? obj : { apiVersion: apiVersionOf(k), kind: k.kind, ...obj };
}
