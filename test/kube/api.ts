/**
 * The API semantics of the test server, independent of HTTP: create, read, update, patch, apply,
 * delete with finalizers, generation and status-subresource rules, CRD registration, and the
 * optional owner-reference garbage collector. Contract: /work/shared/reference/k8s-testing.md §2.
 */
import { randomUUID } from 'node:crypto';
import { recordUpdate, serverSideApply, type ListKeys, type ManagerRef, type Scope } from './fields.ts';
import { builtinListKeys, jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { Registry, typeFromCrd, type ResourceType } from './registry.ts';
import { crdCauses, establishCrd } from './crd.ts';
import { collectOnce } from './gc.ts';
import { validateValue, type ValueReport } from './schema.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { Store } from './store.ts';
import { errors, isObject, type KubeObject, type StatusCause } from './types.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  fieldManager: string;
  fieldValidation: FieldValidation;
  dryRun: boolean;
  /** Warnings to return in `Warning` headers (unknown fields under fieldValidation=Warn). */
  warnings: string[];
}

export type GcMode = 'off' | 'on';

export interface ApiOptions {
  /** Events retained for watches; older resourceVersions get 410 Expired. */
  historyLimit?: number;
  /** Owner-reference garbage collection (off by default, like envtest). */
  garbageCollection?: GcMode;
  now?: () => Date;
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SYSTEM_META = ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'resourceVersion', 'managedFields'] as const;
const INITIAL_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

const keyOf = (t: ResourceType): string => `${t.group}/${t.plural}`;
const apiVersionOf = (t: ResourceType, version: string): string => (t.group ? `${t.group}/${version}` : version);

/** Everything but metadata (and status when it is a subresource): what `generation` tracks. */
function specPart(o: KubeObject, t: ResourceType): string {
  const { metadata: _m, status, ...rest } = o;
  return JSON.stringify(t.statusSubresource ? rest : { ...rest, status });
}

/** The object as text minus what every write changes anyway (managedFields times, resourceVersion). */
function withoutManagedTimes(o: KubeObject): string {
  const entries = new Set<unknown>(o.metadata.managedFields ?? []);
  return JSON.stringify(o, function (this: unknown, key: string, value: unknown) {
    if (key === 'time' && entries.has(this)) return undefined;
    if (key === 'resourceVersion' && this === o.metadata) return undefined;
    return value;
  });
}

/** Associative lists: the built-in kinds' merge keys, or a CRD schema's `x-kubernetes-list-map-keys`. */
function listKeysOf(t: ResourceType, version: string): ListKeys {
  const schema = t.schemas?.[version];
  if (!t.crdName) return builtinListKeys;
  if (!schema) return () => undefined;
  return (path) => {
    let node: unknown = schema;
    for (const seg of path) {
      if (!isObject(node)) return undefined;
      if (seg.startsWith('k:')) node = node.items;
      else {
        const name = seg.slice(2);
        node = isObject(node.properties) && isObject(node.properties[name]) ? node.properties[name] : node.additionalProperties;
      }
    }
    if (!isObject(node) || node['x-kubernetes-list-type'] !== 'map' || !Array.isArray(node['x-kubernetes-list-map-keys'])) return undefined;
    return node['x-kubernetes-list-map-keys'].map(String);
  };
}

/** Secrets: `stringData` is write-only; the API server folds it into base64 `data`. */
function foldStringData(secret: KubeObject): void {
  if (!isObject(secret.stringData)) return;
  const data: Record<string, unknown> = isObject(secret.data) ? { ...secret.data } : {};
  for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  secret.data = data;
  delete secret.stringData;
}

export class KubeApi {
  readonly registry = new Registry();
  readonly store: Store;
  garbageCollection: GcMode;
  readonly #now: () => Date;
  #generated = 0;

  constructor(opts: ApiOptions = {}) {
    this.store = new Store(opts.historyLimit ?? 10_000);
    this.garbageCollection = opts.garbageCollection ?? 'off';
    this.#now = opts.now ?? (() => new Date());
    const nsType = this.registry.get('', 'v1', 'namespaces');
    if (nsType) for (const name of INITIAL_NAMESPACES) {
      this.create(nsType, 'v1', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, this.systemWrite());
    }
  }

