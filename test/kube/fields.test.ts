import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromFieldsV1, leafFields, recordUpdate, serverSideApply, toFieldsV1, type ManagerRef } from './fields.ts';
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
    expect(keys.sort()).toEqual(['["metadata","finalizers"]', '["metadata","labels","a"]', '["spec","list"]', '["spec","m"]']);
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
