/**
 * Field ownership (`metadata.managedFields`, FieldsV1) and server-side apply.
 *
 * Subset of structured-merge-diff: every list is atomic (owned and replaced as a whole, written
 * `f:list: {}`), maps merge key by key, and an empty map is a leaf. Tracked: everything except
 * `apiVersion`, `kind` and the system-owned metadata (name, namespace, uid, resourceVersion,
 * generation, timestamps, managedFields); of metadata, labels, annotations, finalizers and
 * ownerReferences are tracked. Managers are told apart by (manager, operation, subresource).
 */
import { errors, isObject, type JsonObject, type KubeObject, type ManagedFieldsEntry, type StatusCause } from './types.ts';

const TRACKED_META = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

/** A field path as segments; keys of the leaf maps are its JSON encoding. */
type Leaves = Map<string, unknown>;

export type Scope = 'main' | 'status' | 'all';

/** The leaf fields of an object within a scope (`main` excludes `.status` when it is a subresource). */
export function leafFields(obj: Record<string, unknown>, scope: Scope): Leaves {
  const out: Leaves = new Map();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (scope === 'main' && k === 'status') continue;
    if (scope === 'status' && k !== 'status') continue;
    if (k === 'metadata') {
      if (isObject(v)) for (const [mk, mv] of Object.entries(v)) if (TRACKED_META.has(mk)) collect(mv, ['metadata', mk], out);
      continue;
    }
    collect(v, [k], out);
  }
  return out;
}

function collect(v: unknown, path: string[], out: Leaves): void {
  if (isObject(v) && Object.keys(v).length > 0) {
    for (const [k, sub] of Object.entries(v)) collect(sub, [...path, k], out);
  } else {
    out.set(JSON.stringify(path), v);
  }
}

export function toFieldsV1(keys: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const key of keys) {
    let cur = root;
    for (const seg of JSON.parse(key) as string[]) {
      const k = `f:${seg}`;
      const next = cur[k];
      cur = isObject(next) ? (next as JsonObject) : (cur[k] = {});
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
    const children = isObject(node) ? Object.entries(node).filter(([k]) => k.startsWith('f:')) : [];
    if (children.length === 0) { if (path.length) out.add(JSON.stringify(path)); return; }
    for (const [k, sub] of children) walk(sub, [...path, k.slice(2)]);
  };
  walk(f, []);
  return out;
}

/** True when one path is the other or contains it (an owned map overlaps its owned leaves). */
function overlaps(a: string, b: string): boolean {
  if (a === b) return true;
  const pa = JSON.parse(a) as string[];
  const pb = JSON.parse(b) as string[];
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) if (pa[i] !== pb[i]) return false;
  return true;
}

function getPath(obj: unknown, key: string): unknown {
  let cur = obj;
  for (const seg of JSON.parse(key) as string[]) cur = isObject(cur) ? cur[seg] : undefined;
  return cur;
}

function deletePath(obj: Record<string, unknown>, key: string): void {
  const segs = JSON.parse(key) as string[];
  const chain: Record<string, unknown>[] = [obj];
  for (const seg of segs.slice(0, -1)) {
    const next = chain[chain.length - 1]?.[seg];
    if (!isObject(next)) return;
    chain.push(next);
  }
  delete chain[chain.length - 1]?.[segs[segs.length - 1] ?? ''];
  // Drop maps the removal left empty, but never the top-level ones (spec, metadata, status).
  for (let i = chain.length - 1; i >= 2; i--) {
    if (Object.keys(chain[i] ?? {}).length === 0) delete chain[i - 1]?.[segs[i - 1] ?? ''];
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Maps merge recursively; lists and scalars from `config` replace what is live. */
function applyMerge(live: unknown, config: unknown): unknown {
  if (!isObject(config) || !isObject(live)) return structuredClone(config);
  const out: Record<string, unknown> = { ...live };
  for (const [k, v] of Object.entries(config)) out[k] = applyMerge(live[k], v);
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
export function recordUpdate(prev: KubeObject | undefined, next: KubeObject, ref: ManagerRef, scope: Scope): KubeObject {
  const before = prev ? leafFields(prev, scope) : new Map<string, unknown>();
  const after = leafFields(next, scope);
  const entries = prev ? readEntries(prev) : [];
  const changed = [...after.keys()].filter((k) => !before.has(k) || !same(before.get(k), after.get(k)));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  for (const e of entries) for (const k of [...e.fields]) {
    if (removed.some((r) => overlaps(r, k)) || changed.some((c) => overlaps(c, k))) e.fields.delete(k);
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
export function serverSideApply(live: KubeObject | undefined, config: KubeObject, ref: ManagerRef, scope: Scope, force: boolean, target: ApplyTarget): KubeObject {
  const applied = leafFields(config, scope);
  const entries = live ? readEntries(live) : [];
  const mine = entries.find((e) => e.manager === ref.manager && e.operation === 'Apply' && e.subresource === ref.subresource);
  const others = entries.filter((e) => e !== mine);
  const conflicts: { entry: Entry; key: string }[] = [];
  for (const key of applied.keys()) {
    for (const e of others) for (const owned of e.fields) {
      if (overlaps(owned, key) && !same(getPath(live, key), applied.get(key))) conflicts.push({ entry: e, key: owned });
    }
  }
  if (conflicts.length && !force) {
    const causes: StatusCause[] = conflicts.map(({ entry, key }) => ({
      type: 'FieldManagerConflict',
      message: `conflict with "${entry.manager}"${entry.operation === 'Update' ? ` using ${entry.apiVersion}` : ''}`,
      field: `.${(JSON.parse(key) as string[]).join('.')}`,
    }));
    const err = errors.conflict(target.plural, target.group, target.name, `Apply failed with ${causes.length} conflict${causes.length === 1 ? '' : 's'}: ${causes.map((c) => `${c.message}: ${c.field}`).join(', ')}`, causes);
    throw err;
  }
  for (const { entry, key } of conflicts) entry.fields.delete(key);
  const scoped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (scope === 'main' && k === 'status') continue;
    if (scope === 'status' && k !== 'status' && k !== 'metadata') continue;
    scoped[k] = v;
  }
  if (scope === 'status' && isObject(scoped.metadata)) scoped.metadata = {};
  const next = applyMerge(live ? structuredClone(live) : {}, scoped) as KubeObject;
  // Restore system metadata the config may not carry.
  if (live) next.metadata = { ...live.metadata, ...next.metadata };
  if (mine) {
    for (const k of mine.fields) {
      if (applied.has(k) || [...applied.keys()].some((a) => overlaps(a, k))) continue;
      if (others.some((e) => [...e.fields].some((o) => overlaps(o, k)))) continue;
      deletePath(next as unknown as Record<string, unknown>, k);
    }
  }
  const entry = entryFor(entries, ref, 'Apply');
  entry.fields = new Set(applied.keys());
  writeEntries(next, entries);
  return next;
}
