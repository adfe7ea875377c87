/**
 * The three non-apply patch formats the API server accepts.
 *
 * - JSON merge patch (RFC 7386): objects merge, `null` deletes, arrays replace.
 * - JSON patch (RFC 6902): add, remove, replace, move, copy, test.
 * - Strategic merge patch, the subset this server honours: a merge patch where the associative lists
 *   of `builtinListKeys` merge by their keys (containers, initContainers, env, volumes, imagePullSecrets
 *   by `name`; container ports by `containerPort`, service ports by `port`; volumeMounts by
 *   `mountPath`; conditions by `type`; ownerReferences by `uid`), `$patch: delete` inside such an item
 *   removes it, and `$retainKeys`/`$setElementOrder` directives are dropped.
 *   Everything else behaves like a merge patch. Custom resources never take strategic merge (415),
 *   matching the real API server.
 */
import { ApiError, isObject } from './types.ts';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * The merge keys of the built-in kinds' associative lists (their `patchMergeKey` /
 * `x-kubernetes-list-map-keys`), for strategic merge patch and server-side apply. `path` is the list's
 * FieldsV1 path (`f:spec`, `f:template`, …, `k:{…}` for list items).
 */
export function builtinListKeys(path: readonly string[]): readonly string[] | undefined {
  const last = path[path.length - 1];
  const inContainer = path.some((seg) => seg === 'f:containers' || seg === 'f:initContainers' || seg === 'f:ephemeralContainers');
  switch (last) {
    case 'f:containers': case 'f:initContainers': case 'f:ephemeralContainers': case 'f:env': case 'f:volumes': case 'f:imagePullSecrets':
      return ['name'];
    case 'f:ports': return inContainer ? ['containerPort'] : ['port'];
    case 'f:volumeMounts': return ['mountPath'];
    case 'f:conditions': return ['type'];
    case 'f:ownerReferences': return ['uid'];
    default: return undefined;
  }
}

export function strategicMergePatch(target: unknown, patch: unknown, path: readonly string[] = []): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) continue;
    if (v === null) { delete out[k]; continue; }
    const here = [...path, `f:${k}`];
    const keys = builtinListKeys(here);
    const cur = out[k];
    if (keys && Array.isArray(v) && Array.isArray(cur) && v.every(isObject)) {
      const same = (a: unknown, b: Record<string, unknown>): boolean => isObject(a) && keys.every((key) => a[key] === b[key]);
      const merged: unknown[] = [...cur];
      for (const item of v as Record<string, unknown>[]) {
        const idx = merged.findIndex((m) => same(m, item));
        const itemPath = [...here, `k:${JSON.stringify(Object.fromEntries(keys.map((key) => [key, item[key]])))}`];
        if (item.$patch === 'delete') { if (idx >= 0) merged.splice(idx, 1); continue; }
        if (idx >= 0) merged[idx] = strategicMergePatch(merged[idx], item, itemPath);
        else merged.push(strategicMergePatch(undefined, item, itemPath));
      }
      out[k] = merged;
    } else {
      out[k] = strategicMergePatch(cur, v, here);
    }
  }
  return out;
}

type Op = { op: string; path: string; value?: unknown; from?: string };

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw invalidPatch(`JSON pointer "${path}" must start with "/"`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function invalidPatch(message: string): ApiError {
  return new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`, { causes: [{ type: 'FieldValueInvalid', message }] });
}

function parentOf(doc: unknown, parts: string[], path: string): { parent: unknown; last: string } {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else throw invalidPatch(`path "${path}" does not exist`);
  }
  if (cur === undefined) throw invalidPatch(`path "${path}" does not exist`);
  return { parent: cur, last: parts[parts.length - 1] ?? '' };
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const p of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObject(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw invalidPatch(`path "${path}" does not exist`);
  }
  return cur;
}

function index(arr: unknown[], last: string, path: string, allowEnd: boolean): number {
  if (last === '-' && allowEnd) return arr.length;
  const i = Number(last);
  if (!/^\d+$/.test(last) || i > arr.length || (!allowEnd && i === arr.length)) throw invalidPatch(`index "${last}" out of range at "${path}"`);
  return i;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) parent.splice(index(parent, last, path, true), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw invalidPatch(`path "${path}" does not exist`);
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const parts = pointer(path);
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) parent.splice(index(parent, last, path, false), 1);
  else if (isObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
  else throw invalidPatch(`path "${path}" does not exist`);
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
  let doc = structuredClone(target);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw invalidPatch('each operation needs "op" and "path"');
    const op = raw as Op;
    switch (op.op) {
      case 'add': doc = add(doc, op.path, structuredClone(op.value)); break;
      case 'remove': doc = remove(doc, op.path); break;
      case 'replace': getAt(doc, op.path); doc = add(remove(doc, op.path), op.path, structuredClone(op.value)); break;
      case 'move': { const v = getAt(doc, op.from ?? ''); doc = add(remove(doc, op.from ?? ''), op.path, v); break; }
      case 'copy': doc = add(doc, op.path, structuredClone(getAt(doc, op.from ?? ''))); break;
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) throw invalidPatch(`test failed at "${op.path}"`);
        break;
      default: throw invalidPatch(`unknown operation "${op.op}"`);
    }
  }
  return doc;
}
