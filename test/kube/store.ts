/**
 * Object storage of the test API server: one monotonic resourceVersion counter for every write,
 * a bounded event history for watches (older versions answer 410 Expired), and the live watchers.
 */
import type { KubeObject } from './types.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  type: EventType;
  resource: string;
  object: KubeObject;
  /** The object before this event (MODIFIED only), so selector watches can see objects leave. */
  previous?: KubeObject;
}

export interface Watcher {
  resource: string;
  deliver(event: StoredEvent): void;
}

const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

export class Store {
  #rv = 0;
  /** Events with rv <= this are gone from history; watches from older versions are expired. */
  #compactedRv = 0;
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #byUid = new Map<string, { resource: string; key: string }>();
  #history: StoredEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  historyLimit: number;

  constructor(historyLimit: number) {
    this.historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  get compactedRv(): number {
    return this.#compactedRv;
  }

  nextVersion(): string {
    return String(++this.#rv);
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.#objects.get(resource)?.get(objectKey(namespace, name));
    return o && structuredClone(o);
  }

  has(resource: string, namespace: string | undefined, name: string): boolean {
    return this.#objects.get(resource)?.has(objectKey(namespace, name)) ?? false;
  }

  byUid(uid: string): KubeObject | undefined {
    const ref = this.#byUid.get(uid);
    const o = ref && this.#objects.get(ref.resource)?.get(ref.key);
    return o && structuredClone(o);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const all = [...(this.#objects.get(resource)?.values() ?? [])];
    return all
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .map((o) => structuredClone(o))
      .sort((a, b) => objectKey(a.metadata.namespace, a.metadata.name ?? '').localeCompare(objectKey(b.metadata.namespace, b.metadata.name ?? '')));
  }

  /** The stored objects themselves, unsorted and uncloned: for read-only sweeps (the garbage collector). */
  scan(resource: string): readonly KubeObject[] {
    return [...(this.#objects.get(resource)?.values() ?? [])];
  }

  /** Stores an object whose metadata.resourceVersion the caller has just taken from `nextVersion`. */
  put(resource: string, obj: KubeObject, type: 'ADDED' | 'MODIFIED', previous?: KubeObject): void {
    let m = this.#objects.get(resource);
    if (!m) this.#objects.set(resource, (m = new Map()));
    const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
    // One private copy serves the map and the history; neither is ever mutated, readers get clones.
    const stored = structuredClone(obj);
    m.set(key, stored);
    if (obj.metadata.uid) this.#byUid.set(obj.metadata.uid, { resource, key });
    const rv = Number(obj.metadata.resourceVersion);
    this.#record(previous ? { rv, type, resource, object: stored, previous: structuredClone(previous) } : { rv, type, resource, object: stored });
  }

  /** Removes an object; `finalState` carries the deletion's resourceVersion. */
  remove(resource: string, finalState: KubeObject): void {
    this.#objects.get(resource)?.delete(objectKey(finalState.metadata.namespace, finalState.metadata.name ?? ''));
    if (finalState.metadata.uid) this.#byUid.delete(finalState.metadata.uid);
    this.#record({ rv: Number(finalState.metadata.resourceVersion), type: 'DELETED', resource, object: structuredClone(finalState) });
  }

  /** `event` is owned by the store from here on; watchers only serialise it. */
  #record(event: StoredEvent): void {
    const e = event;
    this.#history.push(e);
    if (this.#history.length > this.historyLimit) {
      const dropped = this.#history.splice(0, this.#history.length - this.historyLimit);
      this.#compactedRv = dropped[dropped.length - 1]?.rv ?? this.#compactedRv;
    }
    for (const w of this.#watchers) if (w.resource === event.resource) w.deliver(e);
  }

  /** Drops all history (like an etcd compaction): every older resourceVersion becomes expired. */
  compact(): void {
    this.#history = [];
    this.#compactedRv = this.#rv;
  }

  /** Events after `rv` for a resource; `undefined` when `rv` is older than the retained window. */
  since(resource: string, rv: number): StoredEvent[] | undefined {
    if (rv < this.#compactedRv) return undefined;
    return this.#history.filter((e) => e.rv > rv && e.resource === resource).map((e) => structuredClone(e));
  }

  addWatcher(w: Watcher): () => void {
    this.#watchers.add(w);
    return () => void this.#watchers.delete(w);
  }
}
