/**
 * Field ownership (`metadata.managedFields`, FieldsV1) and server-side apply.
 *
 * Subset of structured-merge-diff: maps merge key by key; associative lists (those `listKeys` names:
 * containers, ports, env, … by `name` on built-in kinds, `x-kubernetes-list-map-keys` on custom
 * resources) merge item by item and are owned per field of each item (`k:{"name":"web"}`); every other
 * list is atomic (owned and replaced whole); an empty map is a leaf. Tracked: everything except
 * `apiVersion`, `kind` and the system-owned metadata (name, namespace, uid, resourceVersion,
 * generation, timestamps, managedFields); of metadata, labels, annotations, finalizers and
 * ownerReferences are tracked. Managers are told apart by (manager, operation, subresource).
 *
 * A field path is a list of FieldsV1 segments: `f:<field>` for a map key, `k:<json>` for a list item.
 */
import { errors, isObject, type JsonObject, type KubeObject, type ManagedFieldsEntry, type StatusCause } from './types.ts';

const TRACKED_META = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

/** Leaf field paths (JSON-encoded segment lists) and their values. */
type Leaves = Map<string, unknown>;

export type Scope = 'main' | 'status' | 'all';

/** The key fields of the associative list at `path` (segments), or undefined for an atomic list. */
export type ListKeys = (path: readonly string[]) => readonly string[] | undefined;

export const atomicLists: ListKeys = () => undefined;

const itemSegment = (item: Record<string, unknown>, keys: readonly string[]): string =>
  `k:${JSON.stringify(Object.fromEntries(keys.map((k) => [k, item[k]])))}`;

function isAssociative(v: unknown[], keys: readonly string[] | undefined): keys is readonly string[] {
  if (!keys || keys.length === 0) return false;
  const seen = new Set<string>();
  for (const item of v) {
    if (!isObject(item) || keys.some((k) => item[k] === undefined)) return false;
    const seg = itemSegment(item, keys);
    if (seen.has(seg)) return false; // duplicate keys: the list cannot be associative, treat it as atomic
    seen.add(seg);
  }
  return true;
}

/** The leaf fields of an object within a scope (`main` excludes `.status` when it is a subresource). */
export function leafFields(obj: Record<string, unknown>, scope: Scope, listKeys: ListKeys = atomicLists): Leaves {
  const out: Leaves = new Map();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (scope === 'main' && k === 'status') continue;
    if (scope === 'status' && k !== 'status') continue;
    if (k === 'metadata') {
      if (isObject(v)) for (const [mk, mv] of Object.entries(v)) if (TRACKED_META.has(mk)) collect(mv, ['f:metadata', `f:${mk}`], out, listKeys);
      continue;
    }
    collect(v, [`f:${k}`], out, listKeys);
  }
  return out;
}

function collect(v: unknown, path: string[], out: Leaves, listKeys: ListKeys): void {
  if (isObject(v) && Object.keys(v).length > 0) {
    for (const [k, sub] of Object.entries(v)) collect(sub, [...path, `f:${k}`], out, listKeys);
    return;
  }
  if (Array.isArray(v) && v.length > 0) {
    const keys = listKeys(path);
    if (isAssociative(v, keys)) {
      for (const item of v as Record<string, unknown>[]) collect(item, [...path, itemSegment(item, keys)], out, listKeys);
      return;
    }
  }
  out.set(JSON.stringify(path), v);
}

export function toFieldsV1(keys: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const key of keys) {
    let cur = root;
    for (const seg of JSON.parse(key) as string[]) {
      // A list item is owned as an item too (the "." entry), as structured-merge-diff writes it.
      if (seg.startsWith('k:')) cur = isObject(cur[seg]) ? (cur[seg] as JsonObject) : (cur[seg] = { '.': {} });
      else cur = isObject(cur[seg]) ? (cur[seg] as JsonObject) : (cur[seg] = {});
    }
  }
  return sortKeys(root);
}

function sortKeys(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort()) out[k] = sortKeys(o[k] as JsonObject);
  return out;
}

export function fromFieldsV1(f: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: string[]): void => {
    const children = isObject(node) ? Object.entries(node).filter(([k]) => k.startsWith('f:') || k.startsWith('k:')) : [];
    if (children.length === 0) { if (path.length) out.add(JSON.stringify(path)); return; }
    for (const [k, sub] of children) walk(sub, [...path, k]);
  };
  walk(f, []);
  return out;
}

