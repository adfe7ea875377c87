import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, type Requirement } from './selectors.ts';
import { ApiError } from './types.ts';

const segment = fc.stringMatching(/^[a-z0-9]([-a-z0-9_.]{0,8}[a-z0-9])?$/);
const key = fc.oneof(segment, fc.tuple(fc.stringMatching(/^[a-z0-9]{1,6}(\.[a-z0-9]{1,6}){0,2}$/), segment).map(([p, n]) => `${p}/${n}`));
const value = fc.oneof(fc.constant(''), segment);
const requirement: fc.Arbitrary<Requirement> = fc.oneof(
  fc.record({ key, op: fc.constantFrom('in' as const, 'notin' as const), values: fc.array(value, { minLength: 1, maxLength: 3 }) }),
  fc.record({ key, op: fc.constantFrom('exists' as const, '!' as const) }),
);

function render(r: Requirement): string {
  if (!('values' in r)) return r.op === 'exists' ? r.key : `!${r.key}`;
  return `${r.key} ${r.op} (${r.values.join(',')})`;
}

/** The selector semantics written out plainly, to check the parser and matcher against. */
function reference(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  if (!('values' in r)) return r.op === 'exists' ? has : !has;
  if (r.op === 'in') return has && r.values.includes(labels[r.key] as string);
  return !has || !r.values.includes(labels[r.key] as string);
}

describe('label selectors', () => {
  test('rendering any requirement list and parsing it back gives the same requirements', () => {
    fc.assert(fc.property(fc.array(requirement, { maxLength: 5 }), (reqs) => {
      expect(parseLabelSelector(reqs.map(render).join(','))).toEqual(reqs);
    }));
  });

  test('matching agrees with the plain semantics for any labels', () => {
    fc.assert(fc.property(fc.array(requirement, { maxLength: 4 }), fc.dictionary(key, value, { maxKeys: 4 }), (reqs, labels) => {
      expect(matchesLabels(reqs, labels)).toBe(reqs.every((r) => reference(r, labels)));
    }));
  });

  test('equality forms are in/notin of one value', () => {
    expect(parseLabelSelector('a=b, c==d,e!=f')).toEqual([
      { key: 'a', op: 'in', values: ['b'] }, { key: 'c', op: 'in', values: ['d'] }, { key: 'e', op: 'notin', values: ['f'] },
    ]);
  });

  test.each(['a in b', 'a=b=c', '=x', 'Bad Key=1', 'a in (x y)'])('"%s" is a 400 BadRequest', (sel) => {
    expect(() => parseLabelSelector(sel)).toThrow(ApiError);
    try { parseLabelSelector(sel); } catch (err) { expect((err as ApiError).code).toBe(400); }
  });

  test('arbitrary text never escapes as anything but an ApiError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (text) => {
      try { parseLabelSelector(text); } catch (err) { expect(err).toBeInstanceOf(ApiError); }
    }));
  });
});

describe('field selectors', () => {
  test('dotted paths with =, == and !=', () => {
    const obj = { metadata: { name: 'a', namespace: 'n' }, involvedObject: { kind: 'SyncSpec' } };
    expect(matchesFields(parseFieldSelector('metadata.name=a,metadata.namespace==n'), obj)).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.name!=a'), obj)).toBe(false);
    expect(matchesFields(parseFieldSelector('involvedObject.kind=SyncSpec'), obj)).toBe(true);
    expect(matchesFields(parseFieldSelector('spec.missing='), obj)).toBe(true);
    expect(() => parseFieldSelector('metadata.name')).toThrow(ApiError);
  });
});
