import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromFieldsV1, leafFields, recordUpdate, serverSideApply, toFieldsV1, type ManagerRef } from './fields.ts';
import { builtinListKeys, strategicMergePatch } from './patch.ts';
import { ApiError, type KubeObject } from './types.ts';

const ref = (manager: string): ManagerRef => ({ manager, subresource: '', apiVersion: 'x.dev/v1', time: '2026-01-01T00:00:00Z' });
const obj = (spec: Record<string, unknown>, managedFields?: KubeObject['metadata']['managedFields']): KubeObject =>
  ({ apiVersion: 'x.dev/v1', kind: 'X', metadata: { name: 'a', ...(managedFields ? { managedFields } : {}) }, spec });
const target = { plural: 'xs', group: 'x.dev', name: 'a' };

describe('FieldsV1', () => {
  test('leaf sets survive the FieldsV1 round trip', () => {
    const spec = fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), fc.oneof(fc.integer(), fc.array(fc.integer()), fc.dictionary(fc.stringMatching(/^[a-z]{1,3}$/), fc.string(), { minKeys: 1, maxKeys: 3 })), { minKeys: 1, maxKeys: 4 });
    fc.assert(fc.property(spec, (s) => {
      const keys = [...leafFields({ spec: s }, 'all').keys()].sort();
      expect([...fromFieldsV1(toFieldsV1(keys))].sort()).toEqual(keys);
    }));
  });

  test('lists are atomic and tracked metadata is labels, annotations, finalizers, ownerReferences', () => {
    const keys = [...leafFields({ metadata: { name: 'n', uid: 'u', labels: { a: 'b' }, finalizers: ['f'] }, spec: { list: [1, 2], m: {} }, status: { s: 1 } }, 'main').keys()];
    expect(keys.sort()).toEqual(['["f:metadata","f:finalizers"]', '["f:metadata","f:labels","f:a"]', '["f:spec","f:list"]', '["f:spec","f:m"]']);
  });
});

describe('server-side apply', () => {
  test('conflicts name the field and the other manager; force moves ownership', () => {
    const live = serverSideApply(undefined, obj({ a: 1, b: 2 }), ref('alice'), 'all', false, target);
    try {
      serverSideApply(live, obj({ a: 5 }), ref('bob'), 'all', false, target);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).details?.causes).toEqual([{ type: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.a' }]);
    }
    const forced = serverSideApply(live, obj({ a: 5 }), ref('bob'), 'all', true, target);
    expect(forced.spec).toEqual({ a: 5, b: 2 });
    const owners = Object.fromEntries((forced.metadata.managedFields ?? []).map((m) => [m.manager, m.fieldsV1]));
    expect(owners).toEqual({ alice: { 'f:spec': { 'f:b': {} } }, bob: { 'f:spec': { 'f:a': {} } } });
  });

  test('an Update takes the fields it changed away from the applier, so the applier cannot remove them', () => {
    const applied = serverSideApply(undefined, obj({ a: 1, b: 2 }), ref('alice'), 'all', false, target);
    const edited = recordUpdate(applied, { ...structuredClone(applied), spec: { a: 1, b: 3 } }, ref('kubectl-edit'), 'all');
    const reapplied = serverSideApply(edited, obj({ a: 1 }), ref('alice'), 'all', false, target);
    expect(reapplied.spec).toEqual({ a: 1, b: 3 });
    const update = reapplied.metadata.managedFields?.find((m) => m.manager === 'kubectl-edit');
    expect(update).toMatchObject({ operation: 'Update', fieldsV1: { 'f:spec': { 'f:b': {} } } });
  });
});

describe('associative lists (containers, env, ports by their keys)', () => {
  const deploy = (containers: unknown[]): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w' }, spec: { template: { spec: { containers } } } });
  const dtarget = { plural: 'deployments', group: 'apps', name: 'w' };
  const apply = (live: KubeObject | undefined, containers: unknown[], manager: string, force = false) =>
    serverSideApply(live, deploy(containers), ref(manager), 'all', force, dtarget, builtinListKeys);
  const containersOf = (o: KubeObject) => (o.spec as any).template.spec.containers;

  test('ownership is per item field: another manager\'s env var survives the applier\'s image change', () => {
    const v1 = apply(undefined, [{ name: 'web', image: 'web:1' }, { name: 'sidecar', image: 'side:1' }], 'operator');
    expect(v1.metadata.managedFields?.[0]?.fieldsV1).toEqual({ 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': {
      'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} },
      'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} },
    } } } } });
    const patched = strategicMergePatch(v1, { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'DEBUG', value: '1' }] }] } } } }) as KubeObject;
    const edited = recordUpdate(v1, patched, ref('kubectl-set'), 'all', builtinListKeys);
    const v2 = apply(edited, [{ name: 'web', image: 'web:2' }, { name: 'sidecar', image: 'side:1' }], 'operator');
    expect(containersOf(v2)).toEqual([{ name: 'web', image: 'web:2', env: [{ name: 'DEBUG', value: '1' }] }, { name: 'sidecar', image: 'side:1' }]);
  });

  test('an item the applier no longer lists is removed; a conflict names the item by its key', () => {
    const v1 = apply(undefined, [{ name: 'web', image: 'web:1' }, { name: 'sidecar', image: 'side:1' }], 'operator');
    const v2 = apply(v1, [{ name: 'web', image: 'web:1' }], 'operator');
    expect(containersOf(v2)).toEqual([{ name: 'web', image: 'web:1' }]);
    const drifted = recordUpdate(v2, strategicMergePatch(v2, { spec: { template: { spec: { containers: [{ name: 'web', image: 'web:hacked' }] } } } }) as KubeObject, ref('someone'), 'all', builtinListKeys);
    try {
      apply(drifted, [{ name: 'web', image: 'web:1' }], 'operator');
      expect.unreachable();
    } catch (err) {
      expect((err as ApiError).details?.causes).toEqual([{ type: 'FieldManagerConflict', message: 'conflict with "someone" using x.dev/v1', field: '.spec.template.spec.containers[name="web"].image' }]);
    }
    expect(containersOf(apply(drifted, [{ name: 'web', image: 'web:1' }], 'operator', true))).toEqual([{ name: 'web', image: 'web:1' }]);
  });
});
