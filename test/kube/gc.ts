/**
 * The owner-reference garbage collector, synchronous and switchable (KubeApi runs it to a fixed point
 * after deletions and owner changes when `garbageCollection` is on): dependents whose owners are all
 * gone are deleted (background), `foregroundDeletion` owners lose that finalizer once their dependents
 * are gone, `orphan` owners strip their references from dependents first.
 */
import { PATCH_TYPES, type KubeApi } from './api.ts';
import type { ResourceType } from './registry.ts';
import type { KubeObject } from './types.ts';

/** One step of collection; true when it changed something (so the caller runs another). */
export function collectOnce(api: KubeApi): boolean {
  const gc = { ...api.systemWrite('generic-garbage-collector'), force: false };
  const all: { t: ResourceType; o: KubeObject }[] = [];
  for (const t of api.registry.all()) for (const o of api.store.scan(`${t.group}/${t.plural}`)) all.push({ t, o });
  const dependentsOf = (uid: string) => all.filter(({ o }) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid));
  const version = (t: ResourceType): string => t.versions[0] ?? 'v1';
  const dropFinalizer = (t: ResourceType, o: KubeObject, finalizer: string): void => {
    const rest = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    api.patch(t, version(t), o.metadata.namespace, o.metadata.name ?? '', PATCH_TYPES.merge, { metadata: { finalizers: rest } }, '', gc);
  };
  for (const { t, o } of all) {
    if (!o.metadata.deletionTimestamp) continue;
    const finalizers = o.metadata.finalizers ?? [];
    const uid = o.metadata.uid ?? '';
    if (finalizers.includes('orphan')) {
      for (const d of dependentsOf(uid)) {
        const refs = (d.o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        api.patch(d.t, version(d.t), d.o.metadata.namespace, d.o.metadata.name ?? '', PATCH_TYPES.merge, { metadata: { ownerReferences: refs.length ? refs : null } }, '', gc);
      }
      dropFinalizer(t, o, 'orphan');
      return true;
    }
    if (finalizers.includes('foregroundDeletion')) {
      const dependents = dependentsOf(uid);
      if (dependents.length === 0) {
        dropFinalizer(t, o, 'foregroundDeletion');
        return true;
      }
      const pending = dependents.filter((d) => !d.o.metadata.deletionTimestamp);
      for (const d of pending) api.delete(d.t, version(d.t), d.o.metadata.namespace, d.o.metadata.name ?? '', { propagationPolicy: 'Foreground' });
      if (pending.length) return true;
    }
  }
  for (const { t, o } of all) {
    const refs = o.metadata.ownerReferences ?? [];
    if (refs.length === 0 || o.metadata.deletionTimestamp) continue;
    if (refs.every((r) => !api.store.byUid(r.uid))) {
      api.delete(t, version(t), o.metadata.namespace, o.metadata.name ?? '', { propagationPolicy: 'Background' });
      return true;
    }
  }
  return false;
}
