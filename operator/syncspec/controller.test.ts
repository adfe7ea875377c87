import { expect, test } from 'vitest';
import { KINDS, type KubeObject } from '../k8s/resources.ts';
import { authoredOnly } from './controller.ts';

test('compile inputs are cached as identity metadata, kind and the authored spec: no status, no managedFields, no defaults', () => {
  const obj: KubeObject = {
    apiVersion: 'syncspec.dev/v1',
    metadata: {
      name: 'c', namespace: 'ns', uid: 'u', resourceVersion: '9', generation: 3, labels: { a: 'b' }, finalizers: ['f'],
      managedFields: [
        { manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:system': {}, 'f:auth': { 'f:token': {} } } } },
        { manager: 'syncspec-operator-status', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } },
      ],
    },
    spec: { system: 'salesforce', auth: { token: 't', lcid: 2052 } },
    status: { conditions: [{ type: 'Ready' }] },
  };
  expect(authoredOnly(KINDS.Connection)(obj)).toEqual({
    apiVersion: 'syncspec.dev/v1', kind: 'Connection',
    metadata: { name: 'c', namespace: 'ns', uid: 'u', resourceVersion: '9', generation: 3, labels: { a: 'b' } },
    spec: { system: 'salesforce', auth: { token: 't' } },
  });
});
