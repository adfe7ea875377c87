/**
 * The resource types the test API server serves: the built-in kinds the operator uses and the
 * custom resources of every CRD registered at runtime. Discovery documents derive from here.
 */
import { isObject, type KubeObject } from './types.ts';
import type { Schema } from './schema.ts';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface ResourceType {
  group: string;
  /** Served versions, storage version first. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  statusSubresource: boolean;
  /** Custom resources only: the structural schema of each served version. */
  schemas?: Record<string, Schema>;
  printerColumns?: Record<string, PrinterColumn[]>;
  /** Custom resources only: the CRD that registered this type. */
  crdName?: string;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function builtin(group: string, version: string, plural: string, kind: string, namespaced: boolean, opts: { short?: string[]; status?: boolean; categories?: string[] } = {}): ResourceType {
  return {
    group, versions: [version], plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List`, namespaced,
    shortNames: opts.short ?? [], categories: opts.categories ?? [], statusSubresource: opts.status ?? false,
  };
}

export function builtinTypes(): ResourceType[] {
  return [
    builtin('', 'v1', 'namespaces', 'Namespace', false, { short: ['ns'], status: true }),
    builtin('', 'v1', 'configmaps', 'ConfigMap', true, { short: ['cm'] }),
    builtin('', 'v1', 'secrets', 'Secret', true),
    builtin('', 'v1', 'services', 'Service', true, { short: ['svc'], status: true, categories: ['all'] }),
    builtin('', 'v1', 'events', 'Event', true, { short: ['ev'] }),
    builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { short: ['sa'] }),
    builtin('', 'v1', 'pods', 'Pod', true, { short: ['po'], status: true, categories: ['all'] }),
    builtin('events.k8s.io', 'v1', 'events', 'Event', true, { short: ['ev'] }),
    builtin('apps', 'v1', 'deployments', 'Deployment', true, { short: ['deploy'], status: true, categories: ['all'] }),
    builtin('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { short: ['pdb'], status: true }),
    builtin('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
    builtin('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, { short: ['crd', 'crds'], status: true, categories: ['api-extensions'] }),
    builtin('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
    builtin('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
    builtin('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
    builtin('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  ];
}

/** Builds the resource type a CRD declares; `undefined` when it serves no version. */
export function typeFromCrd(crd: KubeObject): ResourceType | undefined {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
  const served = versions.filter((v) => v.served === true);
  if (served.length === 0) return undefined;
  served.sort((a, b) => Number(b.storage === true) - Number(a.storage === true));
  const schemas: Record<string, Schema> = {};
  const printerColumns: Record<string, PrinterColumn[]> = {};
  let status = false;
  for (const v of served) {
    const name = String(v.name);
    const schema = isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
    if (schema) schemas[name] = schema;
    if (Array.isArray(v.additionalPrinterColumns)) printerColumns[name] = v.additionalPrinterColumns.filter(isObject) as unknown as PrinterColumn[];
    if (isObject(v.subresources) && isObject(v.subresources.status)) status = true;
  }
  const kind = String(names.kind ?? '');
  return {
    group: String(spec.group ?? ''),
    versions: served.map((v) => String(v.name)),
    plural: String(names.plural ?? ''),
    singular: String(names.singular ?? kind.toLowerCase()),
    kind,
    listKind: String(names.listKind ?? `${kind}List`),
    namespaced: spec.scope !== 'Cluster',
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
    categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
    statusSubresource: status,
    schemas,
    printerColumns,
    crdName: crd.metadata.name ?? '',
  };
}

export class Registry {
  readonly #types = new Map<string, ResourceType>();

  constructor() {
    for (const t of builtinTypes()) this.add(t);
  }

  add(t: ResourceType): void {
    this.#types.set(`${t.group}/${t.plural}`, t);
  }

  removeCrd(crdName: string): ResourceType | undefined {
    for (const [key, t] of this.#types) if (t.crdName === crdName) { this.#types.delete(key); return t; }
    return undefined;
  }

  get(group: string, version: string, plural: string): ResourceType | undefined {
    const t = this.#types.get(`${group}/${plural}`);
    return t && t.versions.includes(version) ? t : undefined;
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    for (const t of this.#types.values()) if (t.group === group && t.kind === kind && t.versions.includes(version ?? '')) return t;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.#types.values()].sort((a, b) => `${a.group}/${a.plural}`.localeCompare(`${b.group}/${b.plural}`));
  }

  /** Group → versions, groups sorted with built-in groups first as the real server orders them. */
  groups(): { name: string; versions: string[] }[] {
    const map = new Map<string, Set<string>>();
    for (const t of this.all()) {
      if (!t.group) continue;
      const set = map.get(t.group) ?? new Set<string>();
      for (const v of t.versions) set.add(v);
      map.set(t.group, set);
    }
    return [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, vs]) => ({ name, versions: [...vs] }));
  }

  resourceList(group: string, version: string): Record<string, unknown> | undefined {
    const types = this.all().filter((t) => t.group === group && t.versions.includes(version));
    if (types.length === 0) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const t of types) {
      const entry: Record<string, unknown> = { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: VERBS };
      if (t.shortNames.length) entry.shortNames = t.shortNames;
      if (t.categories.length) entry.categories = t.categories;
      resources.push(entry);
      if (t.statusSubresource) resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }
}