  systemWrite(manager = 'kube-apiserver'): WriteOptions {
    return { fieldManager: manager, fieldValidation: 'Ignore', dryRun: false, warnings: [] };
  }

  #timestamp(): string {
    return this.#now().toISOString().replace(/\.\d+Z$/, 'Z');
  }

  #ref(opts: WriteOptions, t: ResourceType, version: string, subresource: string): ManagerRef {
    return { manager: opts.fieldManager, subresource, apiVersion: apiVersionOf(t, version), time: this.#timestamp() };
  }

  #requireNamespace(t: ResourceType, ns: string | undefined): void {
    if (!t.namespaced) return;
    if (!ns) throw errors.badRequest(`the server could not find the requested resource: ${t.plural} is namespaced and needs a namespace`);
    const nsObj = this.store.get('/namespaces', undefined, ns);
    if (!nsObj) throw errors.notFound('namespaces', '', ns, 'namespaces');
    if (nsObj.metadata.deletionTimestamp && t.plural !== 'events') {
      throw errors.forbidden(`${t.plural} "" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  get(t: ResourceType, version: string, ns: string | undefined, name: string): KubeObject {
    const o = this.store.get(keyOf(t), t.namespaced ? ns : undefined, name);
    if (!o) throw errors.notFound(t.plural, t.group, name, t.plural);
    return this.#present(o, t, version);
  }

  #present(o: KubeObject, t: ResourceType, version: string): KubeObject {
    o.apiVersion = apiVersionOf(t, version);
    return o;
  }

  list(t: ResourceType, version: string, ns: string | undefined, labelSelector: string, fieldSelector: string): { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: KubeObject[] } {
    const labels = parseLabelSelector(labelSelector);
    const fields = parseFieldSelector(fieldSelector);
    const items = this.store.list(keyOf(t), t.namespaced ? ns : undefined)
      .filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o))
      .map((o) => this.#present(o, t, version));
    return { kind: t.listKind, apiVersion: apiVersionOf(t, version), metadata: { resourceVersion: String(this.store.resourceVersion) }, items };
  }

  /** POST. `ownership` replaces the default managedFields bookkeeping (an Update by the manager). */
  create(t: ResourceType, version: string, ns: string | undefined, body: unknown, opts: WriteOptions, ownership?: (created: KubeObject) => KubeObject): KubeObject {
    const obj = this.#checkBody(t, version, ns, body);
    if (!obj.metadata.name) {
      if (!obj.metadata.generateName) throw errors.invalid({ group: t.group, kind: t.kind, name: '' }, [{ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
      obj.metadata.name = `${obj.metadata.generateName}${(++this.#generated).toString(36).padStart(5, '0')}`;
    }
    this.#requireNamespace(t, obj.metadata.namespace);
    if (this.store.has(keyOf(t), obj.metadata.namespace, obj.metadata.name)) throw errors.alreadyExists(t.plural, t.group, obj.metadata.name);
    for (const k of SYSTEM_META) if (k !== 'name' && k !== 'namespace') delete obj.metadata[k];
    if (t.statusSubresource && t.crdName) delete obj.status;
    if (t.plural === 'namespaces') { obj.spec = { finalizers: ['kubernetes'] }; obj.status = { phase: 'Active' }; }
    if (t.plural === 'customresourcedefinitions') establishCrd(obj, this.#timestamp());
    if (t.plural === 'secrets' && !t.group) foldStringData(obj);
    const validated = this.#validate(t, version, obj, opts, undefined);
    validated.metadata.uid = randomUUID();
    validated.metadata.creationTimestamp = this.#timestamp();
    validated.metadata.generation = 1;
    if (ownership) ownership(validated);
    else recordUpdate(undefined, validated, this.#ref(opts, t, version, ''), 'all', listKeysOf(t, version));
    if (opts.dryRun) return this.#present(validated, t, version);
    validated.metadata.resourceVersion = this.store.nextVersion();
    this.store.put(keyOf(t), validated, 'ADDED');
    if (t.plural === 'customresourcedefinitions') this.#registerCrd(validated);
    if (validated.metadata.ownerReferences?.length) this.#collectGarbage();
    return this.#present(validated, t, version);
  }

  /** PUT: a stale resourceVersion is a 409; none means unconditional. */
  update(t: ResourceType, version: string, ns: string | undefined, name: string, body: unknown, subresource: '' | 'status', opts: WriteOptions): KubeObject {
    const obj = this.#checkBody(t, version, ns, body);
    if (obj.metadata.name !== name) throw errors.badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    const current = this.store.get(keyOf(t), obj.metadata.namespace, name);
    if (!current) throw errors.notFound(t.plural, t.group, name, t.plural);
    this.#checkVersion(t, current, obj.metadata.resourceVersion);
    return this.#commit(t, version, current, obj, subresource, opts, (next) => recordUpdate(current, next, this.#ref(opts, t, version, subresource), this.#scope(t, subresource), listKeysOf(t, version)));
  }

  patch(t: ResourceType, version: string, ns: string | undefined, name: string, contentType: string, body: unknown, subresource: '' | 'status', opts: WriteOptions & { force: boolean }): KubeObject {
    const key = keyOf(t);
    const namespace = t.namespaced ? ns : undefined;
    const current = this.store.get(key, namespace, name);
    if (contentType === PATCH_TYPES.apply) {
      if (!opts.fieldManager || opts.fieldManager === '<unset>') throw errors.badRequest('PATCH, application/apply-patch+yaml requires the fieldManager query parameter');
      const config = this.#checkBody(t, version, ns, body);
      if (config.metadata.name !== undefined && config.metadata.name !== name) throw errors.badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`);
      config.metadata.name = name;
      for (const k of SYSTEM_META) if (k !== 'name' && k !== 'namespace' && k !== 'resourceVersion') delete config.metadata[k];
      if (current) this.#checkVersion(t, current, config.metadata.resourceVersion);
      delete config.metadata.resourceVersion;
      const target = { plural: t.plural, group: t.group, name };
      const scope = this.#scope(t, subresource);
      if (!current) {
        if (subresource) throw errors.notFound(t.plural, t.group, name, t.plural);
        const merged = serverSideApply(undefined, config, this.#ref(opts, t, version, ''), scope, opts.force, target, listKeysOf(t, version));
        return this.create(t, version, ns, merged, opts, (created) => {
          created.metadata.managedFields = merged.metadata.managedFields ?? [];
          return created;
        });
      }
      const next = serverSideApply(current, config, this.#ref(opts, t, version, subresource), scope, opts.force, target, listKeysOf(t, version));
      return this.#commit(t, version, current, next, subresource, opts, (n) => n);
    }
    if (!current) throw errors.notFound(t.plural, t.group, name, t.plural);
    let patched: unknown;
    if (contentType === PATCH_TYPES.merge) patched = mergePatch(current, body);
    else if (contentType === PATCH_TYPES.json) patched = jsonPatch(current, body);
    else if (contentType === PATCH_TYPES.strategic && !t.crdName) patched = strategicMergePatch(current, body);
    else throw errors.unsupportedMediaType(contentType);
    if (!isObject(patched) || !isObject(patched.metadata)) throw errors.badRequest('the patch removed the object\'s metadata');
    const next = patched as unknown as KubeObject;
    this.#checkVersion(t, current, next.metadata.resourceVersion);
    return this.#commit(t, version, current, next, subresource, opts, (n) => recordUpdate(current, n, this.#ref(opts, t, version, subresource), this.#scope(t, subresource), listKeysOf(t, version)));
  }

  #scope(t: ResourceType, subresource: string): Scope {
    if (subresource === 'status') return 'status';
    return t.statusSubresource ? 'main' : 'all';
  }

  #checkVersion(t: ResourceType, current: KubeObject, given: string | undefined): void {
    if (given !== undefined && given !== '' && given !== current.metadata.resourceVersion) {
      throw errors.conflict(t.plural, t.group, current.metadata.name ?? '', 'the object has been modified; please apply your changes to the latest version and try again');
    }
  }

  #checkBody(t: ResourceType, version: string, ns: string | undefined, body: unknown): KubeObject {
    if (!isObject(body)) throw errors.badRequest('the request body must be a JSON object');
    const obj = structuredClone(body) as KubeObject;
    if (!isObject(obj.metadata)) obj.metadata = {};
    if (obj.kind !== undefined && obj.kind !== t.kind) throw errors.badRequest(`the kind of the object (${String(obj.kind)}) does not match the resource (${t.kind})`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(t, version)) throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(t, version)})`);
    obj.kind = t.kind;
    obj.apiVersion = apiVersionOf(t, version);
    if (t.namespaced) {
      if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = obj.metadata.namespace || ns || '';
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  /** Name rules, then the CRD's schema (custom resources) or the structural rules (CRDs). */
  #validate(t: ResourceType, version: string, obj: KubeObject, opts: WriteOptions, previous: KubeObject | undefined): KubeObject {
    const name = obj.metadata.name ?? '';
    const target = { group: t.group, kind: t.kind, name };
    const causes: StatusCause[] = [];
    const nameRule = t.plural === 'namespaces' ? DNS_LABEL : DNS_SUBDOMAIN;
    if (!previous && (name.length > 253 || !nameRule.test(name))) {
      causes.push({ type: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 ${t.plural === 'namespaces' ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.'` });
    }
    if (previous?.metadata.deletionTimestamp) {
      const before = new Set(previous.metadata.finalizers ?? []);
      const added = (obj.metadata.finalizers ?? []).filter((f) => !before.has(f));
      if (added.length) causes.push({ type: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` });
    }
    let out = obj;
    const schema = t.schemas?.[version];
    if (schema) {
      const report: ValueReport = { causes: [], pruned: [] };
      const { metadata, apiVersion, kind, ...rest } = obj;
      const body = validateValue({ ...rest }, { ...schema, properties: { ...(isObject(schema.properties) ? schema.properties : {}), metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, apiVersion: { type: 'string' }, kind: { type: 'string' } } }, '', report) as Record<string, unknown>;
      causes.push(...report.causes);
      this.#unknownFields(t.kind, version, report.pruned, opts);
      out = { ...body, apiVersion, kind, metadata } as KubeObject;
    }
    if (t.plural === 'customresourcedefinitions') causes.push(...this.#crdCauses(obj, opts));
    if (causes.length) throw errors.invalid(target, causes);
    return out;
  }

  /** Unknown fields: 400 under fieldValidation=Strict, Warning headers under Warn, silence under Ignore. */
  #unknownFields(kind: string, version: string, fields: string[], opts: WriteOptions): void {
    if (fields.length === 0 || opts.fieldValidation === 'Ignore') return;
    const messages = fields.map((f) => `unknown field "${f}"`);
    if (opts.fieldValidation === 'Strict') {
      throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${messages.join(', ')}`);
    }
    opts.warnings.push(...messages);
  }

  #crdCauses(crd: KubeObject, opts: WriteOptions): StatusCause[] {
    const { causes, unknownFields } = crdCauses(crd);
    this.#unknownFields('CustomResourceDefinition', 'v1', unknownFields, opts);
    return causes;
  }

  #registerCrd(crd: KubeObject): void {
    this.registry.removeCrd(crd.metadata.name ?? '');
    const t = typeFromCrd(crd);
    if (t) this.registry.add(t);
  }

  /** Shared tail of update, patch and apply: subresource rules, validation, generation, no-op detection. */
  #commit(t: ResourceType, version: string, current: KubeObject, proposed: KubeObject, subresource: '' | 'status', opts: WriteOptions, ownership: (next: KubeObject) => KubeObject): KubeObject {
    let next: KubeObject;
    if (subresource === 'status') {
      next = structuredClone(current);
      if ('status' in proposed) next.status = proposed.status; else delete next.status;
    } else {
      next = structuredClone(proposed);
      next.apiVersion = current.apiVersion;
      next.kind = current.kind;
      if (t.statusSubresource) { if ('status' in current) next.status = current.status; else delete next.status; }
    }
    for (const k of SYSTEM_META) {
      if (k === 'managedFields') continue;
      if (current.metadata[k] === undefined) delete next.metadata[k];
      else (next.metadata as Record<string, unknown>)[k] = current.metadata[k];
    }
    if (subresource === 'status') {
      next.metadata = { ...current.metadata };
      if (proposed.metadata.managedFields) next.metadata.managedFields = proposed.metadata.managedFields;
    }
    if (t.plural === 'secrets' && !t.group) foldStringData(next);
    if (t.plural === 'customresourcedefinitions' && subresource === '') {
      next.status = current.status;
      establishCrd(next, this.#timestamp());
    }
    next = this.#validate(t, version, next, opts, current);
    next = ownership(next);
    if (specPart(next, t) !== specPart(current, t)) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    if (withoutManagedTimes(next) === withoutManagedTimes(current)) return this.#present(current, t, version);
    if (opts.dryRun) return this.#present(next, t, version);
    const finalizing = next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && !this.#namespaceHeld(t, next);
    next.metadata.resourceVersion = this.store.nextVersion();
    if (finalizing) {
      this.#remove(t, next);
      return this.#present(next, t, version);
    }
    this.store.put(keyOf(t), next, 'MODIFIED', current);
    if (t.plural === 'customresourcedefinitions') this.#registerCrd(next);
    // Only a changed owner list can make this object garbage; deletions run the collector themselves.
    if (JSON.stringify(next.metadata.ownerReferences) !== JSON.stringify(current.metadata.ownerReferences)) this.#collectGarbage();
    return this.#present(next, t, version);
  }

  /** Namespaces carry `spec.finalizers: [kubernetes]` and, with no namespace controller, stay Terminating. */
  #namespaceHeld(t: ResourceType, o: KubeObject): boolean {
    return t.plural === 'namespaces' && isObject(o.spec) && Array.isArray(o.spec.finalizers) && o.spec.finalizers.length > 0;
  }

  #remove(t: ResourceType, finalState: KubeObject): void {
    this.store.remove(keyOf(t), finalState);
    if (t.plural === 'customresourcedefinitions') {
      const removed = this.registry.removeCrd(finalState.metadata.name ?? '');
      if (removed) for (const o of this.store.list(keyOf(removed))) {
        o.metadata.resourceVersion = this.store.nextVersion();
        this.store.remove(keyOf(removed), o);
      }
    }
    this.#collectGarbage();
  }

  delete(t: ResourceType, version: string, ns: string | undefined, name: string, options: { propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: boolean }): { object: KubeObject; gone: boolean } {
    const current = this.store.get(keyOf(t), t.namespaced ? ns : undefined, name);
    if (!current) throw errors.notFound(t.plural, t.group, name, t.plural);
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) throw errors.conflict(t.plural, t.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) throw errors.conflict(t.plural, t.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`);
    if (current.metadata.deletionTimestamp) return { object: this.#present(current, t, version), gone: false };
    const next = structuredClone(current);
    const finalizers = [...(next.metadata.finalizers ?? [])];
    const policy = options.propagationPolicy;
    if (this.garbageCollection === 'on' && policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (this.garbageCollection === 'on' && policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (options.dryRun) return { object: this.#present(current, t, version), gone: finalizers.length === 0 };
    if (finalizers.length > 0 || this.#namespaceHeld(t, next)) {
      next.metadata.finalizers = finalizers;
      if (finalizers.length === 0) delete next.metadata.finalizers;
      next.metadata.deletionTimestamp = this.#timestamp();
      next.metadata.deletionGracePeriodSeconds = 0;
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
      if (t.plural === 'namespaces') next.status = { phase: 'Terminating' };
      next.metadata.resourceVersion = this.store.nextVersion();
      this.store.put(keyOf(t), next, 'MODIFIED', current);
      this.#collectGarbage();
      return { object: this.#present(next, t, version), gone: false };
    }
    next.metadata.resourceVersion = this.store.nextVersion();
    this.#remove(t, next);
    return { object: this.#present(next, t, version), gone: true };
  }

  #collecting = false;

  /** Runs the garbage collector (gc.ts) to a fixed point when it is switched on; never re-entered. */
  #collectGarbage(): void {
    if (this.garbageCollection !== 'on' || this.#collecting) return;
    this.#collecting = true;
    try {
      for (let pass = 0; pass < 100 && collectOnce(this); pass++);
    } finally {
      this.#collecting = false;
    }
  }
}