/** `.spec.template.spec.containers[name="web"].image`, the API server's way of naming a field path. */
export function describePath(key: string): string {
  return (JSON.parse(key) as string[]).map((seg) => {
    if (seg.startsWith('f:')) return `.${seg.slice(2)}`;
    const item = JSON.parse(seg.slice(2)) as Record<string, unknown>;
    return `[${Object.entries(item).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
  }).join('');
}

/** True when one path is the other or contains it (an owned map overlaps its owned leaves). */
function overlaps(a: string, b: string): boolean {
  if (a === b) return true;
  // Both are JSON arrays of strings: one path contains the other when its text, minus the closing
  // bracket, starts the other's and is followed by the next element's comma.
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  const head = short.slice(0, -1);
  return long.startsWith(head) && long.charAt(head.length) === ',';
}

function matchesItem(item: unknown, seg: string): boolean {
  if (!isObject(item)) return false;
  return Object.entries(JSON.parse(seg.slice(2)) as Record<string, unknown>).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v));
}

function step(cur: unknown, seg: string): unknown {
  if (seg.startsWith('k:')) return Array.isArray(cur) ? cur.find((item) => matchesItem(item, seg)) : undefined;
  return isObject(cur) ? cur[seg.slice(2)] : undefined;
}

function getPath(obj: unknown, key: string): unknown {
  let cur = obj;
  for (const seg of JSON.parse(key) as string[]) cur = step(cur, seg);
  return cur;
}

/**
 * Removes one leaf, then whatever the removal left empty: maps with no fields, list items with only
 * their key fields, empty associative lists — but never the top-level fields (spec, metadata, status).
 */
function deletePath(obj: Record<string, unknown>, key: string, listKeys: ListKeys): void {
  const segs = JSON.parse(key) as string[];
  const chain: unknown[] = [obj];
  for (const seg of segs.slice(0, -1)) {
    const next = step(chain[chain.length - 1], seg);
    if (next === undefined) return;
    chain.push(next);
  }
  const removeAt = (container: unknown, seg: string): void => {
    if (seg.startsWith('k:')) {
      if (Array.isArray(container)) {
        const i = container.findIndex((item) => matchesItem(item, seg));
        if (i >= 0) container.splice(i, 1);
      }
    } else if (isObject(container)) delete container[seg.slice(2)];
  };
  removeAt(chain[chain.length - 1], segs[segs.length - 1] ?? '');
  for (let i = chain.length - 1; i >= 2; i--) {
    const node = chain[i];
    const seg = segs[i - 1] ?? '';
    const parentPath = segs.slice(0, i - 1);
    const emptyItem = seg.startsWith('k:') && isObject(node) && Object.keys(node).every((k) => (listKeys(parentPath) ?? []).includes(k));
    const emptyList = Array.isArray(node) && node.length === 0;
    const emptyMap = isObject(node) && Object.keys(node).length === 0;
    if (emptyItem || emptyList || emptyMap) removeAt(chain[i - 1], seg);
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Maps merge recursively, associative lists item by item; other lists and scalars from `config` replace. */
function applyMerge(live: unknown, config: unknown, path: string[], listKeys: ListKeys): unknown {
  if (Array.isArray(config) && Array.isArray(live)) {
    const keys = listKeys(path);
    if (isAssociative(config, keys) && isAssociative(live, keys)) {
      const out: unknown[] = [...live];
      for (const item of config as Record<string, unknown>[]) {
        const seg = itemSegment(item, keys);
        const i = out.findIndex((x) => matchesItem(x, seg));
        if (i >= 0) out[i] = applyMerge(out[i], item, [...path, seg], listKeys);
        else out.push(structuredClone(item));
      }
      return out;
    }
  }
  if (!isObject(config) || !isObject(live)) return structuredClone(config);
  const out: Record<string, unknown> = { ...live };
  for (const [k, v] of Object.entries(config)) out[k] = applyMerge(live[k], v, [...path, `f:${k}`], listKeys);
  return out;
}

interface Entry { manager: string; operation: 'Apply' | 'Update'; subresource: string; apiVersion: string; time: string; fields: Set<string> }

function readEntries(obj: KubeObject): Entry[] {
  return (obj.metadata.managedFields ?? []).filter((e) => isObject(e) && typeof e.manager === 'string').map((e) => ({
    manager: e.manager, operation: e.operation === 'Apply' ? 'Apply' : 'Update', subresource: e.subresource ?? '',
    apiVersion: e.apiVersion ?? obj.apiVersion, time: e.time ?? '', fields: fromFieldsV1(e.fieldsV1),
  }));
}

function writeEntries(obj: KubeObject, entries: Entry[]): void {
  const kept = entries.filter((e) => e.fields.size > 0);
  if (kept.length === 0) { delete obj.metadata.managedFields; return; }
  obj.metadata.managedFields = kept.map((e) => {
    const m: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1([...e.fields].sort()) };
    if (e.subresource) m.subresource = e.subresource;
    return m;
  });
}

export interface ManagerRef { manager: string; subresource: string; apiVersion: string; time: string }

function entryFor(entries: Entry[], ref: ManagerRef, operation: 'Apply' | 'Update'): Entry {
  let e = entries.find((x) => x.manager === ref.manager && x.operation === operation && x.subresource === ref.subresource);
  if (!e) { e = { manager: ref.manager, operation, subresource: ref.subresource, apiVersion: ref.apiVersion, time: ref.time, fields: new Set() }; entries.push(e); }
  e.apiVersion = ref.apiVersion;
  e.time = ref.time;
  return e;
}

/**
 * Records an update (create, PUT, merge/JSON/strategic patch) by `ref`: the fields it changed move
 * to its `Update` entry; fields it removed leave every entry. Mutates and returns `next`.
 */
export function recordUpdate(prev: KubeObject | undefined, next: KubeObject, ref: ManagerRef, scope: Scope, listKeys: ListKeys = atomicLists): KubeObject {
  const before = prev ? leafFields(prev, scope, listKeys) : new Map<string, unknown>();
  const after = leafFields(next, scope, listKeys);
  const entries = prev ? readEntries(prev) : [];
  const changed = [...after.keys()].filter((k) => !before.has(k) || !same(before.get(k), after.get(k)));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const touched = [...changed, ...removed];
  for (const e of entries) for (const k of [...e.fields]) {
    if (touched.some((t) => overlaps(t, k))) e.fields.delete(k);
  }
  if (changed.length) {
    const mine = entryFor(entries, ref, 'Update');
    for (const k of changed) mine.fields.add(k);
  }
  writeEntries(next, entries);
  return next;
}

export interface ApplyTarget { plural: string; group: string; name: string }

/**
 * Server-side apply of `config` by `ref` onto `live` (undefined: create). Conflicts with fields
 * other managers own and set to a different value are a 409 with FieldManagerConflict causes
 * unless `force`; fields this manager applied before and no longer applies are removed when no
 * other manager owns them. Returns the new object (system metadata is the caller's business).
 */
export function serverSideApply(live: KubeObject | undefined, config: KubeObject, ref: ManagerRef, scope: Scope, force: boolean, target: ApplyTarget, listKeys: ListKeys = atomicLists): KubeObject {
  const applied = leafFields(config, scope, listKeys);
  const entries = live ? readEntries(live) : [];
  const mine = entries.find((e) => e.manager === ref.manager && e.operation === 'Apply' && e.subresource === ref.subresource);
  const others = entries.filter((e) => e !== mine);
  const conflicts = new Map<string, { entry: Entry; key: string }>();
  for (const key of applied.keys()) {
    if (same(getPath(live, key), applied.get(key))) continue; // same value: shared ownership, no conflict
    for (const e of others) for (const owned of e.fields) {
      if (overlaps(owned, key)) conflicts.set(`${e.manager}\u0000${e.operation}\u0000${owned}`, { entry: e, key: owned });
    }
  }
  if (conflicts.size && !force) {
    const causes: StatusCause[] = [...conflicts.values()].map(({ entry, key }) => ({
      type: 'FieldManagerConflict',
      message: `conflict with "${entry.manager}"${entry.operation === 'Update' ? ` using ${entry.apiVersion}` : ''}`,
      field: describePath(key),
    }));
    throw errors.conflict(target.plural, target.group, target.name, `Apply failed with ${causes.length} conflict${causes.length === 1 ? '' : 's'}: ${causes.map((c) => `${c.message}: ${c.field}`).join(', ')}`, causes);
  }
  for (const { entry, key } of conflicts.values()) entry.fields.delete(key);
  const scoped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (scope === 'main' && k === 'status') continue;
    if (scope === 'status' && k !== 'status' && k !== 'metadata') continue;
    scoped[k] = v;
  }
  if (scope === 'status' && isObject(scoped.metadata)) scoped.metadata = {};
  const next = applyMerge(live ? structuredClone(live) : {}, scoped, [], listKeys) as KubeObject;
  // Restore system metadata the config may not carry.
  if (live) next.metadata = { ...live.metadata, ...next.metadata };
  if (mine) {
    const appliedKeys = [...applied.keys()];
    for (const k of mine.fields) {
      if (applied.has(k) || appliedKeys.some((a) => overlaps(a, k))) continue;
      if (others.some((e) => [...e.fields].some((o) => overlaps(o, k)))) continue;
      deletePath(next as unknown as Record<string, unknown>, k, listKeys);
    }
  }
  const entry = entryFor(entries, ref, 'Apply');
  entry.fields = new Set(applied.keys());
  writeEntries(next, entries);
  return next;
}
