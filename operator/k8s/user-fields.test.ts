import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { authoredSpec, pickFields } from './user-fields.ts';

/** The FieldsV1 set that names every leaf of `v` (what a manager applying `v` whole would own). */
function fieldsOf(v: unknown): Record<string, any> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [`f:${k}`, fieldsOf(x)]));
}

describe('authoredSpec', () => {
  test('drops fields the API server defaulted (owned by no manager)', () => {
    const obj = {
      spec: { system: 'salesforce', auth: { clientId: { env: 'X' }, lcid: 2052 }, options: [1, 2] },
      metadata: {
        managedFields: [
          { manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:system': {}, 'f:auth': { 'f:clientId': { 'f:env': {} } }, 'f:options': {} } } },
          { manager: 'syncspec-operator-status', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } },
        ],
      },
    };
    expect(authoredSpec(obj)).toEqual({ system: 'salesforce', auth: { clientId: { env: 'X' } }, options: [1, 2] });
  });

  test('fields from several managers are united; no managedFields keeps the spec as it is', () => {
    const spec = { a: 1, b: 2, c: 3 };
    expect(authoredSpec({ spec, metadata: { managedFields: [{ fieldsV1: { 'f:spec': { 'f:a': {} } } }, { fieldsV1: { 'f:spec': { 'f:b': {} } } }] } })).toEqual({ a: 1, b: 2 });
    expect(authoredSpec({ spec, metadata: {} })).toBe(spec);
  });

  test('a `__proto__` key in spec data stays data', () => {
    const v = JSON.parse('{"a":{"__proto__":{"x":1}}}') as unknown;
    const picked = pickFields(v, fieldsOf(v)) as { a: Record<string, unknown> };
    expect(Object.hasOwn(picked.a, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(picked.a)).toBe(Object.prototype);
  });

  test('a value picked by its own full field set is unchanged', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(pickFields(v, fieldsOf(v))).toEqual(v);
    }));
  });
});
