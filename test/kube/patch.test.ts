import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { ApiError } from './types.ts';

describe('JSON merge patch (RFC 7386)', () => {
  // The test cases of RFC 7386 appendix A.
  test.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });

  test('patching with the target itself, or with {}, changes nothing (null-free documents)', () => {
    const doc = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue().filter((v) => !JSON.stringify(v).includes('null')), { maxKeys: 5 });
    fc.assert(fc.property(doc, (d) => {
      expect(mergePatch(d, d)).toEqual(d);
      expect(mergePatch(d, {})).toEqual(d);
    }));
  });

  test('the target is never mutated', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (t, p) => {
      const before = JSON.stringify(t);
      mergePatch(t, p);
      expect(JSON.stringify(t)).toBe(before);
    }));
  });
});

describe('JSON patch (RFC 6902)', () => {
  test('add, remove, replace, move, copy, test', () => {
    const doc = { a: { b: [1, 2] }, c: 'x' };
    expect(jsonPatch(doc, [
      { op: 'add', path: '/a/b/1', value: 9 },
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'replace', path: '/c', value: 'y' },
      { op: 'copy', from: '/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e~1f' },
      { op: 'remove', path: '/a/b/0' },
      { op: 'test', path: '/a/b', value: [9, 2, 3] },
    ])).toEqual({ a: { b: [9, 2, 3] }, c: 'y', 'e/f': 'y' });
    expect(doc).toEqual({ a: { b: [1, 2] }, c: 'x' });
  });

  test.each([
    [[{ op: 'remove', path: '/missing' }]],
    [[{ op: 'replace', path: '/missing', value: 1 }]],
    [[{ op: 'test', path: '/c', value: 'nope' }]],
    [[{ op: 'add', path: '/a/b/7', value: 1 }]],
    [[{ op: 'frobnicate', path: '/c' }]],
  ])('%j is a 422', (ops) => {
    try { jsonPatch({ a: { b: [] }, c: 'x' }, ops); expect.unreachable(); } catch (err) { expect((err as ApiError).code).toBe(422); }
  });

  test('an object instead of an operation list is a 400, as client-node pitfall #2160 shows', () => {
    try { jsonPatch({}, { spec: {} }); expect.unreachable(); } catch (err) { expect((err as ApiError).code).toBe(400); }
  });
});

describe('strategic merge patch (subset)', () => {
  test('containers, ports and env merge by name; $patch: delete removes; other lists replace', () => {
    const target = { spec: { containers: [
      { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }], args: ['--one'] },
      { name: 'b', image: 'b:1' },
    ] } };
    const patch = { spec: { containers: [
      { name: 'a', env: [{ name: 'Y', value: '2' }], args: ['--two'] },
      { name: 'b', $patch: 'delete' },
      { name: 'c', image: 'c:1' },
    ], $setElementOrder: undefined } };
    expect(strategicMergePatch(target, patch)).toEqual({ spec: { containers: [
      { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }], args: ['--two'] },
      { name: 'c', image: 'c:1' },
    ] } });
  });
});
