/**
 * `/openapi/v3`: the index and one document per group-version. kubectl reads them to learn that
 * PATCH accepts `fieldValidation` (so the server validates, `--validate=strict` works without
 * `--validate=false`). Custom resources carry their CRD schema; built-in kinds an open object schema
 * (this server does not validate built-in fields).
 */
import { createHash } from 'node:crypto';
import type { Registry, ResourceType } from './registry.ts';

const reverseDomain = (group: string): string => (group ? group.split('.').reverse().join('.') : 'io.k8s.api.core');

function schemaName(t: ResourceType, version: string): string {
  return `${reverseDomain(t.group)}.${version}.${t.kind}`;
}

function queryParams(names: string[]): Record<string, unknown>[] {
  return names.map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } }));
}

function operations(t: ResourceType, version: string): Record<string, unknown> {
  const gvk = { group: t.group, version, kind: t.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(t, version)}` };
  const ok = { 200: { description: 'OK', content: { 'application/json': { schema: ref } } } };
  const base = t.group ? `/apis/${t.group}/${version}` : `/api/${version}`;
  const prefix = t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}` : `${base}/${t.plural}`;
  const pathParams = [...(t.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : [])];
  const patchTypes = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'];
  const paths: Record<string, unknown> = {
    [prefix]: {
      parameters: pathParams,
      get: { operationId: `list${t.kind}`, 'x-kubernetes-action': 'list', 'x-kubernetes-group-version-kind': gvk, parameters: queryParams(['labelSelector', 'fieldSelector', 'resourceVersion', 'watch', 'allowWatchBookmarks', 'timeoutSeconds']), responses: ok },
      post: { operationId: `create${t.kind}`, 'x-kubernetes-action': 'post', 'x-kubernetes-group-version-kind': gvk, parameters: queryParams(['dryRun', 'fieldManager', 'fieldValidation']), requestBody: { content: { '*/*': { schema: ref } } }, responses: ok },
    },
  };
  const item = {
    parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, ...pathParams],
    get: { operationId: `read${t.kind}`, 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk, responses: ok },
    put: { operationId: `replace${t.kind}`, 'x-kubernetes-action': 'put', 'x-kubernetes-group-version-kind': gvk, parameters: queryParams(['dryRun', 'fieldManager', 'fieldValidation']), requestBody: { content: { '*/*': { schema: ref } } }, responses: ok },
    patch: { operationId: `patch${t.kind}`, 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk, parameters: queryParams(['dryRun', 'fieldManager', 'fieldValidation', 'force']), requestBody: { content: Object.fromEntries(patchTypes.map((p) => [p, { schema: { type: 'object' } }])) }, responses: ok },
    delete: { operationId: `delete${t.kind}`, 'x-kubernetes-action': 'delete', 'x-kubernetes-group-version-kind': gvk, parameters: queryParams(['dryRun', 'propagationPolicy']), responses: ok },
  };
  paths[`${prefix}/{name}`] = item;
  if (t.statusSubresource) paths[`${prefix}/{name}/status`] = { ...item, delete: undefined };
  return paths;
}

export function groupVersionDocument(registry: Registry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => t.group === group && t.versions.includes(version));
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const t of types) {
    Object.assign(paths, operations(t, version));
    const own = t.schemas?.[version] ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    schemas[schemaName(t, version)] = { ...own, 'x-kubernetes-group-version-kind': [{ group: t.group, version, kind: t.kind }] };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.33.0' }, paths: JSON.parse(JSON.stringify(paths)), components: { schemas } };
}

export function openapiIndex(registry: Registry): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const gvs: [string, string][] = [['', 'v1'], ...registry.groups().flatMap((g) => g.versions.map((v): [string, string] => [g.name, v]))];
  for (const [group, version] of gvs) {
    const doc = groupVersionDocument(registry, group, version);
    if (!doc) continue;
    const key = group ? `apis/${group}/${version}` : `api/${version}`;
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}
