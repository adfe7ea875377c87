import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkStructural } from '../../test/kube/schema.ts';
import { toStructural, type JsonSchema, type Loosening } from './structural.ts';

function convert(schema: JsonSchema, defs: Record<string, JsonSchema> = {}, maxDepth = 12): { out: JsonSchema; loosened: Loosening[] } {
  const loosened: Loosening[] = [];
  return { out: toStructural(schema, { defs, maxDepth, loosened }, '.spec'), loosened };
}

describe('JSON Schema to structural schema', () => {
  test('const becomes enum, exclusive bounds become OpenAPI v3 booleans, unknown formats go', () => {
    const { out } = convert({ type: 'object', properties: {
      kind: { type: 'string', const: 'A' },
      rate: { type: 'number', exclusiveMinimum: 0 },
      when: { type: 'string', format: 'date-time' },
      odd: { type: 'string', format: 'cron' },
      tags: { type: 'array', uniqueItems: true, items: { type: 'string' } },
    } });
    expect(out.properties).toEqual({
      kind: { type: 'string', enum: ['A'] },
      rate: { type: 'number', minimum: 0, exclusiveMinimum: true },
      when: { type: 'string', format: 'date-time' },
      odd: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    });
  });

  test('$ref is inlined with sibling keywords winning; an open object keeps unknown fields', () => {
    const { out } = convert({ type: 'object', properties: { a: { $ref: '#/$defs/thing', description: 'local' } } }, { thing: { type: 'object', description: 'shared' } });
    expect(out.properties).toEqual({ a: { type: 'object', description: 'local', 'x-kubernetes-preserve-unknown-fields': true } });
  });

  test('integer-or-string alternatives become x-kubernetes-int-or-string; other mixes preserve and are reported', () => {
    const { out, loosened } = convert({ type: 'object', properties: {
      port: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
      value: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    } });
    expect(out.properties).toEqual({ port: { 'x-kubernetes-int-or-string': true }, value: { 'x-kubernetes-preserve-unknown-fields': true } });
    expect(loosened).toEqual([{ path: '.spec.value', why: 'alternatives of different types (number, string): any value is kept' }]);
  });

  test('recursion stops at the repeated definition and is reported', () => {
    const defs = { node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } } } };
    const { out, loosened } = convert({ $ref: '#/$defs/node' }, defs);
    expect(out).toEqual({ type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } });
    expect(loosened.map((l) => l.path)).toEqual(['.spec.children[*]']);
  });

  test('deeper than maxDepth is kept without validation', () => {
    const { out, loosened } = convert({ type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'object', properties: { c: { type: 'string' } } } } } } }, {}, 1);
    expect(out).toEqual({ type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } });
    expect(loosened.map((l) => l.path)).toEqual(['.spec.a.b']);
  });

  test('if/then branches add their shapes without their conditions; required stays the unconditional set', () => {
    const { out, loosened } = convert({
      type: 'object', required: ['system', 'auth'],
      properties: { system: { type: 'string', enum: ['a', 'b'] }, auth: { type: 'object', required: ['method'], properties: { method: { type: 'string' } } } },
      allOf: [
        { if: { properties: { system: { const: 'a' } } }, then: { properties: { auth: { type: 'object', required: ['key'], properties: { method: { type: 'string' }, key: { type: 'string' } } } } } },
        { if: { properties: { system: { const: 'b' } } }, then: { properties: { auth: { type: 'object', properties: { method: { type: 'string' }, token: { type: 'string' } } } } } },
      ],
    });
    expect(out.required).toEqual(['system', 'auth']);
    expect(Object.keys((out.properties as any).auth.properties).sort()).toEqual(['key', 'method', 'token']);
    expect((out.properties as any).auth.required).toEqual(['method']);
    expect(loosened.map((l) => l.path)).toEqual(['.spec']);
  });

  test('object alternatives kept as oneOf when exclusive, as anyOf when the weakening could make them overlap', () => {
    const closed = convert({ oneOf: [
      { type: 'object', required: ['a'], additionalProperties: false, properties: { a: { type: 'string' } } },
      { type: 'object', required: ['b'], additionalProperties: false, properties: { b: { type: 'string' } } },
    ] }).out;
    expect(closed.oneOf).toEqual([{ required: ['a'] }, { required: ['b'] }]);
    const open = convert({ oneOf: [
      { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
      { type: 'object', required: ['b'], properties: { b: { type: 'string' } } },
    ] }).out;
    expect(open.anyOf).toEqual([{ required: ['a'] }, { required: ['b'] }]);
    const tagged = convert({ oneOf: [
      { type: 'object', required: ['kind', 'x'], properties: { kind: { const: 'x' }, x: { type: 'string' } } },
      { type: 'object', required: ['kind'], properties: { kind: { const: 'y' } } },
    ] }).out;
    expect(tagged.oneOf).toEqual([{ required: ['kind', 'x'], properties: { kind: { enum: ['x'] } } }, { required: ['kind'], properties: { kind: { enum: ['y'] } } }]);
    expect((tagged.properties as any).kind).toEqual({ type: 'string', enum: ['x', 'y'] });
  });

  test('only unconditional defaults become CRD defaults', () => {
    const { out } = convert({ type: 'object', properties: { top: { type: 'string', default: 'kept' } }, oneOf: [
      { type: 'object', required: ['a'], properties: { a: { type: 'string' }, shared: { type: 'boolean', default: false }, only: { type: 'integer', default: 2052 } } },
      { type: 'object', required: ['b'], properties: { b: { type: 'string' }, shared: { type: 'boolean', default: false } } },
    ] });
    const props = out.properties as Record<string, JsonSchema>;
    expect(props.top).toEqual({ type: 'string', default: 'kept' });
    expect(props.shared).toEqual({ type: 'boolean', default: false });
    expect(props.only).toEqual({ type: 'integer' });
    const conditional = convert({ type: 'object', properties: { system: { type: 'string' } }, allOf: [
      { if: { properties: { system: { const: 'k' } } }, then: { properties: { lcid: { type: 'integer', default: 2052 } } } },
    ] }).out;
    expect((conditional.properties as Record<string, JsonSchema>).lcid).toEqual({ type: 'integer' });
  });

  test('any schema built from the keywords schemas/ uses converts to a structural schema', () => {
    const leaf = fc.oneof(
      fc.record({ type: fc.constantFrom('string', 'integer', 'number', 'boolean') }),
      fc.record({ type: fc.constant('string'), const: fc.string({ maxLength: 3 }) }),
      fc.record({ type: fc.constant('string'), enum: fc.array(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 3 }), examples: fc.constant(['x']) }),
      fc.record({ type: fc.constant('number'), exclusiveMinimum: fc.integer() }),
      fc.constant({ $ref: '#/$defs/shared', description: 'via ref' }),
      fc.constant({ type: 'object' }),
    );
    const schema: fc.Arbitrary<JsonSchema> = fc.letrec<{ node: JsonSchema }>((tie) => ({
      node: fc.oneof({ maxDepth: 4, depthIdentifier: 'schema' },
        leaf,
        fc.record({ type: fc.constant('object'), additionalProperties: fc.constant(false), required: fc.constant(['p0']),
          properties: fc.dictionary(fc.constantFrom('p0', 'p1', 'p2'), tie('node'), { minKeys: 1, maxKeys: 3 }) }),
        fc.record({ type: fc.constant('object'), additionalProperties: tie('node'), propertyNames: fc.constant({ minLength: 1 }) }),
        fc.record({ type: fc.constant('array'), items: tie('node'), uniqueItems: fc.boolean(), minItems: fc.nat(2) }),
        fc.record({ oneOf: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) }),
        fc.record({ anyOf: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) }),
        fc.record({ type: fc.constant('object'), properties: fc.record({ sys: fc.constant({ type: 'string' }) }),
          allOf: fc.array(fc.record({ if: fc.constant({ properties: { sys: { const: 'a' } } }), then: tie('node') }), { minLength: 1, maxLength: 2 }) }),
      ),
    })).node;
    const defs = { shared: { type: 'object', properties: { self: { $ref: '#/$defs/shared' }, n: { type: 'integer' } } } };
    fc.assert(fc.property(schema, (s) => {
      const { out } = convert({ type: 'object', properties: { root: s } }, defs);
      expect(checkStructural(out, 'schema')).toEqual({ causes: [], unknownFields: [] });
    }), { numRuns: 300 });
  });
});
